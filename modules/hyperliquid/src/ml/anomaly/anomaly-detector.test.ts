import type { Signal, SignalRef } from "@kamiyo/core";
import { describe, expect, it } from "vitest";
import { FEATURE_NAMES } from "../features/feature-set.ts";
import { market, parentState } from "../testing/records.ts";
import { AnomalyDetector } from "./anomaly-detector.ts";
import { AnomalyModel } from "./anomaly-model.ts";

const B = 300_000;
const T0 = Date.UTC(2025, 2, 27);

/** A model that learnt ETH moving 0–20 bps a bucket (the other features constant and left out). */
function model(): AnomalyModel {
  const rows = Array.from({ length: 100 }, (_, i) => {
    const values = new Float64Array(FEATURE_NAMES.length);
    values[FEATURE_NAMES.indexOf("price_move_max_bps")] = (i * 7) % 21;
    values[FEATURE_NAMES.indexOf("oi_change_bps")] = (i * 3) % 11;
    return { start: T0 + i * B, end: T0 + (i + 1) * B, values };
  });
  return AnomalyModel.train(rows, B, {
    algorithm: "isolation-forest",
    contamination: 0.01,
    highExcess: 1,
    criticalExcess: 5,
    seed: 1,
  });
}

/** Drives the detector with one bucket per entry: ETH's price moves by `bps` over the bucket. */
function run(detector: AnomalyDetector, moves: number[]) {
  const raised: Signal[] = [];
  const resolved: { ref: SignalRef; at: number }[] = [];
  const out = {
    raise: (s: Signal) => raised.push(s),
    resolve: (ref: SignalRef, at: number) => resolved.push({ ref, at }),
  };
  let px = 2000;
  moves.forEach((bps, i) => {
    const t = T0 + i * B;
    detector.record(parentState(t + 1_000, 100e6), out);
    px *= Math.exp(bps / 1e4);
    detector.record(market(t + 2_000, "ETH", { mark: px, oi: 1000 }), out);
  });
  detector.tick(T0 + (moves.length + 1) * B, out);
  return { raised, resolved };
}

describe("AnomalyDetector", () => {
  const opts = { modelId: "mdl_1", modelVersion: 3, confirmBuckets: 2 };

  it("raises nothing on buckets like its training data", () => {
    const { raised } = run(new AnomalyDetector(model(), opts), [0, 5, 10, 15, 3, 8, 12]);
    expect(raised).toEqual([]);
  });

  it("raises a far move at once as critical, with the model and the leading feature, and resolves on the next normal bucket", () => {
    const { raised, resolved } = run(new AnomalyDetector(model(), opts), [0, 5, 600, 5, 5]);
    expect(raised).toHaveLength(1);
    const s = raised[0];
    expect(s?.severity).toBe("critical");
    expect(s?.kind).toBe("anomaly");
    expect(s?.subject).toEqual({ type: "market", id: "hyperliquid" });
    expect(s?.evidence).toMatchObject({
      modelId: "mdl_1",
      modelVersion: 3,
      algorithm: "isolation-forest",
    });
    // ETH's move also moves open interest at mark: both lead.
    expect(((s?.evidence.topFeatures ?? []) as string[]).slice(0, 2).sort()).toEqual([
      "oi_change_bps",
      "price_move_max_bps",
    ]);
    expect(s?.dataTime).toBe(T0 + 3 * B);
    expect(resolved.map((r) => r.at)).toEqual([T0 + 4 * B]);
  });

  it("opens a medium anomaly only after confirmBuckets anomalous buckets in a row", () => {
    const m = model();
    const top = m.state.range.max[m.state.features.indexOf("price_move_max_bps")] as number;
    // Just above the training range: anomalous, less than one range beyond: medium.
    const medium = top + 4;
    expect(run(new AnomalyDetector(m, opts), [0, medium, 0, medium, 0]).raised).toEqual([]);
    const confirmed = run(new AnomalyDetector(m, opts), [0, medium, medium, 0]).raised;
    expect(confirmed.map((s) => [s.severity, s.dataTime])).toEqual([["medium", T0 + 3 * B]]);
  });

  it("raises nothing for primed history", () => {
    const d = new AnomalyDetector(model(), opts);
    d.prime([
      parentState(T0 + 1_000, 100e6),
      market(T0 + 2_000, "ETH", { mark: 2000 }),
      market(T0 + B + 2_000, "ETH", { mark: 3000 }),
    ]);
    expect(d.counters.scored).toBe(0);
  });
});
