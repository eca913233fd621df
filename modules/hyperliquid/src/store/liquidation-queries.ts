import type { Queryable } from "@kamiyo/db";
import type { LiquidationEvent } from "../observations.ts";

/** Liquidations of one coin and method over a window. */
export interface LiquidationTotals {
  coin: string;
  method: LiquidationEvent["method"];
  count: number;
  notionalUsd: number;
  longs: number;
  shorts: number;
  lastAt: number;
}

export async function liquidationTotals(
  q: Queryable,
  tenantId: string,
  since: number,
): Promise<LiquidationTotals[]> {
  const rows = await q.query<{
    coin: string;
    method: LiquidationEvent["method"];
    n: number;
    notional: number;
    longs: number;
    shorts: number;
    last: Date;
  }>(
    `SELECT coin, method, count(*)::int AS n, sum(notional_usd) AS notional,
            count(*) FILTER (WHERE liquidated_side = 'long')::int AS longs,
            count(*) FILTER (WHERE liquidated_side = 'short')::int AS shorts, max(ts) AS last
       FROM liquidations WHERE tenant_id = $1 AND ts >= $2
      GROUP BY coin, method ORDER BY notional DESC`,
    [tenantId, new Date(since)],
  );
  return rows.map((r) => ({
    coin: r.coin,
    method: r.method,
    count: r.n,
    notionalUsd: r.notional,
    longs: r.longs,
    shorts: r.shorts,
    lastAt: r.last.getTime(),
  }));
}

/** A `liquidations` row as the driver returns it. */
export interface LiquidationRow {
  id: string;
  ts: Date;
  coin: string;
  method: LiquidationEvent["method"];
  liquidated_side: LiquidationEvent["liquidatedSide"];
  px: number;
  sz: number;
  notional_usd: number;
  liquidated_user: string | null;
  counterparty: string | null;
}

export function toLiquidation(r: LiquidationRow): LiquidationEvent {
  return {
    id: r.id,
    time: r.ts.getTime(),
    coin: r.coin,
    method: r.method,
    liquidatedSide: r.liquidated_side,
    px: r.px,
    sz: r.sz,
    notionalUsd: r.notional_usd,
    liquidatedUser: r.liquidated_user,
    counterparty: r.counterparty,
  };
}

/** The most recent liquidations, newest first. */
export async function recentLiquidations(
  q: Queryable,
  tenantId: string,
  limit: number,
): Promise<LiquidationEvent[]> {
  const rows = await q.query<LiquidationRow>(
    "SELECT * FROM liquidations WHERE tenant_id = $1 ORDER BY ts DESC, id DESC LIMIT $2",
    [tenantId, limit],
  );
  return rows.map(toLiquidation);
}
