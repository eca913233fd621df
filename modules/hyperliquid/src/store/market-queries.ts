import type { Queryable } from "@kamiyo/db";
import type { MarketSampleRecord } from "./timeseries-repo.ts";

/** A `market_samples` row as the driver returns it. */
export interface SampleRow {
  coin: string;
  ts: Date;
  mark_px: number;
  oracle_px: number;
  mid_px: number | null;
  binance_px: number | null;
  coinbase_px: number | null;
  funding: number;
  open_interest: number;
  day_ntl_vlm: number;
}

export function toSample(r: SampleRow): MarketSampleRecord {
  return {
    coin: r.coin,
    time: r.ts.getTime(),
    markPx: r.mark_px,
    oraclePx: r.oracle_px,
    midPx: r.mid_px,
    binancePx: r.binance_px,
    coinbasePx: r.coinbase_px,
    funding: r.funding,
    openInterest: r.open_interest,
    dayNtlVlm: r.day_ntl_vlm,
  };
}

/** The latest market sample of every coin seen since `since`. */
export async function latestMarketSamples(
  q: Queryable,
  tenantId: string,
  since: number,
): Promise<MarketSampleRecord[]> {
  const rows = await q.query<SampleRow>(
    `SELECT DISTINCT ON (coin) * FROM market_samples WHERE tenant_id = $1 AND ts >= $2 ORDER BY coin, ts DESC`,
    [tenantId, new Date(since)],
  );
  return rows.map(toSample);
}

/** One coin's market samples over [since, until), oldest first. */
export async function marketHistory(
  q: Queryable,
  tenantId: string,
  coin: string,
  range: { since: number; until: number; limit: number },
): Promise<MarketSampleRecord[]> {
  const rows = await q.query<SampleRow>(
    `SELECT * FROM market_samples WHERE tenant_id = $1 AND coin = $2 AND ts >= $3 AND ts < $4 ORDER BY ts LIMIT $5`,
    [tenantId, coin, new Date(range.since), new Date(range.until), range.limit],
  );
  return rows.map(toSample);
}

/** Time of the newest market sample, or null: how fresh the stored data are. */
export async function newestMarketSampleAt(q: Queryable, tenantId: string): Promise<number | null> {
  const rows = await q.query<{ ts: Date | null }>(
    "SELECT max(ts) AS ts FROM market_samples WHERE tenant_id = $1",
    [tenantId],
  );
  return rows[0]?.ts ? rows[0].ts.getTime() : null;
}
