import { type DetectorOutput, medianMad, type Severity } from "@kamiyo/core";
import type { HlObservationOf, SeriesPoint } from "../../observations.ts";
import { pct, round, usd } from "../format.ts";
import type { HlpConfig } from "./config.ts";
import { valueAt } from "./metrics.ts";

const HOUR = 3_600_000;

/** Keeps the union of PnL points seen for each vault, so history outlives the API's 24 h window. */
function mergePoints(
  store: Map<string, Map<number, number>>,
  vault: string,
  points: readonly SeriesPoint[],
): SeriesPoint[] {
  let m = store.get(vault);
  if (!m) {
    m = new Map();
    store.set(vault, m);
  }
  for (const [t, v] of points) m.set(t, v);
  const sorted = [...m.entries()].sort((a, b) => a[0] - b[0]);
  const kept = sorted.slice(-1000);
  if (kept.length < sorted.length) store.set(vault, new Map(kept));
  return kept;
}

/**
 * z-score of each new PnL move against the previous ones, per hour between consecutive points so
 * that irregular spacing (the latest point is rarely on the grid) is not a move. The baseline is
 * the median and MAD of the previous moves: one earlier spike does not inflate it, and after a
 * flat stretch a cent is many σ, which is why a move must first be material (at least zMinUsd and
 * zMinPctOfAccount of the account value) to raise anything. Severity then needs both σ and money.
 */
export function pnlZScore(
  c: HlpConfig,
  obs: HlObservationOf<"vaultPortfolio">,
  store: Map<string, Map<number, number>>,
  lastScored: Map<string, number>,
  out: DetectorOutput,
): void {
  const points = mergePoints(store, obs.vault.address, obs.day.pnl);
  const moves: { t: number; d: number; perHour: number }[] = [];
  for (let i = 1; i < points.length; i++) {
    const [t, v] = points[i] as SeriesPoint;
    const [t0, v0] = points[i - 1] as SeriesPoint;
    if (t - t0 < 60_000) continue;
    moves.push({ t, d: v - v0, perHour: ((v - v0) / (t - t0)) * HOUR });
  }
  const done = lastScored.get(obs.vault.address) ?? Number.NEGATIVE_INFINITY;
  const subject = { type: "vault" as const, id: obs.vault.address };
  const latestAv = obs.day.accountValue.at(-1)?.[1] ?? 0;
  for (let i = 0; i < moves.length; i++) {
    const cur = moves[i] as { t: number; d: number; perHour: number };
    if (cur.t <= done) continue;
    lastScored.set(obs.vault.address, cur.t);
    const history = moves.slice(Math.max(0, i - c.zWindow), i).map((x) => x.perHour);
    if (history.length < c.zMinSamples) continue;
    const av = valueAt(obs.day.accountValue, cur.t) ?? latestAv;
    const floorUsd = Math.max(c.zMinUsd, (Math.abs(av) * c.zMinPctOfAccount) / 100);
    if (Math.abs(cur.d) < floorUsd) continue;
    const base = medianMad(history);
    // Under a dollar an hour the spread of a history says nothing: a flat one still gets a scale.
    const scale = Math.max(base.scale, 1);
    const z = (cur.perHour - base.median) / scale;
    const severity = zSeverity(c, z, cur.d);
    if (!severity) continue;
    const share = av > 0 ? (Math.abs(cur.d) / av) * 100 : null;
    out.raise({
      kind: "pnl-zscore",
      subject,
      severity,
      title: `${obs.vault.name} PnL ${cur.d < 0 ? "dropped" : "jumped"} ${usd(Math.abs(cur.d))} in one interval (${share === null ? "" : `${pct(share)} of account value, `}${Math.abs(z).toFixed(1)}σ)`,
      evidence: {
        zScore: round(z, 3),
        moveUsd: round(cur.d),
        perHourUsd: round(cur.perHour),
        medianPerHourUsd: round(base.median),
        scalePerHourUsd: round(scale),
        samples: history.length,
        accountValueUsd: round(av),
        movePctOfAccount: share === null ? null : round(share, 4),
        materialFromUsd: round(floorUsd),
      },
      dataTime: cur.t,
      holdMs: 2 * HOUR,
    });
  }
}

/**
 * Severity of a material move: medium past zMedium σ; high past zHigh σ for a move of at least
 * zHighUsd; critical past zHigh σ only for a loss the 1 h loss rule already calls critical.
 */
function zSeverity(c: HlpConfig, z: number, move: number): Severity | null {
  const a = Math.abs(z);
  if (a <= c.zMedium) return null;
  if (a <= c.zHigh) return "medium";
  if (-move > c.loss1hCriticalUsd) return "critical";
  return Math.abs(move) >= c.zHighUsd ? "high" : "medium";
}
