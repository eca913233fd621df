import { entitlementsOf, subscriptionsOf } from "@kamiyo/billing";
import type { Severity } from "@kamiyo/core";
import type { Queryable } from "@kamiyo/db";
import { newId } from "../ids.ts";
import type { Channel } from "../store/channels.ts";
import { type DeliveryMode, type StoredAlert, storeAlert } from "../store/outbox.ts";
import type { Alert, AlertType } from "../types.ts";

/**
 * Each tenant's daily cap (its plan's), shared by the finding router and incident alerts: alerts sent are
 * counted per tenant and UTC day in `alert_days`; past the cap, alerts are held in the day's
 * `!cap:<day>` group (summarised at midnight UTC) and every channel is told once.
 */

export const DAY_MS = 86_400_000;

/**
 * A tenant's alerts a day: the most generous its plans in force set (the catalog's
 * `alertsPerDay`: cloud_basic 100, cloud_pro 500, open_source 1,000, cloud_enterprise 10,000), or
 * `fallback` (the install's, from its edition) when none sets one.
 */
export async function dailyCapOf(
  tx: Queryable,
  tenantId: string,
  fallback: number,
): Promise<number> {
  return (
    entitlementsOf(await subscriptionsOf(tx, tenantId)).most("alertsPerDay")?.limit ?? fallback
  );
}
export const utcDay = (ms: number) => new Date(ms).toISOString().slice(0, 10);
export const capGroup = (day: string) => `!cap:${day}`;

/** An alert held back for later, as stored in `alert_groups.held`. */
export type HeldAlert =
  | {
      type: AlertType;
      findingId: string;
      /** The finding's own tenant when it is not the group's (public findings fan out); absent: the group's. */
      findingTenantId?: string;
      severity: Severity;
      at: number;
    }
  /** An exploit incident's alert: only ever held by the daily cap, with the channels that took it. */
  | { type: AlertType; incidentId: string; channelIds: string[]; severity: Severity; at: number };

/** Where an alert waits, until when, and whether it is the first held there (for the cap notice). */
export interface HoldIn {
  group: string;
  flushAt: number;
  notice: boolean;
}

/** Counts one alert sent today toward the tenant's daily cap. */
export async function countSent(tx: Queryable, tenantId: string, nowMs: number): Promise<void> {
  await tx.query(
    `INSERT INTO alert_days (tenant_id, day, sent) VALUES ($1, $2, 1)
     ON CONFLICT (tenant_id, day) DO UPDATE SET sent = alert_days.sent + 1`,
    [tenantId, utcDay(nowMs)],
  );
}

/** The day's cap group, due at the next midnight UTC, when the tenant has reached `dailyCap` today; null below it. */
export async function capHold(
  tx: Queryable,
  tenantId: string,
  dailyCap: number,
  nowMs: number,
): Promise<HoldIn | null> {
  const day = utcDay(nowMs);
  const [count] = await tx.query<{ sent: number }>(
    "SELECT sent FROM alert_days WHERE tenant_id = $1 AND day = $2",
    [tenantId, day],
  );
  if ((count?.sent ?? 0) < dailyCap) return null;
  const [existing] = await tx.query<{ n: number }>(
    "SELECT jsonb_array_length(held) AS n FROM alert_groups WHERE tenant_id = $1 AND group_key = $2",
    [tenantId, capGroup(day)],
  );
  const midnight = Date.parse(`${day}T00:00:00Z`) + DAY_MS;
  return { group: capGroup(day), flushAt: midnight, notice: (existing?.n ?? 0) === 0 };
}

/** Adds an alert to a group's held ones; the group's earliest flush time stands. */
export async function hold(
  tx: Queryable,
  tenantId: string,
  group: string,
  held: HeldAlert,
  flushAt: number,
): Promise<void> {
  await tx.query(
    `INSERT INTO alert_groups (tenant_id, group_key, flush_at, held) VALUES ($1, $2, $3, $4)
     ON CONFLICT (tenant_id, group_key) DO UPDATE SET
       held = alert_groups.held || EXCLUDED.held,
       flush_at = coalesce(alert_groups.flush_at, EXCLUDED.flush_at)`,
    [tenantId, group, new Date(flushAt), JSON.stringify([held])],
  );
}

/** Tells every channel, once a day, that the cap was reached and alerts are now held. */
export async function capNotice(
  tx: Queryable,
  tenantId: string,
  channels: readonly Channel[],
  dailyCap: number,
  nowMs: number,
  mode: DeliveryMode = "send",
): Promise<StoredAlert> {
  const day = utcDay(nowMs);
  const alert: Alert = {
    id: newId("alr", nowMs),
    tenantId,
    type: "alerts.summary",
    severity: "high",
    title: `Daily alert cap of ${dailyCap} reached: further alerts today are held and summarised at 00:00 UTC`,
    createdAt: nowMs,
    findings: [],
    summary: {
      reason: "daily-cap",
      suppressed: {},
      from: Date.parse(`${day}T00:00:00Z`),
      to: nowMs,
    },
  };
  return storeAlert(tx, alert, null, channels, nowMs, mode);
}
