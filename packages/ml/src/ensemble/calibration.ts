import { quantileSorted } from "../metrics.ts";

const LN9 = Math.log(9);

/**
 * Logistic calibration of a score m (higher = more anomalous) around a member's threshold t:
 * confidence = 1 / (1 + exp(−(m − t) / scale)), so a row at the threshold gets 0.5 and confidence
 * rises monotonically with m. `scale` = (t − median training score) / ln 9: a row scoring like
 * the median training row gets 0.1, a row as far above the threshold as that median is below it
 * gets 0.9. When the median is not below the threshold (degenerate data) the scale falls back to
 * the robust spread IQR / 1.349 of the training scores, then to 1e-9.
 */
export interface Calibration {
  threshold: number;
  scale: number;
}

/** Fits a {@link Calibration} on the members' training scores (higher = more anomalous). */
export function calibrate(trainingScores: Float64Array, threshold: number): Calibration {
  const sorted = Float64Array.from(trainingScores).sort();
  const median = quantileSorted(sorted, 0.5);
  let scale = (threshold - median) / LN9;
  if (!(scale > 0)) scale = (quantileSorted(sorted, 0.75) - quantileSorted(sorted, 0.25)) / 1.349;
  if (!(scale > 1e-9)) scale = 1e-9;
  return { threshold, scale };
}

/** Confidence in [0, 1] of anomalous-side score m under calibration c (0.5 at the threshold). */
export function calibratedConfidence(m: number, c: Calibration): number {
  return 1 / (1 + Math.exp(-(m - c.threshold) / c.scale));
}
