import {
  checkCustomer,
  type Horizon,
  type LtvPredictor,
  PredictionInputError,
} from "../ltv/ltv-predictor.ts";
import type { PredictBatchRequest, PredictBatchResponse } from "./sync-value-proto.ts";

/**
 * PredictBatch's columns: every customer checked first (the first bad one named with its index),
 * then predicted. `monetary_value` may be empty for a model without spend.
 * @throws PredictionInputError for columns of different lengths or a bad customer.
 */
export function predictBatch(
  model: LtvPredictor,
  req: PredictBatchRequest,
  horizon: Horizon,
): Omit<PredictBatchResponse, "modelVersion"> {
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
  for (let i = 0; i < n; i++) {
    const p = model.predict(customer(i), horizon);
    out.pAlive[i] = p.pAlive;
    out.expectedPurchases[i] = p.expectedPurchases;
    if (withSpend) {
      out.expectedSpend[i] = p.expectedSpend as number;
      out.ltv[i] = p.ltv as number;
    }
  }
  return out;
}
