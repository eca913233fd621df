import { type Finding, type Severity, severityRank } from "@kamiyo/core";
import { insertRows, listFindingsByIds, type Queryable } from "@kamiyo/db";
import { newId } from "../ids.ts";
import type { ChannelSecretBox } from "../store/channel-secrets.ts";
import { type DeliveryMode, type StoredAlert, storeAlert } from "../store/outbox.ts";
import { type SilenceMatchers, silenced } from "../store/silences.ts";
import type { Alert, AlertType } from "../types.ts";
import { channelsInForce } from "./channels-in-force.ts";
import {
  capHold,
  capNotice,
  countSent,
  dailyCapOf,
  type HeldAlert,
  type HoldIn,
  hold,
} from "./daily-cap.ts";
import {
  type Decision,
  decide,
  type FingerprintState,
  filterMatches,
  fingerprintOf,
} from "./decide.ts";
import type { RoutingConfig } from "./routing-config.ts";

interface GroupRow {
  group_key: string;
  last_sent_at: Date | null;
  flush_at: Date | null;
  held: HeldAlert[];
}

const STORM = "!storm";

/** What one call of the router did. */
export interface RouteResult {
  sent: number;
  held: number;
  silenced: number;
  deliveries: number;
  /** The alerts stored, with their deliveries (what `sent` and a cap notice count). */
  stored: StoredAlert[];
  /** The earliest time an alert held by this call is due to go out, epoch ms; null if none. */
  nextFlushAt: number | null;
}

/** What one flush of held alerts did. */
export interface FlushResult {
  deliveries: number;
  stored: StoredAlert[];
}

/** How the router stores what it decides. */
export interface RouterOptions {
  /** `send` (default): deliveries for the workers; `record`: stored never to be sent (replays). */
  deliveries?: DeliveryMode;
  /** Opens the channels' secrets (the install's key ring; null without one). */
  secrets?: ChannelSecretBox;
}

/**
 * Turns findings into alerts and deliveries, inside the caller's transaction: dedup and
 * escalation per condition, cooldown against flapping, silences, grouping per detector and
 * subject, storm summaries and the plan's daily cap. Everything it decides is stored (routing
 * state, held alerts, the outbox), so a restart neither loses nor repeats an alert.
 */
export class AlertRouter {
  readonly #config: RoutingConfig;
  readonly #mode: DeliveryMode;
  readonly #secrets: ChannelSecretBox;

  constructor(config: RoutingConfig, options: RouterOptions = {}) {
    this.#config = config;
    this.#mode = options.deliveries ?? "send";
    this.#secrets = options.secrets ?? null;
  }

