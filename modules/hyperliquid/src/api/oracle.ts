import { type ApiDeps, toFindingJson } from "@kamiyo/api";
import { listFindings } from "@kamiyo/db";
import { maxDeviation } from "../detectors/index.ts";
import type { AssetCtx } from "../observations.ts";
import { latestMarketSamples, type MarketSampleRecord, marketHistory } from "../store/index.ts";
import { settings } from "./settings.ts";

/** Deviation of one stored sample, computed as the oracle detector does (Coinbase USD taken as USDT). */
export function sampleDeviation(s: MarketSampleRecord, hyperps: readonly string[]) {
  const ctx = { coin: s.coin, markPx: s.markPx, oraclePx: s.oraclePx } as AssetCtx;
  const q = (px: number | null) => (px === null ? null : { px, time: s.time });
  const dev = maxDeviation(
    { ctx, binance: q(s.binancePx), coinbase: q(s.coinbasePx) },
    hyperps.includes(s.coin),
  );
  return {
    coin: s.coin,
    at: new Date(s.time).toISOString(),
    markPx: s.markPx,
    oraclePx: s.oraclePx,
    midPx: s.midPx,
    binancePx: s.binancePx,
    coinbasePx: s.coinbasePx,
    deviationPct: dev ? Math.round(dev.pct * 10_000) / 10_000 : null,
    signedDeviationPct: dev ? Math.round(dev.signedPct * 10_000) / 10_000 : null,
    pair: dev?.pair ?? null,
  };
}

/** Open deviation findings, and every perp's latest deviation (largest first). */
export async function activeDeviations(deps: ApiDeps, input: { minPct: number; limit: number }) {
  const now = deps.clock.now();
  const hyperps = settings(deps).detectors.oracle.config.hyperps;
  const [open, samples] = await Promise.all([
    listFindings(deps.db, deps.tenantId, { detector: "oracle", status: "open", limit: 500 }),
    latestMarketSamples(deps.db, deps.tenantId, now - 10 * 60_000),
  ]);
  const current = samples
    .map((s) => sampleDeviation(s, hyperps))
    .filter((d) => (d.deviationPct ?? 0) >= input.minPct)
    .sort((a, b) => (b.deviationPct ?? 0) - (a.deviationPct ?? 0))
    .slice(0, input.limit);
  return { asOf: new Date(now).toISOString(), active: open.map(toFindingJson), current };
}

/** One coin's deviation over time (stored samples, about one a minute) and its deviation findings. */
export async function deviationHistory(
  deps: ApiDeps,
  input: { coin: string; since?: number; until?: number; limit: number },
) {
  const until = input.until ?? deps.clock.now();
  const since = input.since ?? until - 24 * 3_600_000;
  const hyperps = settings(deps).detectors.oracle.config.hyperps;
  const [samples, findings] = await Promise.all([
    marketHistory(deps.db, deps.tenantId, input.coin, { since, until, limit: input.limit }),
    listFindings(deps.db, deps.tenantId, {
      detector: "oracle",
      subject: input.coin,
      since,
      until,
      limit: 500,
    }),
  ]);
  return {
    coin: input.coin,
    since: new Date(since).toISOString(),
    until: new Date(until).toISOString(),
    samples: samples.map((s) => sampleDeviation(s, hyperps)),
    findings: findings.map(toFindingJson),
  };
}
