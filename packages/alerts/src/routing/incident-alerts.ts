import { type Severity, severityRank } from "@kamiyo/core";
import type { Queryable } from "@kamiyo/db";
import { usdShort } from "../channels/render.ts";
import { newId } from "../ids.ts";
import type { ChannelSecretBox } from "../store/channel-secrets.ts";
import type { ChannelFilter } from "../store/channels.ts";
import { insertAlert } from "../store/outbox.ts";
import type { Alert, AlertType, ExploitIncident } from "../types.ts";
import { channelsInForce } from "./channels-in-force.ts";
import { capHold, capNotice, countSent, dailyCapOf, hold } from "./daily-cap.ts";
import { routingConfig } from "./routing-config.ts";

/** The alert types of exploit incidents. */
export type IncidentAlertType = Extract<AlertType, "exploit.created" | "exploit.updated">;

/**
 * An incident's severity from its USD loss: ≥ $100M critical, ≥ $10M high, ≥ $1M medium, a
 * known loss below $1M low, an unknown loss (none, or only in tokens) info.
 */
export function incidentSeverity(lossUsd: number | null): Severity {
  if (lossUsd === null) return "info";
  if (lossUsd >= 100_000_000) return "critical";
  if (lossUsd >= 10_000_000) return "high";
  if (lossUsd >= 1_000_000) return "medium";
  return "low";
}

const lower = (values: readonly string[]) => values.map((v) => v.toLowerCase());

/**
 * Whether a channel's filter takes an exploit incident; every field present must match:
 * `minSeverity` against the incident's severity ({@link incidentSeverity}); `chains` any of the
 * incident's chains; `protocols` its protocol or one of its aliases; `categories` its
 * classification; `minAmountUsd` its USD loss (an unknown loss never passes a minimum). Names
 * compare case-insensitively. `detectors`, `kinds` and `subjects` select findings: a channel
 * that sets any of them receives no incidents.
 */
export function incidentMatches(filter: ChannelFilter, i: ExploitIncident): boolean {
  if (filter.detectors || filter.kinds || filter.subjects) return false;
  if (
    filter.minSeverity &&
    severityRank(incidentSeverity(i.lossUsd)) < severityRank(filter.minSeverity)
  )
    return false;
  const any = (wanted: readonly string[] | undefined, have: readonly string[]) => {
    if (!wanted) return true;
    const w = new Set(lower(wanted));
    return lower(have).some((v) => w.has(v));
  };
  if (!any(filter.chains, i.chains)) return false;
  if (!any(filter.protocols, [i.protocol, ...i.aliases])) return false;
  if (!any(filter.categories, i.classification === null ? [] : [i.classification])) return false;
  if (filter.minAmountUsd !== undefined && (i.lossUsd === null || i.lossUsd < filter.minAmountUsd))
    return false;
  return true;
}

function chainsText(chains: readonly string[]): string {
  if (chains.length === 0) return "";
  if (chains.length <= 3) return ` on ${chains.join(", ")}`;
  return ` on ${chains.slice(0, 2).join(", ")} and ${chains.length - 2} more chains`;
}

/**
 * "Euler Finance: $197M lost on Ethereum (Protocol Logic)"; "Updated: …" for an update; the
 * source's own amount when no USD figure exists; "loss unknown" when there is none.
 */
export function incidentTitle(i: ExploitIncident, type: IncidentAlertType): string {
  const kind = i.classification ?? i.technique;
  const where = `${chainsText(i.chains)}${kind ? ` (${kind})` : ""}`;
  const what =
    i.lossUsd !== null
      ? `${usdShort(i.lossUsd)} lost${where}`
      : i.original
        ? `${i.original.amount.toLocaleString("en-US", { maximumSignificantDigits: 6 })} ${i.original.unit} lost${where}`
        : `exploited${where}, loss unknown`;
  const title = `${i.protocol}: ${what}`.replace(/\s+/g, " ").trim();
  return type === "exploit.updated" ? `Updated: ${title}` : title;
}

/** Only the fields alerts carry (an intel `Incident` has more). */
export function toExploitIncident(i: ExploitIncident): ExploitIncident {
  return {
    id: i.id,
    protocol: i.protocol,
    aliases: [...i.aliases],
    date: i.date,
    occurredAt: i.occurredAt ?? null,
    chains: [...i.chains],
    classification: i.classification,
    technique: i.technique,
    lossUsd: i.lossUsd,
    original: i.original ? { amount: i.original.amount, unit: i.original.unit } : null,
    returnedUsd: i.returnedUsd,
    txHashes: [...i.txHashes],
    references: i.references.map((r) => ({
      source: r.source,
      sourceKey: r.sourceKey,
      url: r.url,
      firstSeenAt: r.firstSeenAt ?? null,
    })),
  };
}

/** The fingerprint of an incident's alerts: `exploit:<id>`. */
export const incidentFingerprint = (id: string) => `exploit:${id}`;

/** What one call of {@link routeIncidents} did, over all tenants. */
export interface IncidentRouteResult {
  /** Alerts stored (one per tenant and incident that some channel takes). */
  sent: number;
  /** Alerts held back by a tenant's daily cap (counted in its midnight summary). */
  held: number;
  /** `exploit.created` alerts a tenant already had. */
  duplicates: number;
  deliveries: number;
}