  /** Routes the latest states of findings that were just written in `tx`. */
  async route(
    tx: Queryable,
    tenantId: string,
    findings: readonly Finding[],
    nowMs: number,
  ): Promise<RouteResult> {
    const result: RouteResult = {
      sent: 0,
      held: 0,
      silenced: 0,
      deliveries: 0,
      stored: [],
      nextFlushAt: null,
    };
    if (findings.length === 0) return result;
    const channels = await channelsInForce(tx, tenantId, this.#secrets);
    if (channels.length === 0) return result;
    const states = await this.#states(tx, tenantId, findings.map(fingerprintOf));
    const silences = await activeSilenceMatchers(tx, tenantId, nowMs);
    const cap = await dailyCapOf(tx, tenantId, this.#config.dailyCap);
    const updates: [string, FingerprintState][] = [];
    for (const f of findings) {
      const fp = fingerprintOf(f);
      const d: Decision = decide(f, states.get(fp), nowMs, this.#config);
      if (d.next) {
        states.set(fp, d.next);
        updates.push([fp, d.next]);
      }
      if (!d.type) continue;
      const targets = channels.filter((c) => filterMatches(c.filter, f));
      if (targets.length === 0) continue;
      if (silences.some((m) => silenced(m, f))) {
        result.silenced++;
        continue;
      }
      const held: HeldAlert = {
        type: d.type,
        findingId: f.id,
        ...(f.tenantId === tenantId ? {} : { findingTenantId: f.tenantId }),
        severity: f.severity,
        at: nowMs,
      };
      const holdIn = await this.#holdIn(tx, tenantId, f, d.type, cap, nowMs);
      if (holdIn) {
        await hold(tx, tenantId, holdIn.group, held, holdIn.flushAt);
        result.held++;
        result.nextFlushAt = Math.min(result.nextFlushAt ?? holdIn.flushAt, holdIn.flushAt);
        if (holdIn.notice)
          this.#stored(result, await capNotice(tx, tenantId, channels, cap, nowMs, this.#mode));
        continue;
      }
      const alert = singleAlert(tenantId, d.type, f, nowMs);
      this.#stored(result, await storeAlert(tx, alert, fp, targets, nowMs, this.#mode));
      result.sent++;
      await countSent(tx, tenantId, nowMs);
      await tx.query(
        `INSERT INTO alert_groups (tenant_id, group_key, last_sent_at) VALUES ($1, $2, $3)
         ON CONFLICT (tenant_id, group_key) DO UPDATE SET last_sent_at = EXCLUDED.last_sent_at`,
        [tenantId, groupOf(f), new Date(nowMs)],
      );
    }
    await this.#saveStates(tx, tenantId, updates);
    return result;
  }

  /**
   * Sends what was held and is now due: a group's findings as one alert, a storm or the daily
   * cap as a summary. Call it periodically (it takes its own rows with SKIP LOCKED).
   */
  async flushDue(tx: Queryable, nowMs: number): Promise<FlushResult> {
    const due = await tx.query<GroupRow & { tenant_id: string }>(
      `SELECT tenant_id, group_key, last_sent_at, flush_at, held FROM alert_groups
       WHERE flush_at <= $1 ORDER BY flush_at LIMIT 100 FOR UPDATE SKIP LOCKED`,
      [new Date(nowMs)],
    );
    const result: FlushResult = { deliveries: 0, stored: [] };
    for (const g of due) {
      const idsByTenant = new Map<string, Set<string>>();
      for (const h of g.held) {
        if (!("findingId" in h)) continue;
        const owner = h.findingTenantId ?? g.tenant_id;
        idsByTenant.set(owner, (idsByTenant.get(owner) ?? new Set()).add(h.findingId));
      }
      const findings: Finding[] = [];
      for (const [owner, ids] of idsByTenant)
        findings.push(...(await listFindingsByIds(tx, owner, [...ids])));
      const channels = await channelsInForce(tx, g.tenant_id, this.#secrets);
      // Incident alerts held by the daily cap name the channels that took them.
      const taken = new Set(g.held.flatMap((h) => ("channelIds" in h ? h.channelIds : [])));
      const targets = channels.filter(
        (c) => taken.has(c.id) || findings.some((f) => filterMatches(c.filter, f)),
      );
      const alert = g.group_key.startsWith("!")
        ? summaryAlert(
            g.tenant_id,
            g,
            nowMs,
            await dailyCapOf(tx, g.tenant_id, this.#config.dailyCap),
          )
        : groupAlert(g.tenant_id, g.held, findings, nowMs);
      if (targets.length > 0 && alert) {
        this.#stored(result, await storeAlert(tx, alert, null, targets, nowMs, this.#mode));
        if (!g.group_key.startsWith("!")) await countSent(tx, g.tenant_id, nowMs);
      }
      await tx.query(
        `UPDATE alert_groups SET held = '[]', flush_at = NULL,
           last_sent_at = CASE WHEN group_key LIKE '!%' THEN last_sent_at ELSE $3 END
         WHERE tenant_id = $1 AND group_key = $2`,
        [g.tenant_id, g.group_key, new Date(nowMs)],
      );
    }
    return result;
  }

  #stored(result: { deliveries: number; stored: StoredAlert[] }, s: StoredAlert): void {
    result.deliveries += s.deliveries.length;
    result.stored.push(s);
  }

  /** Where an alert must wait, if anywhere: the daily cap, a storm, or its group's window. */
  async #holdIn(
    tx: Queryable,
    tenantId: string,
    f: Finding,
    type: AlertType,
    dailyCap: number,
    nowMs: number,
  ): Promise<HoldIn | null> {
    const capped = await capHold(tx, tenantId, dailyCap, nowMs);
    if (capped) return capped;
    if (f.severity === "critical") return null;
    const [recent] = await tx.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM alerts WHERE tenant_id = $1 AND created_at > $2 AND type LIKE 'finding.%'",
      [tenantId, new Date(nowMs - this.#config.stormWindowMs)],
    );
    if ((recent?.n ?? 0) >= this.#config.stormThreshold)
      return { group: STORM, flushAt: nowMs + this.#config.stormWindowMs, notice: false };
    if (type === "finding.resolved" || this.#config.groupWindowMs === 0) return null;
    const [group] = await tx.query<{ last_sent_at: Date | null }>(
      "SELECT last_sent_at FROM alert_groups WHERE tenant_id = $1 AND group_key = $2",
      [tenantId, groupOf(f)],
    );
    const last = group?.last_sent_at?.getTime();
    if (last !== undefined && nowMs - last < this.#config.groupWindowMs)
      return { group: groupOf(f), flushAt: last + this.#config.groupWindowMs, notice: false };
    return null;
  }

  async #states(
    tx: Queryable,
    tenantId: string,
    fingerprints: string[],
  ): Promise<Map<string, FingerprintState>> {
    const rows = await tx.query<{
      fingerprint: string;
      finding_id: string;
      severity: Severity;
      status: FingerprintState["status"];
      notified_at: Date;
    }>("SELECT * FROM alert_fingerprints WHERE tenant_id = $1 AND fingerprint = ANY($2::text[])", [
      tenantId,
      [...new Set(fingerprints)],
    ]);
    return new Map(
      rows.map((r) => [
        r.fingerprint,
        {
          findingId: r.finding_id,
          severity: r.severity,
          status: r.status,
          notifiedAt: r.notified_at.getTime(),
        },
      ]),
    );
  }

  async #saveStates(
    tx: Queryable,
    tenantId: string,
    updates: [string, FingerprintState][],
  ): Promise<void> {
    const latest = new Map(updates);
    await insertRows(
      tx,
      "alert_fingerprints",
      ["tenant_id", "fingerprint", "finding_id", "severity", "status", "notified_at"],
      [...latest].map(([fp, s]) => [
        tenantId,
        fp,
        s.findingId,
        s.severity,
        s.status,
        new Date(s.notifiedAt),
      ]),
      `ON CONFLICT (tenant_id, fingerprint) DO UPDATE SET finding_id = EXCLUDED.finding_id,
         severity = EXCLUDED.severity, status = EXCLUDED.status, notified_at = EXCLUDED.notified_at`,
    );
  }
}

/** Findings of one detector on one subject are grouped. */
function groupOf(f: Finding): string {
  return `g:${f.detector}:${f.subject.type}:${f.subject.id}`;
}

async function activeSilenceMatchers(
  tx: Queryable,
  tenantId: string,
  nowMs: number,
): Promise<SilenceMatchers[]> {
  const rows = await tx.query<{ matchers: SilenceMatchers }>(
    "SELECT matchers FROM silences WHERE tenant_id = $1 AND starts_at <= $2 AND ends_at > $2",
    [tenantId, new Date(nowMs)],
  );
  return rows.map((r) => r.matchers);
}

function singleAlert(tenantId: string, type: AlertType, f: Finding, nowMs: number): Alert {
  const title =
    type === "finding.escalated"
      ? `Escalated to ${f.severity}: ${f.title}`
      : type === "finding.resolved"
        ? `Resolved: ${f.title}`
        : f.title;
  return {
    id: newId("alr", nowMs),
    tenantId,
    type,
    severity: f.severity,
    title,
    createdAt: nowMs,
    findings: [f],
  };
}

function groupAlert(
  tenantId: string,
  held: readonly HeldAlert[],
  findings: Finding[],
  nowMs: number,
): Alert | null {
  if (findings.length === 0) return null;
  const sorted = [...findings].sort(
    (a, b) => severityRank(b.severity) - severityRank(a.severity) || b.updatedAt - a.updatedAt,
  );
  const top = sorted[0] as Finding;
  const type: AlertType = held.some((h) => h.type === "finding.opened")
    ? "finding.opened"
    : held.some((h) => h.type === "finding.escalated")
      ? "finding.escalated"
      : "finding.resolved";
  return {
    id: newId("alr", nowMs),
    tenantId,
    type,
    severity: top.severity,
    title:
      sorted.length === 1
        ? top.title
        : `${sorted.length} ${top.detector} findings on ${top.subject.id}: ${top.title}`,
    createdAt: nowMs,
    findings: sorted,
  };
}

function summaryAlert(
  tenantId: string,
  g: GroupRow,
  nowMs: number,
  dailyCap: number,
): Alert | null {
  if (g.held.length === 0) return null;
  const suppressed: Partial<Record<Severity, number>> = {};
  let worst: Severity = "info";
  for (const h of g.held) {
    suppressed[h.severity] = (suppressed[h.severity] ?? 0) + 1;
    if (severityRank(h.severity) > severityRank(worst)) worst = h.severity;
  }
  const from = Math.min(...g.held.map((h) => h.at));
  const storm = g.group_key === STORM;
  const counts = Object.entries(suppressed)
    .sort(([a], [b]) => severityRank(b as Severity) - severityRank(a as Severity))
    .map(([s, n]) => `${n} ${s}`)
    .join(", ");
  return {
    id: newId("alr", nowMs),
    tenantId,
    type: "alerts.summary",
    severity: worst,
    title: storm
      ? `Alert storm: ${g.held.length} alerts summarised (${counts})`
      : `Daily cap of ${dailyCap} alerts: ${g.held.length} more were held (${counts})`,
    createdAt: nowMs,
    findings: [],
    summary: { reason: storm ? "storm" : "daily-cap", suppressed, from, to: nowMs },
  };
}
