/** Ensemble severity: `null` means not an anomaly. */
export type EnsembleSeverity = "critical" | "high" | "medium" | null;

/**
 * PRODUCT.md's rule: critical when confidence > 0.8 and every member votes anomalous; high when
 * confidence > 0.6 and at least two do; medium when confidence > 0.4 and at least one does;
 * otherwise null (not an anomaly). Thresholds are strict.
 */
export function ensembleSeverity(
  confidence: number,
  anomalous: number,
  of: number,
): EnsembleSeverity {
  if (confidence > 0.8 && anomalous === of && of > 0) return "critical";
  if (confidence > 0.6 && anomalous >= 2) return "high";
  if (confidence > 0.4 && anomalous >= 1) return "medium";
  return null;
}
