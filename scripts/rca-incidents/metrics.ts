/** Metric samples as the agents' Prometheus remote write carries them, in 5-minute batches. */
import { NS } from "./boutique.ts";
import type { Timeline } from "./timeline.ts";

/** One series: its labels, and its value at a time (epoch ms) or undefined for no sample. */
export interface SeriesSpec {
  readonly metric: string;
  readonly pod: string;
  readonly container: string;
  readonly value: (t: number) => number | undefined;
}

/** A level with a ±`spread` wiggle (deterministic noise of the timeline). */
export const noisy =
  (tl: Timeline, spread = 0.03) =>
  (level: number): number =>
    Math.round(level * (1 + spread * (2 * tl.random() - 1)) * 1000) / 1000;

/**
 * Samples every `stepSeconds` from `from` to `to` (ISO, `to` excluded) of each series, written as
 * one `samples` line per 5 minutes (the batch the remote-write queue sends) at the batch's end.
 */
export function writeSamples(
  tl: Timeline,
  from: string,
  to: string,
  series: readonly SeriesSpec[],
  stepSeconds = 30,
): void {
  const start = Date.parse(from);
  const end = Date.parse(to);
  const batch = 5 * 60_000;
  for (let b = start; b < end; b += batch) {
    const out = series.map((s) => ({
      labels: {
        __name__: s.metric,
        namespace: NS,
        pod: s.pod,
        container: s.container,
        job: "kubernetes-pods",
      },
      samples: [] as { timestamp: number; value: number }[],
    }));
    for (let t = b; t < Math.min(b + batch, end); t += stepSeconds * 1000)
      series.forEach((s, i) => {
        const v = s.value(t);
        if (v !== undefined) out[i]?.samples.push({ timestamp: t, value: v });
      });
    const at = new Date(Math.min(b + batch, end)).toISOString().replace(".000Z", "Z");
    tl.samples(
      at,
      out.filter((s) => s.samples.length > 0),
    );
  }
}
