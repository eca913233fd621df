import { describe, expect, it } from "vitest";
import type { MetricSeries, Sample } from "../model.ts";
import { DEFAULT_ANOMALY, scoreMetric } from "./anomaly.ts";
import { learnBaseline } from "./baseline.ts";

const MIN = 60_000;
const T0 = Date.UTC(2024, 0, 1);

/** One sample a minute from T0: `values[i]` at minute i. */
function samples(values: readonly number[]): Sample[] {
  return values.map((value, i) => ({ at: T0 + i * MIN, value }));
}

/** A deterministic wiggle around `level` (±1), n minutes long. */
function calm(level: number, n: number): number[] {
  return Array.from({ length: n }, (_, i) => level + Math.sin(i * 1.7));
}

function series(values: readonly number[], normal: readonly number[] = values): MetricSeries {
  const baseline = learnBaseline(normal);
  return {
    resource: "pod/shop/cart-1",
    name: "pod_cpu_usage_millicores",
    unit: "millicores",
    signal: "cpu",
    samples: samples(values),
    ...(baseline ? { baseline } : {}),
  };
}

describe("scoreMetric", () => {
  const window = { from: T0 + 60 * MIN, to: T0 + 65 * MIN };

  it("gives a step up in the window a large positive z and a calm window a small one", () => {
    const stepped = series([...calm(10, 60), 40, 41, 39, 40, 42, ...calm(10, 10)], calm(10, 200));
    const a = scoreMetric(stepped, window);
    expect(a?.z).toBeGreaterThan(10);
    expect(a?.value).toBe(40);
    expect(a?.reference).toBeCloseTo(10, 0);

    const quiet = series(calm(10, 80), calm(10, 200));
    expect(Math.abs(scoreMetric(quiet, window)?.z ?? 99)).toBeLessThan(2);
  });

  it("falls back to the learnt baseline when the minutes before the window are missing", () => {
    const s: MetricSeries = { ...series([], calm(10, 200)), samples: samples([40, 41, 39]) };
    const a = scoreMetric(s, { from: T0, to: T0 + 3 * MIN });
    expect(a?.reference).toBeCloseTo(10, 0);
    expect(a?.z).toBeGreaterThan(10);
  });

  it("does not treat a series that spikes in normal times as anomalous when it spikes again", () => {
    // Normal period: calm with a 30-unit spike every 10 minutes; the window holds one such spike.
    const spiky = (n: number) => calm(10, n).map((v, i) => (i % 10 === 9 ? 40 : v));
    const s = series([...calm(10, 60), 10, 10, 40, 10, 10], spiky(300));
    const withTail = scoreMetric(s, window);
    const without = scoreMetric(s, window, { ...DEFAULT_ANOMALY, tailFloor: false });
    expect(Math.abs(withTail?.peakZ ?? 99)).toBeLessThan(Math.abs(without?.peakZ ?? 0));
  });

  it("floors the scale of a constant series instead of dividing by zero", () => {
    const s = series([...Array(60).fill(5), 5.1, 5.1, 5.1], Array(100).fill(5));
    const a = scoreMetric(s, window);
    expect(Number.isFinite(a?.z)).toBe(true);
    expect(a?.z).toBeCloseTo(0.1 / (0.05 * 5), 5);
  });

  it("returns undefined when the window is empty", () => {
    expect(scoreMetric(series(calm(10, 30)), window)).toBeUndefined();
  });
});
