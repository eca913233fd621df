import { type ApiDeps, toFindingJson } from "@kamiyo/api";
import { listFindings } from "@kamiyo/db";
import { changeOver, drawdown, sharpe } from "../detectors/index.ts";
import type { Position } from "../observations.ts";
import { latestVaultPortfolios, latestVaultStates, vaultPnlHistory } from "../store/index.ts";
import { settings } from "./settings.ts";

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

const round = (n: number | null | undefined, d = 2) =>
  n === null || n === undefined ? null : Math.round(n * 10 ** d) / 10 ** d;

/** The HLP family now: each vault's value, PnL windows, drawdown, Sharpe and positions, plus liquidator holdings. */
export async function hlpVault(deps: ApiDeps) {
  const [portfolios, states, findings] = await Promise.all([
    latestVaultPortfolios(deps.db, deps.tenantId),
    latestVaultStates(deps.db, deps.tenantId),
    listFindings(deps.db, deps.tenantId, { detector: "hlp", status: "open", limit: 500 }),
  ]);
  const vaults = [...new Set([...portfolios.map((p) => p.vault), ...states.map((s) => s.vault)])];
  const family = vaults.map((vault) => {
    const p = portfolios.find((x) => x.vault === vault);
    const s = states.find((x) => x.vault === vault);
    const pnl = (series: "day" | "week" | "month", ms: number) =>
      p ? round(changeOver(p.periods[series].pnl, ms)?.change) : null;
    const dd = p ? drawdown(p.periods.month.pnl, p.periods.month.accountValue) : null;
    return {
      vault,
      name: p?.name ?? s?.name ?? vault,
      role: p?.role ?? s?.role ?? "child",
      accountValueUsd: round(p?.periods.day.accountValue.at(-1)?.[1] ?? s?.accountValue ?? null),
      pnlUsd: {
        "1h": pnl("day", HOUR),
        "24h": pnl("day", DAY),
        "7d": pnl("week", 7 * DAY),
        "30d": pnl("month", 30 * DAY),
      },
      drawdownPct: round(dd?.currentPct ?? null, 3),
      maxDrawdown30dPct: round(dd?.maxPct ?? null, 3),
      sharpe30d: round(p ? sharpe(p.periods.month.pnl, p.periods.month.accountValue) : null, 3),
      openPositions: s?.positions.length ?? 0,
      unrealizedPnlUsd: round(s?.unrealizedPnl ?? null),
      portfolioAt: p ? new Date(p.time).toISOString() : null,
      stateAt: s ? new Date(s.time).toISOString() : null,
    };
  });
  const parent = family.find((f) => f.role === "parent") ?? null;
  const liquidatorPositions = states
    .filter((s) => s.role === "liquidator")
    .flatMap((s) =>
      s.positions.map((p: Position) => ({ vault: s.vault, vaultName: s.name, ...positionJson(p) })),
    );
  return {
    asOf: new Date(deps.clock.now()).toISOString(),
    parent,
    family,
    liquidatorPositions,
    openFindings: findings.map(toFindingJson),
  };
}

function positionJson(p: Position) {
  return {
    coin: p.coin,
    side: p.szi >= 0 ? ("long" as const) : ("short" as const),
    size: Math.abs(p.szi),
    entryPx: p.entryPx,
    positionValueUsd: round(p.positionValue),
    unrealizedPnlUsd: round(p.unrealizedPnl),
    liquidationPx: p.liquidationPx,
  };
}

export interface HistoryInput {
  vault?: string;
  since?: number;
  until?: number;
  intervalMs?: number;
  limit: number;
}

/** Account value and cumulative PnL of a vault over time (default: the HLP parent, last 24 h). */
export async function hlpVaultHistory(deps: ApiDeps, input: HistoryInput) {
  const until = input.until ?? deps.clock.now();
  const since = input.since ?? until - DAY;
  const vault = input.vault ?? settings(deps).sources.hyperliquid.config.hlpVault;
  const intervalMs = input.intervalMs ?? Math.max(60_000, Math.ceil((until - since) / input.limit));
  const points = await vaultPnlHistory(deps.db, deps.tenantId, vault, {
    since,
    until,
    bucketMs: intervalMs,
    limit: input.limit,
  });
  return {
    vault,
    since: new Date(since).toISOString(),
    until: new Date(until).toISOString(),
    intervalMs,
    points: points.map((p) => ({
      at: new Date(p.time).toISOString(),
      accountValueUsd: round(p.accountValue),
      cumulativePnlUsd: round(p.cumulativePnl),
    })),
  };
}
