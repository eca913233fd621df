import { insertRows, type Queryable } from "@kamiyo/db";
import type { PortfolioPeriod, Position, VaultRole } from "../observations.ts";

/** A vault's stored portfolio periods. */
export interface StoredPortfolio {
  vault: string;
  name: string;
  role: VaultRole;
  time: number;
  periods: Record<"day" | "week" | "month" | "allTime", PortfolioPeriod>;
}

/** Keeps the latest portfolio of each vault (one row per vault). */
export async function upsertVaultPortfolios(
  q: Queryable,
  tenantId: string,
  rows: readonly StoredPortfolio[],
): Promise<void> {
  await insertRows(
    q,
    "vault_portfolios",
    ["tenant_id", "vault", "ts", "name", "role", "periods"],
    rows.map((r) => [
      tenantId,
      r.vault,
      new Date(r.time),
      r.name,
      r.role,
      JSON.stringify(r.periods),
    ]),
    `ON CONFLICT (tenant_id, vault) DO UPDATE SET ts = EXCLUDED.ts, name = EXCLUDED.name, role = EXCLUDED.role,
       periods = EXCLUDED.periods WHERE vault_portfolios.ts <= EXCLUDED.ts`,
  );
}

export async function latestVaultPortfolios(
  q: Queryable,
  tenantId: string,
): Promise<StoredPortfolio[]> {
  const rows = await q.query<{
    vault: string;
    name: string;
    role: VaultRole;
    ts: Date;
    periods: StoredPortfolio["periods"];
  }>(
    "SELECT vault, name, role, ts, periods FROM vault_portfolios WHERE tenant_id = $1 ORDER BY vault",
    [tenantId],
  );
  return rows.map((r) => ({
    vault: r.vault,
    name: r.name,
    role: r.role,
    time: r.ts.getTime(),
    periods: r.periods,
  }));
}

/** The latest clearinghouse state of a vault. */
export interface VaultStateRow {
  vault: string;
  name: string;
  role: VaultRole;
  time: number;
  accountValue: number;
  totalNtlPos: number;
  unrealizedPnl: number;
  positions: Position[];
}

/** A `vault_states` row as the driver returns it. */
export interface VaultStateDbRow {
  vault: string;
  name: string;
  role: VaultRole;
  ts: Date;
  account_value: number;
  total_ntl_pos: number;
  unrealized_pnl: number;
  positions: Position[];
}

export function toVaultState(r: VaultStateDbRow): VaultStateRow {
  return {
    vault: r.vault,
    name: r.name,
    role: r.role,
    time: r.ts.getTime(),
    accountValue: r.account_value,
    totalNtlPos: r.total_ntl_pos,
    unrealizedPnl: r.unrealized_pnl,
    positions: r.positions,
  };
}

export async function latestVaultStates(q: Queryable, tenantId: string): Promise<VaultStateRow[]> {
  const rows = await q.query<VaultStateDbRow>(
    `SELECT DISTINCT ON (vault) vault, name, role, ts, account_value, total_ntl_pos, unrealized_pnl, positions
       FROM vault_states WHERE tenant_id = $1 ORDER BY vault, ts DESC`,
    [tenantId],
  );
  return rows.map(toVaultState);
}

/** One point of a vault's history. */
export interface VaultHistoryPoint {
  time: number;
  accountValue: number;
  cumulativePnl: number;
}

/**
 * A vault's account value and cumulative PnL over [since, until), one point per `bucketMs`
 * (the last reading in each bucket), oldest first.
 */
export async function vaultPnlHistory(
  q: Queryable,
  tenantId: string,
  vault: string,
  range: { since: number; until: number; bucketMs: number; limit: number },
): Promise<VaultHistoryPoint[]> {
  const rows = await q.query<{ ts: Date; account_value: number; cumulative_pnl: number }>(
    `SELECT DISTINCT ON (bucket) ts, account_value, cumulative_pnl
       FROM (SELECT ts, account_value, cumulative_pnl,
                    floor(extract(epoch FROM ts) * 1000 / $5) AS bucket
               FROM vault_pnl WHERE tenant_id = $1 AND vault = $2 AND ts >= $3 AND ts < $4) b
      ORDER BY bucket, ts DESC
      LIMIT $6`,
    [tenantId, vault, new Date(range.since), new Date(range.until), range.bucketMs, range.limit],
  );
  return rows.map((r) => ({
    time: r.ts.getTime(),
    accountValue: r.account_value,
    cumulativePnl: r.cumulative_pnl,
  }));
}
