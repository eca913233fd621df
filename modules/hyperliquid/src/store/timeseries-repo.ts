import { insertRows, type Queryable } from "@kamiyo/db";
import type { LiquidationEvent, Position, VaultRole } from "../observations.ts";

/** One clearinghouseState reading of a family vault. */
export interface VaultStateRecord {
  vault: string;
  name: string;
  role: VaultRole;
  time: number;
  accountValue: number;
  totalNtlPos: number;
  unrealizedPnl: number;
  positions: readonly Position[];
}

/** One portfolio reading: the latest account value and cumulative (all-time) PnL. */
export interface VaultPnlRecord {
  vault: string;
  time: number;
  accountValue: number;
  cumulativePnl: number;
}

/** One market sample of a perp with the external prices known at that time. */
export interface MarketSampleRecord {
  coin: string;
  time: number;
  markPx: number;
  oraclePx: number;
  midPx: number | null;
  binancePx: number | null;
  coinbasePx: number | null;
  funding: number;
  openInterest: number;
  dayNtlVlm: number;
}

const IGNORE_DUPLICATES = "ON CONFLICT DO NOTHING";

export async function insertVaultStates(
  q: Queryable,
  tenantId: string,
  rows: readonly VaultStateRecord[],
): Promise<void> {
  await insertRows(
    q,
    "vault_states",
    [
      "tenant_id",
      "vault",
      "ts",
      "name",
      "role",
      "account_value",
      "total_ntl_pos",
      "unrealized_pnl",
      "positions",
    ],
    rows.map((r) => [
      tenantId,
      r.vault,
      new Date(r.time),
      r.name,
      r.role,
      r.accountValue,
      r.totalNtlPos,
      r.unrealizedPnl,
      JSON.stringify(r.positions),
    ]),
    IGNORE_DUPLICATES,
  );
}

export async function insertVaultPnl(
  q: Queryable,
  tenantId: string,
  rows: readonly VaultPnlRecord[],
): Promise<void> {
  await insertRows(
    q,
    "vault_pnl",
    ["tenant_id", "vault", "ts", "account_value", "cumulative_pnl"],
    rows.map((r) => [tenantId, r.vault, new Date(r.time), r.accountValue, r.cumulativePnl]),
    IGNORE_DUPLICATES,
  );
}

export async function insertMarketSamples(
  q: Queryable,
  tenantId: string,
  rows: readonly MarketSampleRecord[],
): Promise<void> {
  await insertRows(
    q,
    "market_samples",
    [
      "tenant_id",
      "coin",
      "ts",
      "mark_px",
      "oracle_px",
      "mid_px",
      "binance_px",
      "coinbase_px",
      "funding",
      "open_interest",
      "day_ntl_vlm",
    ],
    rows.map((r) => [
      tenantId,
      r.coin,
      new Date(r.time),
      r.markPx,
      r.oraclePx,
      r.midPx,
      r.binancePx,
      r.coinbasePx,
      r.funding,
      r.openInterest,
      r.dayNtlVlm,
    ]),
    IGNORE_DUPLICATES,
  );
}

export async function insertLiquidations(
  q: Queryable,
  tenantId: string,
  rows: readonly LiquidationEvent[],
): Promise<void> {
  await insertRows(
    q,
    "liquidations",
    [
      "tenant_id",
      "id",
      "ts",
      "coin",
      "method",
      "liquidated_side",
      "px",
      "sz",
      "notional_usd",
      "liquidated_user",
      "counterparty",
    ],
    rows.map((r) => [
      tenantId,
      r.id,
      new Date(r.time),
      r.coin,
      r.method,
      r.liquidatedSide,
      r.px,
      r.sz,
      r.notionalUsd,
      r.liquidatedUser,
      r.counterparty,
    ]),
    IGNORE_DUPLICATES,
  );
}

/** Tables pruned by retention, with their time column. */
const RETAINED = [
  ["vault_states", "ts"],
  ["vault_pnl", "ts"],
  ["market_samples", "ts"],
  ["liquidations", "ts"],
] as const;

/**
 * Deletes a tenant's time series older than `before` (epoch ms).
 * @returns rows deleted per table.
 */
export async function pruneHistory(
  q: Queryable,
  tenantId: string,
  before: number,
): Promise<Record<string, number>> {
  const deleted: Record<string, number> = {};
  for (const [table, column] of RETAINED) {
    const rows = await q.query<{ n: number }>(
      `WITH d AS (DELETE FROM ${table} WHERE tenant_id = $1 AND ${column} < $2 RETURNING 1)
       SELECT count(*)::int AS n FROM d`,
      [tenantId, new Date(before)],
    );
    deleted[table] = rows[0]?.n ?? 0;
  }
  return deleted;
}
