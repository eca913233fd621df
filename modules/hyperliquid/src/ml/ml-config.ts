import { z } from "zod";

/** Settings of the ML models and detectors (environment prefix ML_). */
export const mlConfig = z.object({
  detector: z
    .boolean()
    .default(true)
    .describe("Run the active anomaly model in the pipeline (once `kamiyo ml train` made one)"),
  bucketMinutes: z
    .number()
    .int()
    .min(1)
    .max(60)
    .default(5)
    .describe("Length of the feature buckets the anomaly model scores, minutes"),
  trainDays: z
    .number()
    .min(0.25)
    .max(365)
    .default(30)
    .describe("History `kamiyo ml train` learns from by default, days before the newest data"),
  contamination: z
    .number()
    .gt(0)
    .max(0.5)
    .default(0.01)
    .describe("Expected share of anomalous buckets in training data: sets the anomaly threshold"),
  highExcess: z
    .number()
    .min(0)
    .default(1)
    .describe(
      "A bucket is anomalous and high when a feature lies this many training ranges (never less than its minimum spread) outside the range it had in training, whatever the forest's score",
    ),
  criticalExcess: z
    .number()
    .min(0)
    .default(5)
    .describe("A bucket is critical when a feature lies this many training ranges outside it"),
  confirmBuckets: z
    .number()
    .int()
    .min(1)
    .max(12)
    .default(2)
    .describe(
      "Consecutive anomalous buckets before a medium ML finding opens (high opens at once)",
    ),
  seed: z
    .number()
    .int()
    .min(0)
    .default(42)
    .describe("Seed of model training (reproducible models)"),
  ensemble: z
    .boolean()
    .default(true)
    .describe(
      "Train the ensemble (Isolation Forest, One-Class SVM, Random Forest) where the plan includes it",
    ),
});

export type MlConfig = z.output<typeof mlConfig>;
