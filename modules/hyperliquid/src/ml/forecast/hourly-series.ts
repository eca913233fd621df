import type { AnomalyModel } from "../anomaly/anomaly-model.ts";
import { FEATURE_NAMES, type FeatureRow } from "../features/feature-set.ts";

export const HOUR_MS = 3_600_000;

/** The series the forecasters learn, one value per hour. */
export const FORECAST_SERIES = [
  {
    name: "anomaly_score",
    description: "Hourly maximum of the anomaly model's bucket score (the risk forecast)",
  },
  {
    name: "liquidation_notional",
    description: "Liquidated notional per hour, ln(1 + USD)",
  },
  {
    name: "oracle_dev_max_bps",
    description: "Hourly maximum of the largest mark–oracle deviation, bps",
  },
] as const;

export type ForecastSeriesName = (typeof FORECAST_SERIES)[number]["name"];

export const FORECAST_SERIES_NAMES: readonly ForecastSeriesName[] = FORECAST_SERIES.map(
  (s) => s.name,
);

/** A regular hourly series: `values[i]` is the hour starting at `start + i` hours. */
export interface HourlySeries {
  start: number;
  values: number[];
  /** Hours without any bucket, carried forward from the hour before. */
  filled: number;
}

const LIQ = FEATURE_NAMES.indexOf("liq_notional");
const ORACLE = FEATURE_NAMES.indexOf("oracle_dev_max_bps");

/**
 * One series by the hour from bucket feature rows. An hour with no bucket (a data gap) repeats
 * the hour before and is counted in `filled`; leading empty hours are dropped.
 * @param model needed for `anomaly_score`.
 */
export function hourlySeries(
  rows: readonly FeatureRow[],
  name: ForecastSeriesName,
  model: AnomalyModel | null,
): HourlySeries {
  const byHour = new Map<number, number>();
  for (const r of rows) {
    const h = Math.floor(r.start / HOUR_MS) * HOUR_MS;
    const prev = byHour.get(h);
    switch (name) {
      case "anomaly_score": {
        if (!model) throw new Error("the anomaly_score series needs the anomaly model");
        const s = model.score(r.values).score;
        byHour.set(h, prev === undefined ? s : Math.max(prev, s));
        break;
      }
      case "liquidation_notional": {
        // Summed in USD, then back to the log scale of the feature.
        const usd = Math.expm1(r.values[LIQ] as number);
        byHour.set(h, (prev ?? 0) + usd);
        break;
      }
      case "oracle_dev_max_bps": {
        const v = r.values[ORACLE] as number;
        byHour.set(h, prev === undefined ? v : Math.max(prev, v));
        break;
      }
    }
  }
  const hours = [...byHour.keys()].sort((a, b) => a - b);
  const first = hours[0];
  const last = hours.at(-1);
  if (first === undefined || last === undefined) return { start: 0, values: [], filled: 0 };
  const values: number[] = [];
  let filled = 0;
  let carry = 0;
  for (let h = first; h <= last; h += HOUR_MS) {
    const v = byHour.get(h);
    if (v === undefined) filled++;
    else carry = name === "liquidation_notional" ? Math.log1p(v) : v;
    values.push(carry);
  }
  return { start: first, values, filled };
}
