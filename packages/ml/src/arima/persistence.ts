import { AppError } from "@kamiyo/core";
import { z } from "zod";

/** Version of the {@link ArimaModelJson} layout written by `toJSON()`. */
export const ARIMA_JSON_VERSION = 1;

const finite = z.number();
const count = z.number().int().nonnegative();

const arimaJsonSchema = z.object({
  kind: z.literal("arima"),
  version: z.literal(ARIMA_JSON_VERSION),
  order: z.object({ p: count.max(10), d: count.max(2), q: count.max(10) }),
  trend: z.enum(["n", "c", "t"]),
  params: z.object({
    ar: z.array(finite),
    ma: z.array(finite),
    mean: finite,
    sigma2: finite.positive(),
  }),
  state: z.object({
    levels: z.array(finite),
    mean: z.array(finite),
    cov: z.array(finite),
  }),
  n: count,
  nobsEffective: count,
  logLikelihood: finite,
  aic: finite,
  aicc: z.number().or(z.null()),
  bic: finite,
  converged: z.boolean(),
  iterations: count,
});

/**
 * Serialised ARIMA model: orders, trend, parameters, the filtered state at the end of the data
 * (enough to forecast without the data), the fit statistics and a layout version.
 * `aicc` is null when it is undefined (n − k − 1 ≤ 0).
 */
export type ArimaModelJson = z.infer<typeof arimaJsonSchema>;

/**
 * Validates an unknown value (e.g. parsed JSON from storage) as {@link ArimaModelJson}; checks
 * the array lengths against the orders too. Throws AppError("invalid_input") listing problems.
 */
export function parseArimaJson(value: unknown): ArimaModelJson {
  const parsed = arimaJsonSchema.safeParse(value);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`);
    throw new AppError("invalid_input", `not a stored ARIMA model: ${issues.join("; ")}`, {
      details: { issues },
    });
  }
  const json = parsed.data;
  const { p, d, q } = json.order;
  const r = Math.max(p, q + 1);
  const checks: [string, number, number][] = [
    ["params.ar", json.params.ar.length, p],
    ["params.ma", json.params.ma.length, q],
    ["state.levels", json.state.levels.length, d],
    ["state.mean", json.state.mean.length, r],
    ["state.cov", json.state.cov.length, r * r],
  ];
  for (const [field, got, want] of checks) {
    if (got !== want) {
      throw new AppError(
        "invalid_input",
        `not a stored ARIMA model: ${field} has ${got} values, ARIMA(${p},${d},${q}) needs ${want}`,
        { details: { field, got, want } },
      );
    }
  }
  return json;
}
