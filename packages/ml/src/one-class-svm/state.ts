import { AppError } from "@kamiyo/core";
import { z } from "zod";

/** What the fit did, for logs and `/ml/status`. */
export interface OneClassSvmTraining {
  /** Rows the solver saw (after the subsample). */
  rows: number;
  /** Rows given to fit; more than `rows` when the subsample was used. */
  inputRows: number;
  supportVectors: number;
  /** Support vectors at the upper bound α = 1 (at or outside the boundary). */
  boundedSupportVectors: number;
  iterations: number;
  /** Fraction of training rows with a negative decision value (≈ ν). */
  outlierFraction: number;
}

const finite = z.number().refine(Number.isFinite, "must be finite");
const jsonSchema = z.object({
  format: z.literal("kamiyo.one-class-svm"),
  version: z.literal(1),
  nFeatures: z.number().int().positive(),
  featureNames: z.array(z.string()).optional(),
  nu: finite,
  gamma: finite.refine((g) => g > 0, "must be positive"),
  rho: finite,
  mean: z.array(finite),
  std: z.array(finite.refine((s) => s > 0, "must be positive")),
  supportVectors: z.array(z.array(finite)),
  coefficients: z.array(finite),
  training: z.object({
    rows: z.number().int(),
    inputRows: z.number().int(),
    supportVectors: z.number().int(),
    boundedSupportVectors: z.number().int(),
    iterations: z.number().int(),
    outlierFraction: finite,
  }),
});

/** The JSON form of a `OneClassSvm`: support vectors (standardised), coefficients, ρ, scaler. */
export type OneClassSvmJson = z.infer<typeof jsonSchema>;

function invalid(message: string, details: Record<string, unknown> = {}): AppError {
  return new AppError("invalid_input", message, { details });
}

/**
 * Checks a stored model against the schema and across fields.
 * @throws AppError invalid_input when the value does not match the schema or its arrays
 *   disagree in length with `nFeatures` or with each other.
 */
export function parseState(value: unknown): OneClassSvmJson {
  const parsed = jsonSchema.safeParse(value);
  if (!parsed.success) {
    throw invalid(`one-class SVM JSON is invalid: ${z.prettifyError(parsed.error)}`);
  }
  const json = parsed.data;
  const d = json.nFeatures;
  const sizes = [json.mean.length, json.std.length, ...json.supportVectors.map((v) => v.length)];
  if (sizes.some((n) => n !== d) || json.supportVectors.length !== json.coefficients.length) {
    throw invalid("one-class SVM JSON is invalid: array lengths do not match nFeatures", { d });
  }
  if (json.featureNames !== undefined && json.featureNames.length !== d) {
    throw invalid("one-class SVM JSON is invalid: featureNames length differs from nFeatures");
  }
  return json;
}

/** The first `count` rows of `d` values of the row-major `data`, as plain arrays. */
export function splitRows(data: Float64Array, d: number, count: number): number[][] {
  const rows: number[][] = [];
  for (let s = 0; s < count; s++) rows.push(Array.from(data.subarray(s * d, (s + 1) * d)));
  return rows;
}
