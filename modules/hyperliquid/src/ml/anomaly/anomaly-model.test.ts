import { seededRandom } from "@kamiyo/core";
import { describe, expect, it } from "vitest";
import { FEATURE_NAMES, FEATURES, type FeatureRow } from "../features/feature-set.ts";
import { AnomalyModel, type AnomalyTrainOptions, MIN_TRAINING_ROWS } from "./anomaly-model.ts";

const B = 300_000;
const OPTS: AnomalyTrainOptions = {
  algorithm: "isolation-forest",
  contamination: 0.01,
  highExcess: 1,
  criticalExcess: 5,
  seed: 42,
};
const LIQ = FEATURE_NAMES.indexOf("liq_notional");

const HLP_RETURN = FEATURE_NAMES.indexOf("hlp_return_bps");

/**
 * Quiet rows: every feature noisy around its own level over five times its minimum spread,
 * except liquidations (always 0).
 */
function quietRows(n: number, seed = 1): FeatureRow[] {
  const rnd = seededRandom(seed);
  return Array.from({ length: n }, (_, i) => {
    const values = new Float64Array(FEATURE_NAMES.length);
    for (const [j, f] of FEATURES.entries())
      values[j] = j === LIQ ? 0 : 10 * j + rnd() * 5 * f.minSpread;
    return { start: i * B, end: (i + 1) * B, values };
  });
}

describe("AnomalyModel", () => {
  it(`refuses fewer than ${MIN_TRAINING_ROWS} buckets, saying how many there are`, () => {
    expect(() => AnomalyModel.train(quietRows(20), B, OPTS)).toThrow(
      /at least 64 buckets of history; the window holds 20/,
    );
  });

  it("refuses a window where every feature is constant", () => {
    const rows = quietRows(80).map((r) => ({
      ...r,
      values: new Float64Array(FEATURE_NAMES.length),
    }));
    expect(() => AnomalyModel.train(rows, B, OPTS)).toThrow(/every feature is constant/);
  });

  it("leaves out and names the features constant over the window, and reports them when they move", () => {
    const model = AnomalyModel.train(quietRows(200), B, OPTS);
    expect(model.state.excluded).toEqual([{ name: "liq_notional", value: 0, spread: 0 }]);
    expect(model.state.features).not.toContain("liq_notional");
    const row = Float64Array.from(quietRows(1, 7)[0]?.values ?? []);
    row[LIQ] = 15;
    expect(model.score(row).unseen).toEqual([{ feature: "liq_notional", value: 15, trained: 0 }]);
  });

  it("leaves out a near-constant feature: HLP returns within ±0.1 bps, so 0.4 bps is not news and 30 bps is named", () => {
    const rows = quietRows(200).map((r, i) => {
      const values = Float64Array.from(r.values);
      values[HLP_RETURN] = ((i % 5) - 2) * 0.05;
      return { ...r, values };
    });
    const model = AnomalyModel.train(rows, B, OPTS);
    expect(model.state.excluded).toEqual([
      { name: "hlp_return_bps", value: 0, spread: expect.closeTo(0.2, 12) },
      { name: "liq_notional", value: 0, spread: 0 },
    ]);
    const typical = Float64Array.from(rows[7]?.values ?? []);
    typical[HLP_RETURN] = 0.4;
    const small = model.score(typical);
    expect(small.unseen).toEqual([]);
    expect(small.excess).toBe(0);
    typical[HLP_RETURN] = -30;
    expect(model.score(typical).unseen).toEqual([
      { feature: "hlp_return_bps", value: -30, trained: 0 },
    ]);
  });

  it("never measures the distance beyond a training range in less than the feature's minimum spread", () => {
    // A model stored before near-constant features were left out: price moves learnt over 0–1 bps.
    const trained = AnomalyModel.train(quietRows(200), B, OPTS).toJSON();
    const k = trained.features.indexOf("price_move_max_bps");
    const range = { min: [...trained.range.min], max: [...trained.range.max] };
    range.min[k] = 0;
    range.max[k] = 1;
    const model = AnomalyModel.fromJSON({ ...trained, range });
    const row = Float64Array.from(quietRows(1, 9)[0]?.values ?? []);
    row[FEATURE_NAMES.indexOf("price_move_max_bps")] = 6;
    // 5 bps beyond a 1 bps range is half the 10 bps floor, not 5 ranges.
    const s = model.score(row);
    expect(s.excess).toBeGreaterThanOrEqual(0.5);
    expect(s.excess).toBeLessThan(1);
  });

  it("calls a bucket a whole training range beyond what was seen anomalous even when the forest's score saturates under its threshold", () => {
    const model = AnomalyModel.train(quietRows(300), B, OPTS);
    const k = model.state.features.indexOf("price_move_max_bps");
    const { min, max } = model.state.range;
    const row = Float64Array.from(quietRows(1, 99)[0]?.values ?? []);
    row[FEATURE_NAMES.indexOf("price_move_max_bps")] =
      (max[k] as number) + 6 * ((max[k] as number) - (min[k] as number));
    const s = model.score(row);
    // One feature far out: the forest isolates it no faster than its most extreme training rows.
    expect(s.score).toBeLessThan(model.state.cuts.medium);
    expect(s.excess).toBeCloseTo(6, 6);
    expect(s.severity).toBe("critical");
  });

  it("grades severity by how far beyond the training range the bucket lies", () => {
    const model = AnomalyModel.train(quietRows(300), B, OPTS);
    const typical = quietRows(1, 99)[0]?.values as Float64Array;
    expect(model.score(typical).severity).toBeNull();
    // Every feature k training ranges above its training maximum.
    const { min, max } = model.state.range;
    const beyond = (k: number) => {
      const v = Float64Array.from(typical);
      model.state.features.forEach((f, j) => {
        v[FEATURE_NAMES.indexOf(f as (typeof FEATURE_NAMES)[number])] =
          (max[j] as number) + k * ((max[j] as number) - (min[j] as number));
      });
      return model.score(v);
    };
    expect(beyond(0.5).excess).toBeCloseTo(0.5, 6);
    expect(beyond(0.5).severity).toBe("medium");
    expect(beyond(2).severity).toBe("high");
    expect(beyond(10).severity).toBe("critical");
    expect(beyond(10).excess).toBeCloseTo(10, 6);
  });

  it("round-trips through JSON, and names what is wrong with a corrupted state", () => {
    const model = AnomalyModel.train(quietRows(100), B, OPTS);
    const copy = AnomalyModel.fromJSON(JSON.parse(JSON.stringify(model.toJSON())));
    const row = quietRows(1, 5)[0]?.values as Float64Array;
    expect(copy.score(row)).toEqual(model.score(row));
    expect(() => AnomalyModel.fromJSON({ ...model.toJSON(), version: 2 })).toThrow(/unreadable/);
    expect(() => AnomalyModel.fromJSON({ ...model.toJSON(), features: ["nope"] })).toThrow(
      /not computed/,
    );
  });

  it("trains the ensemble when asked, with its own severity rule", () => {
    const model = AnomalyModel.train(quietRows(200), B, { ...OPTS, algorithm: "ensemble" });
    const typical = quietRows(1, 3)[0]?.values as Float64Array;
    expect(model.score(typical).severity).toBeNull();
    const far = Float64Array.from(typical).map((v) => v * 50);
    const s = model.score(far);
    expect(s.severity).toBe("critical");
    expect(s.agreement).toEqual({ anomalous: 2, of: 2 });
  });
});
