import { type ApiDeps, toFindingJson } from "@kamiyo/api";
import { listFindings } from "@kamiyo/db";
import { liquidationTotals, recentLiquidations } from "../store/index.ts";

export const WINDOWS = {
  "5m": 5 * 60_000,
  "1h": 3_600_000,
  "24h": 86_400_000,
  "7d": 7 * 86_400_000,
} as const;
export type Window = keyof typeof WINDOWS;

const round = (n: number) => Math.round(n * 100) / 100;

/** Liquidation totals by coin and method over a window, the liquidation findings of that window, and the latest liquidations. */
export async function liquidationPatterns(deps: ApiDeps, input: { window: Window; limit: number }) {
  const now = deps.clock.now();
  const since = now - WINDOWS[input.window];
  const [totals, findings, open, recent] = await Promise.all([
    liquidationTotals(deps.db, deps.tenantId, since),
    listFindings(deps.db, deps.tenantId, { detector: "liquidations", since, limit: 500 }),
    listFindings(deps.db, deps.tenantId, { detector: "liquidations", status: "open", limit: 500 }),
    recentLiquidations(deps.db, deps.tenantId, input.limit),
  ]);
  const patterns = new Map([...open, ...findings].map((f) => [f.id, f]));
  return {
    window: input.window,
    since: new Date(since).toISOString(),
    totals: totals.map((t) => ({
      ...t,
      notionalUsd: round(t.notionalUsd),
      lastAt: new Date(t.lastAt).toISOString(),
    })),
    patterns: [...patterns.values()].sort((a, b) => b.detectedAt - a.detectedAt).map(toFindingJson),
    recent: recent.map((e) => ({
      id: e.id,
      at: new Date(e.time).toISOString(),
      coin: e.coin,
      method: e.method,
      liquidatedSide: e.liquidatedSide,
      px: e.px,
      size: e.sz,
      notionalUsd: round(e.notionalUsd),
      liquidatedUser: e.liquidatedUser,
      counterparty: e.counterparty,
    })),
  };
}
