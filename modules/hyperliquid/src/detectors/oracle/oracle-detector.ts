import type { DetectorOutput, Severity } from "@kamiyo/core";
import type { AssetCtx } from "../../observations.ts";
import { defineDetector } from "../../plugin-kit.ts";
import { pct, round } from "../format.ts";
import { type OracleConfig, oracleConfig } from "./config.ts";
import { type Deviation, maxDeviation, type Quote } from "./deviation.ts";

const BAND_SEVERITY: readonly Severity[] = ["medium", "high", "critical"];

interface CoinState {
  binance: Quote | null;
  /** USD price as reported. */
  coinbaseUsd: Quote | null;
  /** Start time of the current continuous run above each band (null = below). */
  runs: (number | null)[];
  lastSample: number | null;
  belowSince: number | null;
  open: boolean;
  peakPct: number;
}

/** Hyperliquid oracle vs mark vs Binance vs Coinbase for every listed perp, with sustained-deviation bands. */
export const oracleDetector = defineDetector({
  kind: "oracle",
  description:
    "Oracle and mark price deviations against Binance (USDT) and Coinbase (USD), sustained for 30 s before they count",
  config: oracleConfig,
  create(config) {
    const coins = new Map<string, CoinState>();
    let usdtUsd: number | null = null;
    const stateOf = (coin: string): CoinState => {
      let s = coins.get(coin);
      if (!s) {
        s = {
          binance: null,
          coinbaseUsd: null,
          runs: [null, null, null],
          lastSample: null,
          belowSince: null,
          open: false,
          peakPct: 0,
        };
        coins.set(coin, s);
      }
      return s;
    };
    return {
      accepts: ["market", "externalPrices"],
      observe(obs, out) {
        if (obs.type === "externalPrices") {
          if (obs.usdtUsd !== null) usdtUsd = obs.usdtUsd;
          for (const [coin, px] of obs.prices) {
            const s = stateOf(coin);
            if (obs.venue === "binance") s.binance = { px, time: obs.time };
            else s.coinbaseUsd = { px, time: obs.time };
          }
          return;
        }
        if (obs.type !== "market") return;
        for (const ctx of obs.assets)
          evaluate(config, stateOf(ctx.coin), ctx, obs.time, usdtUsd, out);
      },
    };
  },
});

function evaluate(
  c: OracleConfig,
  s: CoinState,
  ctx: AssetCtx,
  t: number,
  usdtUsd: number | null,
  out: DetectorOutput,
): void {
  const subject = { type: "asset" as const, id: ctx.coin };
  const oiUsd = ctx.openInterest * ctx.markPx;
  const active = !ctx.isDelisted && ctx.midPx !== null && oiUsd >= c.minOpenInterestUsd;
  const gap = s.lastSample !== null && t - s.lastSample > c.maxSampleGapMs;
  s.lastSample = t;
  const fresh = (q: Quote | null) => (q && t - q.time <= c.externalMaxAgeMs ? q : null);
  const coinbase = fresh(s.coinbaseUsd);
  const hyperp = c.hyperps.includes(ctx.coin);
  const dev = active
    ? maxDeviation(
        {
          ctx,
          binance: fresh(s.binance),
          // Oracles are USDT-denominated; Coinbase quotes USD.
          coinbase: coinbase && { px: coinbase.px / (usdtUsd ?? 1), time: coinbase.time },
        },
        hyperp,
      )
    : null;
  const scale = hyperp ? c.hyperpBandMultiplier : 1;
  const bands = [c.mediumPct, c.highPct, c.criticalPct].map((b) => b * scale);
  if (gap || dev === null) s.runs = [null, null, null];
  let level = -1;
  if (dev !== null) {
    bands.forEach((band, i) => {
      s.runs[i] = dev.pct >= band ? (s.runs[i] ?? t) : null;
      const since = s.runs[i];
      if (since !== null && since !== undefined && t - since >= c.sustainMs) level = i;
    });
  }
  // A small market's deviation is worth a look, not a page.
  if (level > 0 && oiUsd < c.fullSeverityOpenInterestUsd) level = 0;
  if (level >= 0 && dev !== null) {
    s.open = true;
    s.belowSince = null;
    s.peakPct = Math.max(s.peakPct, dev.pct);
    const since = s.runs[level] ?? t;
    out.raise({
      kind: "deviation",
      subject,
      severity: BAND_SEVERITY[level] as Severity,
      title: `${ctx.coin} ${describe(dev)} for ${Math.round((t - since) / 1000)} s`,
      evidence: {
        deviationPct: round(dev.pct, 4),
        signedDeviationPct: round(dev.signedPct, 4),
        pair: dev.pair,
        bandPct: bands[level] as number,
        sustainedMs: t - since,
        peakPct: round(s.peakPct, 4),
        markPx: ctx.markPx,
        oraclePx: ctx.oraclePx,
        midPx: ctx.midPx,
        openInterestUsd: round(oiUsd),
        binancePx: s.binance?.px ?? null,
        coinbaseUsdPx: coinbase?.px ?? null,
        usdtUsd,
        hyperp,
      },
      dataTime: t,
      holdMs: 60 * 60_000,
    });
    return;
  }
  if (!s.open) return;
  const below = dev === null || dev.pct < (bands[0] as number);
  if (!below) {
    s.belowSince = null;
    return;
  }
  s.belowSince ??= t;
  if (t - s.belowSince >= c.clearMs || dev === null) {
    out.resolve(
      { kind: "deviation", subject },
      t,
      dev === null ? "no longer comparable" : "back inside the band",
    );
    s.open = false;
    s.peakPct = 0;
    s.belowSince = null;
  }
}

const VENUE_NAME: Record<string, string> = {
  oracle: "its oracle",
  binance: "Binance",
  coinbase: "Coinbase",
};

/** "mark is 1.20% above Binance" */
function describe(d: Deviation): string {
  const [a, b = ""] = d.pair.split("/");
  return `${a} is ${pct(d.pct)} ${d.signedPct >= 0 ? "above" : "below"} ${VENUE_NAME[b] ?? b}`;
}
