import type { Finding } from "@kamiyo/core";
import { z } from "zod";
import type { HttpPoster, PostPolicy } from "../delivery/http-post.ts";
import { webhookHeaders } from "../delivery/signing.ts";
import { failure } from "../outcome.ts";
import type { Alert, ExploitIncident, SendOutcome, WebhookPayload } from "../types.ts";

/** An endpoint's settings. The URL is vetted by `checkWebhookUrl` when the endpoint is saved. */
export const webhookConfig = z.object({ url: z.string().url() });
export type WebhookConfig = z.output<typeof webhookConfig>;

/** Standard Webhooks recommends bodies under 20 KB. */
export const MAX_PAYLOAD_BYTES = 20_000;

type FindingJson = ReturnType<typeof findingJson>;

/** A finding as JSON, times in ISO 8601. */
function findingJson(f: Finding) {
  return {
    id: f.id,
    detector: f.detector,
    kind: f.kind,
    subject: f.subject,
    key: f.key,
    severity: f.severity,
    status: f.status,
    title: f.title,
    evidence: f.evidence,
    firstDataAt: iso(f.firstDataAt),
    dataAt: iso(f.dataAt),
    detectedAt: iso(f.detectedAt),
    updatedAt: iso(f.updatedAt),
    resolvedAt: f.resolvedAt === null ? null : iso(f.resolvedAt),
    occurrences: f.occurrences,
  };
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

function bytes(value: unknown): number {
  return Buffer.byteLength(JSON.stringify(value));
}

/**
 * The finding data of an alert: the first (triggering) finding's fields and, when the alert
 * groups several, all of them under `findings`, cut to fit {@link MAX_PAYLOAD_BYTES} with the
 * number left out in `truncated`.
 */
function findingData(alert: Alert, envelope: Omit<WebhookPayload, "data">): unknown {
  const [first, ...rest] = alert.findings;
  const head = first ? findingJson(first) : { title: alert.title, severity: alert.severity };
  let base: Record<string, unknown> = { ...head, alertId: alert.id };
  // Evidence is the only unbounded part of a finding: drop it rather than exceed the limit.
  if (bytes({ ...envelope, data: base }) >= MAX_PAYLOAD_BYTES) {
    base = { ...base, evidence: {}, evidenceTruncated: true };
  }
  if (rest.length === 0) return base;
  const all: FindingJson[] = alert.findings.map(findingJson);
  const full = { ...base, findings: all };
  if (bytes({ ...envelope, data: full }) < MAX_PAYLOAD_BYTES) return full;
  // Room for the list: the budget less everything else, with the `truncated` field counted.
  let room =
    MAX_PAYLOAD_BYTES -
    bytes({ ...envelope, data: { ...base, findings: [], truncated: all.length } });
  const kept: FindingJson[] = [];
  for (const f of all) {
    const size = bytes(f) + 1;
    if (size > room) break;
    room -= size;
    kept.push(f);
  }
  return { ...base, findings: kept, truncated: all.length - kept.length };
}

/** Longest text field of an incident kept when its payload would pass the limit. */
const MAX_INCIDENT_TEXT = 1_000;

/**
 * An exploit alert's data: the incident (date `YYYY-MM-DD`, ISO 8601) and the alert id. Past
 * {@link MAX_PAYLOAD_BYTES}, long texts are cut and the lists (references, transactions, aliases)
 * keep what fits, the number left out of each in `truncated`.
 */
function incidentData(alert: Alert, envelope: Omit<WebhookPayload, "data">): unknown {
  const i: ExploitIncident | undefined = alert.incident;
  if (!i) return { title: alert.title, severity: alert.severity, alertId: alert.id };
  const full = { ...i, date: i.date.slice(0, 10), alertId: alert.id };
  if (bytes({ ...envelope, data: full }) < MAX_PAYLOAD_BYTES) return full;
  const cut = (s: string | null) => (s === null ? null : s.slice(0, MAX_INCIDENT_TEXT));
  const lists = { references: i.references, txHashes: i.txHashes, aliases: i.aliases };
  const truncated = {
    references: i.references.length,
    txHashes: i.txHashes.length,
    aliases: i.aliases.length,
  };
  const base = {
    ...full,
    protocol: cut(i.protocol) ?? "",
    classification: cut(i.classification),
    technique: cut(i.technique),
    chains: i.chains.slice(0, 100).map((c) => c.slice(0, 100)),
    original: i.original ? { ...i.original, unit: i.original.unit.slice(0, 100) } : null,
    references: [] as unknown[],
    txHashes: [] as string[],
    aliases: [] as string[],
    truncated,
  };
  let room = MAX_PAYLOAD_BYTES - bytes({ ...envelope, data: base });
  for (const key of ["references", "txHashes", "aliases"] as const) {
    const kept: unknown[] = base[key];
    for (const item of lists[key]) {
      const size = bytes(item) + 1;
      if (size > room) break;
      room -= size;
      kept.push(item);
      truncated[key]--;
    }
  }
  return base;
}

/** Builds the Standard Webhooks payload `{type, timestamp, data}` of an alert. */
export function webhookPayload(alert: Alert): WebhookPayload {
  const envelope = { type: alert.type, timestamp: iso(alert.createdAt) };
  switch (alert.type) {
    case "finding.opened":
    case "finding.escalated":
    case "finding.resolved":
      return { ...envelope, data: findingData(alert, envelope) };
    case "exploit.created":
    case "exploit.updated":
      return { ...envelope, data: incidentData(alert, envelope) };
    case "alerts.summary": {
      const s = alert.summary;
      const data = s
        ? { reason: s.reason, suppressed: s.suppressed, from: iso(s.from), to: iso(s.to) }
        : { title: alert.title };
      return { ...envelope, data: { ...data, alertId: alert.id } };
    }
    case "endpoint.disabled":
      return {
        ...envelope,
        data: { ...(alert.endpoint ?? { title: alert.title }), alertId: alert.id },
      };
    case "webhook.test":
      return { ...envelope, data: { message: alert.title, alertId: alert.id } };
  }
}

/** What {@link sendWebhook} needs besides the alert and the endpoint's settings. */
export interface WebhookContext {
  /** The delivery's id, sent as `webhook-id`: the same on every retry, for receivers to dedupe. */
  deliveryId: string;
  /** Clock time of this attempt, epoch ms (`webhook-timestamp` is its second). */
  nowMs: number;
  /** Signing secrets, current first; two during a rotation. */
  secrets: readonly string[];
  http: HttpPoster;
  policy: PostPolicy;
  timeoutMs: number;
}

/** Delivers an alert to a webhook endpoint, signed per Standard Webhooks. Never throws. */
export async function sendWebhook(
  alert: Alert,
  config: WebhookConfig,
  ctx: WebhookContext,
): Promise<SendOutcome> {
  const body = JSON.stringify(webhookPayload(alert));
  let headers: Record<string, string>;
  try {
    if (ctx.secrets.length === 0) throw new TypeError("no webhook signing secret");
    headers = webhookHeaders(ctx.secrets, ctx.deliveryId, Math.floor(ctx.nowMs / 1000), body);
  } catch (err) {
    return failure((err as Error).message, { retry: false });
  }
  return ctx.http.post({
    url: config.url,
    headers,
    body,
    policy: ctx.policy,
    timeoutMs: ctx.timeoutMs,
  });
}
