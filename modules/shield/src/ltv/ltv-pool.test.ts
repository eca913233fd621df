import { afterAll, describe, expect, it } from "vitest";
import { CDNOW_PUBLISHED_FIT, cdnowSummary } from "../testing/index.ts";
import { BgNbdModel } from "./bgnbd-model.ts";
import { GammaGammaModel, type GammaGammaParams } from "./gamma-gamma.ts";
import { LifetimeValue } from "./lifetime-value.ts";
import { LtvPool, POOL_MIN_BATCH } from "./ltv-pool.ts";

const model = {
  bgnbd: CDNOW_PUBLISHED_FIT.bgnbd,
  gammaGamma: CDNOW_PUBLISHED_FIT.gammaGamma as GammaGammaParams,
  unitsPerMonth: 4.345,
};
const horizon = { months: 12, monthlyDiscountRate: 0.01 };
const pool = new LtvPool(2);
afterAll(() => pool.close());

/** `n` CDNOW customers (repeated), in plain or shared memory. */
function customers(n: number, inShared: boolean) {
  const s = cdnowSummary();
  const column = (c: Float64Array) => {
    const a = inShared ? new Float64Array(new SharedArrayBuffer(n * 8)) : new Float64Array(n);
    for (let i = 0; i < n; i++) a[i] = c[i % c.length] as number;
    return a;
  };
  return {
    frequency: column(s.frequency),
    recency: column(s.recency),
    T: column(s.T),
    monetaryValue: column(s.monetaryValue as Float64Array),
  };
}

describe("LtvPool", () => {
  const one = new LifetimeValue(
    new BgNbdModel(model.bgnbd),
    new GammaGammaModel(model.gammaGamma),
    { ...horizon, unitsPerMonth: 4.345 },
  );

  it("gives every customer of a large batch the same value as one thread, from plain or shared columns", async () => {
    const n = POOL_MIN_BATCH * 2 + 17;
    for (const inShared of [false, true]) {
      const c = customers(n, inShared);
      const got = await pool.lifetimeValue(model, horizon, c);
      expect(got).toEqual(one.batch(c));
    }
    // Into the caller's array, as the single-thread batch does.
    const c = customers(n, false);
    const out = new Float64Array(n);
    expect(await pool.lifetimeValue(model, horizon, c, out)).toBe(out);
    expect(out[n - 1]).toBe(
      one.of(
        c.frequency[n - 1] as number,
        c.recency[n - 1] as number,
        c.T[n - 1] as number,
        c.monetaryValue[n - 1] as number,
      ),
    );
  });

  it("refuses columns of different lengths, naming the column", async () => {
    const c = customers(10, false);
    await expect(
      pool.lifetimeValue(model, horizon, { ...c, T: c.T.subarray(0, 9) }),
    ).rejects.toThrow("T: 9 values for 10 customers");
  });

  it("refuses work once closed", async () => {
    const closing = new LtvPool(1);
    await closing.close();
    await expect(
      closing.lifetimeValue(model, horizon, customers(POOL_MIN_BATCH, false)),
    ).rejects.toThrow("the LTV pool is closed");
  });
});
