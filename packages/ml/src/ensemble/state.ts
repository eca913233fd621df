import { AppError } from "@kamiyo/core";
import { z } from "zod";
import { IsolationForest } from "../isolation-forest.ts";
import { OneClassSvm } from "../one-class-svm.ts";
import { RandomForest } from "../random-forest.ts";

const calibrationSchema = z.object({ threshold: z.number(), scale: z.number().positive() });
const weightSchema = z.number().positive().max(1);
const jsonSchema = z.object({
  format: z.literal("kamiyo.anomaly-ensemble"),
  version: z.literal(1),
  nFeatures: z.number().int().positive(),
  featureNames: z.array(z.string()).optional(),
  weights: z.object({ iforest: weightSchema, ocsvm: weightSchema, rf: weightSchema.optional() }),
  rfSkipped: z.string().nullable(),
  members: z.object({
    iforest: z.object({ model: z.unknown(), calibration: calibrationSchema }),
    ocsvm: z.object({ model: z.unknown(), calibration: calibrationSchema }),
    rf: z.object({ model: z.unknown() }).nullable(),
  }),
});

/** The JSON form of an `AnomalyEnsemble` (members in their own JSON forms). */
export type AnomalyEnsembleJson = z.infer<typeof jsonSchema>;

function invalid(message: string, details: Record<string, unknown> = {}): AppError {
  return new AppError("invalid_input", message, { details });
}

/**
 * Checks a stored ensemble and restores its members.
 * @throws AppError invalid_input when the value or a member does not match its schema, the
 *   members disagree on the feature count, or the weights do not match the members present.
 */
export function parseState(value: unknown): {
  json: AnomalyEnsembleJson;
  iforest: IsolationForest;
  ocsvm: OneClassSvm;
  rf: RandomForest | null;
} {
  const parsed = jsonSchema.safeParse(value);
  if (!parsed.success) throw invalid(`ensemble JSON is invalid: ${z.prettifyError(parsed.error)}`);
  const json = parsed.data;
  const iforest = IsolationForest.fromJSON(json.members.iforest.model);
  const ocsvm = OneClassSvm.fromJSON(json.members.ocsvm.model);
  const rf = json.members.rf === null ? null : RandomForest.fromJSON(json.members.rf.model);
  const counts = [
    json.nFeatures,
    iforest.nFeatures,
    ocsvm.nFeatures,
    rf?.nFeatures ?? json.nFeatures,
  ];
  if (counts.some((n) => n !== json.nFeatures)) {
    throw invalid(
      `ensemble JSON is invalid: members disagree on the feature count (${counts.join(", ")})`,
    );
  }
  const { weights } = json;
  const sum = weights.iforest + weights.ocsvm + (weights.rf ?? 0);
  if ((weights.rf !== undefined) !== (rf !== null) || Math.abs(sum - 1) > 1e-9) {
    throw invalid("ensemble JSON is invalid: weights must sum to 1 over the members present", {
      weights,
    });
  }
  if (rf !== null && rf.nClasses !== 2)
    throw invalid("ensemble JSON is invalid: rf must have 2 classes");
  return { json, iforest, ocsvm, rf };
}