export interface IncidentRouteOptions {
  /** The install's daily cap (RoutingConfig.dailyCap), for tenants whose plans set none; the routing default when unset. */
  dailyCap?: number;
  /** Opens the channels' secrets (the install's key ring; null without one). */
  secrets?: ChannelSecretBox;
}

/**
 * Stores, inside the caller's transaction (the one that wrote the incidents), one alert per
 * tenant and incident with a delivery to each of the tenant's enabled channels whose filter takes
 * it ({@link incidentMatches}). An incident's `exploit.created` goes to a tenant once (an alert
 * with its fingerprint and type exists: skipped); `exploit.updated` is sent every time (the
 * caller decides what is material). Alerts count toward the tenant's daily cap; past it they are
 * held and summarised at midnight UTC like finding alerts. Silences, grouping and storm
 * protection are about findings and do not apply.
 */
export async function routeIncidents(
  tx: Queryable,
  incidents: readonly ExploitIncident[],
  type: IncidentAlertType,
  nowMs: number,
  opts: IncidentRouteOptions = {},
): Promise<IncidentRouteResult> {
  const result: IncidentRouteResult = { sent: 0, held: 0, duplicates: 0, deliveries: 0 };
  const unique = [...new Map(incidents.map((i) => [i.id, i])).values()];
  if (unique.length === 0) return result;
  const installCap = opts.dailyCap ?? routingConfig.parse({}).dailyCap;
  const tenants = await tx.query<{ id: string }>("SELECT id FROM tenants ORDER BY id");
  for (const { id: tenantId } of tenants) {
    const channels = await channelsInForce(tx, tenantId, opts.secrets ?? null);
    if (channels.length === 0) continue;
    const dailyCap = await dailyCapOf(tx, tenantId, installCap);
    const announced = new Set<string>();
    if (type === "exploit.created") {
      const rows = await tx.query<{ fingerprint: string }>(
        `SELECT DISTINCT fingerprint FROM alerts
         WHERE tenant_id = $1 AND type = 'exploit.created' AND fingerprint = ANY($2::text[])`,
        [tenantId, unique.map((i) => incidentFingerprint(i.id))],
      );
      for (const r of rows) announced.add(r.fingerprint);
    }
    for (const i of unique) {
      const targets = channels.filter((c) => incidentMatches(c.filter, i)).map((c) => c.id);
      if (targets.length === 0) continue;
      const fp = incidentFingerprint(i.id);
      if (announced.has(fp)) {
        result.duplicates++;
        continue;
      }
      const severity = incidentSeverity(i.lossUsd);
      const capped = await capHold(tx, tenantId, dailyCap, nowMs);
      if (capped) {
        const held = { type, incidentId: i.id, channelIds: targets, severity, at: nowMs };
        await hold(tx, tenantId, capped.group, held, capped.flushAt);
        result.held++;
        if (capped.notice)
          result.deliveries += (
            await capNotice(tx, tenantId, channels, dailyCap, nowMs)
          ).deliveries.length;
        continue;
      }
      const alert: Alert = {
        id: newId("alr", nowMs),
        tenantId,
        type,
        severity,
        title: incidentTitle(i, type),
        createdAt: nowMs,
        findings: [],
        incident: toExploitIncident(i),
      };
      result.deliveries += (await insertAlert(tx, alert, fp, targets, nowMs)).length;
      result.sent++;
      await countSent(tx, tenantId, nowMs);
      if (type === "exploit.created") announced.add(fp);
    }
  }
  return result;
}

/** What an incident import reports (intel's `ImportResult`, structurally). */
export interface IncidentChanges {
  created: readonly ExploitIncident[];
  changed: readonly ExploitIncident[];
}

export interface IncidentAlertsHookOptions extends IncidentRouteOptions {
  /**
   * Incidents dated more than this many days before `nowMs` raise no alert: a first import of a
   * source's history is not news. Default 30; null: no limit.
   */
  maxAgeDays?: number | null;
}

/**
 * An `afterImport` hook for intel's `importRecords`: routes the import's new incidents as
 * `exploit.created` and its materially changed ones as `exploit.updated`, in the import's
 * transaction (a failure rolls the import back).
 */
export function incidentAlertsHook(
  nowMs: number,
  opts: IncidentAlertsHookOptions = {},
): (tx: Queryable, result: IncidentChanges) => Promise<void> {
  const maxAgeDays = opts.maxAgeDays === undefined ? 30 : opts.maxAgeDays;
  const since =
    maxAgeDays === null ? null : new Date(nowMs - maxAgeDays * 86_400_000).toISOString();
  const recent = (list: readonly ExploitIncident[]) =>
    since === null ? list : list.filter((i) => i.date >= since.slice(0, 10));
  return async (tx, result) => {
    await routeIncidents(tx, recent(result.created), "exploit.created", nowMs, opts);
    await routeIncidents(tx, recent(result.changed), "exploit.updated", nowMs, opts);
  };
}
