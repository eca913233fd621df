import type { Queryable } from "@kamiyo/db";
import { billingPeriod } from "./billing-period.ts";
import { type Limits, type MeterId, PRODUCT_IDS, type ProductId } from "./catalog/index.ts";
import { entitlementsOf } from "./entitlements.ts";
import type { Subscription } from "./subscriptions.ts";

export const METERS: readonly MeterId[] = [
  "api_calls",
  "alerts_sent",
  "webhook_deliveries",
  "events_ingested",
  "rca_queries",
  "storage_bytes",
  "policy_checks",
];

/** One usage event: `value` units of `meter` used at `eventAt`, counted once per key. */
export interface UsageEvent {
  tenantId: string;
  product: ProductId;
  meter: MeterId;
  value: number;
  eventAt: number;
  /** Unique per tenant: the same key again is the same event (a retry), not more usage. */
  idempotencyKey: string;
}

/**
 * Records usage events; an event whose key the tenant already used is not counted again. Call it
 * in the transaction of the work it counts, on the platform's connection.
 * @returns how many were new.
 */
export async function recordUsage(
  tx: Queryable,
  events: readonly UsageEvent[],
  nowMs: number,
): Promise<number> {
  if (events.length === 0) return 0;
  const rows = await tx.query<{ n: number }>(
    `WITH ins AS (
       INSERT INTO usage_events
         (tenant_id, idempotency_key, product, meter, value, event_at, recorded_at)
       SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::bigint[],
                            $6::timestamptz[], $7::timestamptz[])
       ON CONFLICT (tenant_id, idempotency_key) DO NOTHING
       RETURNING 1)
     SELECT count(*)::int AS n FROM ins`,
    [
      events.map((e) => e.tenantId),
      events.map((e) => e.idempotencyKey),
      events.map((e) => e.product),
      events.map((e) => e.meter),
      events.map((e) => e.value),
      events.map((e) => new Date(e.eventAt)),
      events.map(() => new Date(nowMs)),
    ],
  );
  return rows[0]?.n ?? 0;
}

/**
 * How a meter's events (those `filter` keeps) add up in a window, as text: counts add;
 * `storage_bytes` events are readings of what is stored, so a window holds its largest.
 */
function aggregate(filter = "true"): string {
  return `coalesce(CASE WHEN meter = 'storage_bytes'
                        THEN max(value) FILTER (WHERE ${filter})
                        ELSE sum(value) FILTER (WHERE ${filter}) END, 0)::text`;
}

/** Usage in one window of event time, per product and meter. */
export interface UsageWindow {
  product: ProductId;
  meter: MeterId;
  /** Window start, epoch ms (hours and days in UTC). */
  start: number;
  value: number;
}

/**
 * A tenant's usage between `from` (inclusive) and `to` (exclusive), by event time, in hourly or
 * daily (UTC) windows: a late event lands in the window it happened in.
 */
export async function usageWindows(
  q: Queryable,
  tenantId: string,
  window: "hour" | "day",
  from: number,
  to: number,
): Promise<UsageWindow[]> {
  const rows = await q.query<{ product: ProductId; meter: MeterId; start: Date; value: string }>(
    `SELECT product, meter, date_trunc($2, event_at AT TIME ZONE 'UTC') AT TIME ZONE 'UTC' AS start,
            ${aggregate()} AS value
     FROM usage_events
     WHERE tenant_id = $1 AND event_at >= $3 AND event_at < $4
     GROUP BY 1, 2, 3
     ORDER BY 3, 1, 2`,
    [tenantId, window, new Date(from), new Date(to)],
  );
  return rows.map((r) => ({
    product: r.product,
    meter: r.meter,
    start: r.start.getTime(),
    value: Number(r.value),
  }));
}

/** The plan limit a meter counts against, and over what. */
export const QUOTAS: Partial<Record<MeterId, { key: keyof Limits; per: "day" | "period" }>> = {
  api_calls: { key: "apiCallsPerDay", per: "day" },
  alerts_sent: { key: "alertsPerDay", per: "day" },
  events_ingested: { key: "eventsPerDay", per: "day" },
  rca_queries: { key: "rcaQueriesPerPeriod", per: "period" },
  storage_bytes: { key: "storageBytes", per: "period" },
};

const DAY_MS = 86_400_000;

/**
 * A tenant's usage in its current billing period and today (UTC), per product and meter, against
 * the quota of its plan in force for that product: every meter a plan sets a quota on, and every
 * meter with usage.
 */
export async function usageReport(
  q: Queryable,
  tenantId: string,
  subscriptions: readonly Subscription[],
  nowMs: number,
) {
  const platform = subscriptions.find((s) => s.product === "platform");
  const period = billingPeriod(platform?.anchorAt ?? nowMs, nowMs);
  const dayStart = Math.floor(nowMs / DAY_MS) * DAY_MS;
  const dayEnd = dayStart + DAY_MS;
  const within = (a: string, b: string) => aggregate(`event_at >= ${a} AND event_at < ${b}`);
  const rows = await q.query<{ product: ProductId; meter: MeterId; period: string; today: string }>(
    `SELECT product, meter, ${within("$2", "$3")} AS period, ${within("$4", "$5")} AS today
     FROM usage_events
     WHERE tenant_id = $1 AND event_at >= least($2, $4) AND event_at < greatest($3, $5)
     GROUP BY 1, 2`,
    [tenantId, new Date(period.start), new Date(period.end), new Date(dayStart), new Date(dayEnd)],
  );
  const used = new Map(rows.map((r) => [`${r.product}|${r.meter}`, r]));
  const entitled = entitlementsOf(subscriptions);
  const meters = [];
  for (const product of PRODUCT_IDS)
    for (const meter of METERS) {
      const plan = entitled.plan(product);
      const quota = QUOTAS[meter];
      const limit = plan && quota ? plan.limits[quota.key] : null;
      const u = used.get(`${product}|${meter}`);
      if (!u && limit === null) continue;
      meters.push({
        product,
        meter,
        period: Number(u?.period ?? 0),
        today: Number(u?.today ?? 0),
        quota: plan && quota && limit !== null ? { limit, per: quota.per, plan: plan.id } : null,
      });
    }
  return {
    period: { start: period.start, end: period.end },
    today: { start: dayStart, end: dayEnd },
    meters,
  };
}

/** A usage report as the API and `kamiyo usage --json` show it: windows in ISO 8601. */
export function usageJson(report: Awaited<ReturnType<typeof usageReport>>) {
  const iso = (ms: number) => new Date(ms).toISOString();
  return {
    period: { start: iso(report.period.start), end: iso(report.period.end) },
    today: { start: iso(report.today.start), end: iso(report.today.end) },
    meters: report.meters,
  };
}
