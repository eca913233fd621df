import { type LtvPool, POOL_MIN_BATCH, sharedColumn } from "../ltv/ltv-pool.ts";
import {
  checkCustomer,
  type Horizon,
  type LtvPredictor,
  PredictionInputError,
} from "../ltv/ltv-predictor.ts";
import type { PredictBatchRequest, PredictBatchResponse } from "./sync-value-proto.ts";

/**
 * PredictBatch's columns: every customer checked first (the first bad one named with its index),
 * then predicted. `monetary_value` may be empty for a model without spend. With a `pool`, the
 * lifetime values of a batch of {@link POOL_MIN_BATCH} customers or more (their cost: twelve 2F1
 * each) are computed on its worker threads, leaving this thread free for other calls.
 * @throws PredictionInputError for columns of different lengths or a bad customer.
 */
export async function predictBatch(
  model: LtvPredictor,
  req: PredictBatchRequest,
  horizon: Horizon,
  pool?: LtvPool,
): Promise<Omit<PredictBatchResponse, "modelVersion">> {
  const n = req.frequency.length;
  for (const [field, column] of [
    ["recency", req.recency],
    ["T", req.T],
  ] as const)
    if (column.length !== n)
      throw new PredictionInputError(`${field}: ${column.length} values for ${n} frequencies`);
  const withSpend = model.withSpend;
  if (withSpend && req.monetaryValue.length !== n)
    throw new PredictionInputError(
      `monetary_value: ${req.monetaryValue.length} values for ${n} frequencies`,
    );
  const customer = (i: number) => ({
    frequency: req.frequency[i] as number,
    recency: req.recency[i] as number,
    T: req.T[i] as number,
    monetaryValue: withSpend ? (req.monetaryValue[i] as number) : 0,
  });
  for (let i = 0; i < n; i++) checkCustomer(customer(i), withSpend, i);
  const out: Omit<PredictBatchResponse, "modelVersion"> = {
    pAlive: new Array(n),
    expectedPurchases: new Array(n),
    expectedSpend: withSpend ? new Array(n) : [],
    ltv: withSpend ? new Array(n) : [],
  };
  const spec = model.ltvSpec;
  const pooled =
    pool && spec && n >= POOL_MIN_BATCH
      ? pool.lifetimeValue(spec, horizon, {
          frequency: sharedColumn(req.frequency),
          recency: sharedColumn(req.recency),
          T: sharedColumn(req.T),
          monetaryValue: sharedColumn(req.monetaryValue),
        })
      : null;
  for (let i = 0; i < n; i++) {
    const p = model.predict(customer(i), horizon, pooled === null);
    out.pAlive[i] = p.pAlive;
    out.expectedPurchases[i] = p.expectedPurchases;
    if (withSpend) {
      out.expectedSpend[i] = p.expectedSpend as number;
      if (pooled === null) out.ltv[i] = p.ltv as number;
    }
  }
  if (pooled) out.ltv = Array.from(await pooled);
  return out;
}
