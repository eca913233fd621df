import type { IsolationForestOptions } from "../isolation-forest.ts";
import type { OneClassSvmOptions } from "../one-class-svm.ts";
import type { RandomForestOptions } from "../random-forest.ts";

/** Default fewest labelled rows of each class (anomalous and normal) to train the random forest. */
export const RF_MIN_LABELS_PER_CLASS = 10;

/** Options of `AnomalyEnsemble.fit`. */
export interface AnomalyEnsembleOptions {
  /** One label per row, true (or 1) = known anomaly; enables the Random Forest (see minLabelsPerClass). */
  labels?: readonly boolean[] | Uint8Array;
  /** Base seed (integer); members use seed, seed + 1, seed + 2. Default 0. */
  seed?: number;
  /** Expected anomaly share in (0, 0.5]: the IF contamination and the One-Class SVM ν. Default 0.1. */
  contamination?: number;
  featureNames?: readonly string[];
  /** Fewest rows of each class needed to train the Random Forest; default 10. */
  minLabelsPerClass?: number;
  iforest?: Pick<IsolationForestOptions, "trees" | "sampleSize">;
  ocsvm?: Pick<OneClassSvmOptions, "gamma" | "tol" | "maxTrainRows">;
  rf?: Pick<RandomForestOptions, "trees" | "maxDepth" | "minSamplesLeaf" | "maxFeatures">;
}
