import { BgNbdModel } from "./bgnbd-model.ts";
import { GammaGammaModel } from "./gamma-gamma.ts";
import { LifetimeValue } from "./lifetime-value.ts";
import type { LtvModelSpec } from "./ltv-pool.ts";
import type { LtvModelFit } from "./model-store.ts";

/** One customer as predictions take it: recency and T in the model's time unit. */
export interface CustomerInput {
  frequency: number;
  recency: number;
  T: number;
  /** Mean value of the repeat purchases; unused by a model without spend. */
  monetaryValue: number;
}

/** The horizon of a prediction; defaults 12 months at 1 % a month, as {@link LifetimeValue}. */
export interface Horizon {
  months: number;
  monthlyDiscountRate: number;
}

export interface CustomerPrediction {
  pAlive: number;
  expectedPurchases: number;
  /** Undefined (with `ltv`) when the model has no Gamma-Gamma part. */
  expectedSpend: number | undefined;
  ltv: number | undefined;
}

export const DEFAULT_HORIZON: Horizon = { months: 12, monthlyDiscountRate: 0.01 };
/** The longest horizon served: LTV sums one term a month, so the cost grows with it. */
export const MAX_HORIZON_MONTHS = 120;

/** Why a customer or horizon was refused: the field named, as the gRPC error says it. */
export class PredictionInputError extends Error {}

/**
 * @throws PredictionInputError naming the first field that is not a finite number ≥ 0, or a
 * recency after T. `at` is the customer's index in a batch, named with the field.
 */
export function checkCustomer(c: CustomerInput, withSpend: boolean, at?: number): void {
  const name = (field: string) => (at === undefined ? field : `${field}[${at}]`);
  const fields = withSpend
    ? (["frequency", "recency", "T", "monetaryValue"] as const)
    : (["frequency", "recency", "T"] as const);
  for (const field of fields) {
    const value = c[field];
    if (!(Number.isFinite(value) && value >= 0))
      throw new PredictionInputError(
        `${name(field === "monetaryValue" ? "monetary_value" : field)}: expected a finite number ≥ 0, got ${value}`,
      );
  }
  if (c.recency > c.T)
    throw new PredictionInputError(`${name("recency")}: ${c.recency} is after T ${c.T}`);
}

/** @throws PredictionInputError for a horizon outside 1…{@link MAX_HORIZON_MONTHS} or a rate ≤ −1. */
export function checkHorizon(h: Horizon): void {
  if (!Number.isInteger(h.months) || h.months < 1 || h.months > MAX_HORIZON_MONTHS)
    throw new PredictionInputError(
      `horizon_months: expected a whole number 1…${MAX_HORIZON_MONTHS}, got ${h.months}`,
    );
  if (!(Number.isFinite(h.monthlyDiscountRate) && h.monthlyDiscountRate > -1))
    throw new PredictionInputError(
      `monthly_discount_rate: expected a number > −1, got ${h.monthlyDiscountRate}`,
    );
}

/**
 * A saved model ready to answer: its BG/NBD and Gamma-Gamma models built once, and one
 * {@link LifetimeValue} per horizon asked for (its discount factors), kept for the next call.
 */
export class LtvPredictor {
  readonly version: number;
  readonly withSpend: boolean;
  readonly #bgNbd: BgNbdModel;
  readonly #spend: GammaGammaModel | null;
  readonly #unitsPerMonth: number;
  readonly #ltv = new Map<string, LifetimeValue>();
  readonly #spec: LtvModelSpec | null;

  constructor(model: LtvModelFit & { version: number }) {
    this.version = model.version;
    this.#bgNbd = new BgNbdModel(model.bgnbd);
    this.#spend = model.gammaGamma && new GammaGammaModel(model.gammaGamma);
    this.withSpend = this.#spend !== null;
    this.#unitsPerMonth = model.unitsPerMonth;
    this.#spec = model.gammaGamma && {
      bgnbd: model.bgnbd,
      gammaGamma: model.gammaGamma,
      unitsPerMonth: model.unitsPerMonth,
    };
  }

  /** The fit a lifetime value needs ({@link LtvPool}'s workers build it), or null without spend. */
  get ltvSpec(): LtvModelSpec | null {
    return this.#spec;
  }

  /**
   * One customer, already checked ({@link checkCustomer}, {@link checkHorizon}). `withLtv: false`
   * leaves `ltv` undefined (a caller computing it elsewhere, such as across an {@link LtvPool}).
   */
  predict(c: CustomerInput, h: Horizon = DEFAULT_HORIZON, withLtv = true): CustomerPrediction {
    const { frequency: x, recency, T } = c;
    const pAlive = this.#bgNbd.probabilityAlive(x, recency, T);
    const expectedPurchases = this.#bgNbd.expectedPurchases(
      h.months * this.#unitsPerMonth,
      x,
      recency,
      T,
    );
    if (!this.#spend)
      return { pAlive, expectedPurchases, expectedSpend: undefined, ltv: undefined };
    return {
      pAlive,
      expectedPurchases,
      expectedSpend: this.#spend.expectedAverageSpend(x, c.monetaryValue),
      ltv: withLtv
        ? this.#lifetimeValue(this.#spend, h).of(x, recency, T, c.monetaryValue)
        : undefined,
    };
  }

  #lifetimeValue(spend: GammaGammaModel, h: Horizon): LifetimeValue {
    const key = `${h.months}/${h.monthlyDiscountRate}`;
    let ltv = this.#ltv.get(key);
    if (!ltv) {
      // Bounded: a caller varying the rate must not grow the map without end.
      if (this.#ltv.size >= 64) this.#ltv.clear();
      ltv = new LifetimeValue(this.#bgNbd, spend, {
        months: h.months,
        monthlyDiscountRate: h.monthlyDiscountRate,
        unitsPerMonth: this.#unitsPerMonth,
      });
      this.#ltv.set(key, ltv);
    }
    return ltv;
  }
}
