import { AppError } from "@kamiyo/core";

function invalid(message: string, details: Record<string, unknown> = {}): AppError {
  return new AppError("invalid_input", message, { details });
}

/**
 * The labels as 0/1 (1 = known anomaly).
 * @throws AppError invalid_input for another count than `rows`, or a value other than
 *   true/false/1/0 (naming its index).
 */
export function checkLabels(labels: readonly boolean[] | Uint8Array, rows: number): Uint8Array {
  if (labels.length !== rows) {
    throw invalid(`ensemble: ${labels.length} labels for ${rows} training rows`, {
      labels: labels.length,
      rows,
    });
  }
  const out = new Uint8Array(rows);
  for (let i = 0; i < rows; i++) {
    const v = labels[i];
    if (v !== true && v !== false && v !== 0 && v !== 1) {
      throw invalid(`ensemble: label ${i} is ${String(v)}, expected true/false or 1/0`, {
        index: i,
      });
    }
    out[i] = v === true || v === 1 ? 1 : 0;
  }
  return out;
}

/** Null when the forest can be trained, else why not (for logs and `/ml/status`). */
export function rfSkipReason(labels: Uint8Array | undefined, minPerClass: number): string | null {
  if (labels === undefined) return "no labels";
  let anomalous = 0;
  for (const v of labels) anomalous += v;
  const normal = labels.length - anomalous;
  if (anomalous < minPerClass || normal < minPerClass) {
    return `labels hold ${anomalous} anomalous and ${normal} normal rows; the random forest needs at least ${minPerClass} of each`;
  }
  return null;
}
