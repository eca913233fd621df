import type { Queryable } from "@kamiyo/db";
import type { LiquidationEvent } from "../observations.ts";
import { type LiquidationRow, toLiquidation } from "./liquidation-queries.ts";
import { type SampleRow, toSample } from "./market-queries.ts";
import type { MarketSampleRecord, VaultPnlRecord, VaultStateRecord } from "./timeseries-repo.ts";
import { toVaultState, type VaultStateDbRow } from "./vault-queries.ts";

/** One stored time-series row, tagged by table: what the monitor writes and models learn from. */
export type HistoryRecord =
  | { type: "vaultState"; row: VaultStateRecord }
  | { type: "vaultPnl"; row: VaultPnlRecord }
  | { type: "market"; row: MarketSampleRecord }
  | { type: "liquidation"; row: LiquidationEvent };

/** First and last data time of the stored time series, or null when there are none. */
export async function historySpan(
  q: Queryable,
  tenantId: string,
): Promise<{ first: number; last: number } | null> {
  const [r] = await q.query<{ first: Date | null; last: Date | null }>(
    `SELECT least((SELECT min(ts) FROM market_samples WHERE tenant_id = $1),
                  (SELECT min(ts) FROM vault_states WHERE tenant_id = $1)) AS first,
            greatest((SELECT max(ts) FROM market_samples WHERE tenant_id = $1),
                     (SELECT max(ts) FROM vault_states WHERE tenant_id = $1)) AS last`,
    [tenantId],
  );
  if (!r?.first || !r.last) return null;
  return { first: r.first.getTime(), last: r.last.getTime() };
}

const PAGE_MS = 6 * 3_600_000;

/**
 * Every stored time-series row with data time in [since, until), in time order (ties: vault
 * states, portfolio readings, market samples, liquidations), read in pages of 6 hours so that
 * months of history never sit in memory at once.
 */
export async function* readHistory(
  q: Queryable,
  tenantId: string,
  range: { since: number; until: number },
): AsyncGenerator<HistoryRecord> {
  for (let from = range.since; from < range.until; from += PAGE_MS) {
    const to = Math.min(range.until, from + PAGE_MS);
    const page = await readPage(q, tenantId, from, to);
    yield* page;
  }
}

async function readPage(
  q: Queryable,
  tenantId: string,
  since: number,
  until: number,
): Promise<HistoryRecord[]> {
  const args = [tenantId, new Date(since), new Date(until)];
  const where = "WHERE tenant_id = $1 AND ts >= $2 AND ts < $3 ORDER BY ts";
  const [states, pnl, market, liqs] = await Promise.all([
    q.query<VaultStateDbRow>(`SELECT * FROM vault_states ${where}, vault`, args),
    q.query<{ vault: string; ts: Date; account_value: number; cumulative_pnl: number }>(
      `SELECT * FROM vault_pnl ${where}, vault`,
      args,
    ),
    q.query<SampleRow>(`SELECT * FROM market_samples ${where}, coin`, args),
    q.query<LiquidationRow>(`SELECT * FROM liquidations ${where}, id`, args),
  ]);
  const out: HistoryRecord[] = [
    ...states.map((r): HistoryRecord => ({ type: "vaultState", row: toVaultState(r) })),
    ...pnl.map(
      (r): HistoryRecord => ({
        type: "vaultPnl",
        row: {
          vault: r.vault,
          time: r.ts.getTime(),
          accountValue: r.account_value,
          cumulativePnl: r.cumulative_pnl,
        },
      }),
    ),
    ...market.map((r): HistoryRecord => ({ type: "market", row: toSample(r) })),
    ...liqs.map((r): HistoryRecord => ({ type: "liquidation", row: toLiquidation(r) })),
  ];
  // A stable sort keeps the table order above for rows with the same time.
  return out.sort((a, b) => a.row.time - b.row.time);
}
