import { AppError } from "@kamiyo/core";

/** Class labels: integers 0..k−1, or booleans (false = 0, true = 1). */
export type ClassLabels = readonly number[] | readonly boolean[] | Uint8Array;

function invalid(message: string, details: Record<string, unknown> = {}): AppError {
  return new AppError("invalid_input", message, { details });
}

/**
 * The labels as class ids.
 * @throws AppError invalid_input for another count than `rows`, or a label that is neither a
 *   boolean nor an integer 0..1000 (naming its index).
 */
export function toClassIds(labels: ClassLabels, rows: number): Int32Array {
  if (labels.length !== rows) {
    throw invalid(`random forest: ${labels.length} labels for ${rows} rows`, {
      labels: labels.length,
      rows,
    });
  }
  const y = new Int32Array(rows);
  for (let i = 0; i < rows; i++) {
    const v = labels[i];
    const c = typeof v === "boolean" ? Number(v) : v;
    if (typeof c !== "number" || !Number.isInteger(c) || c < 0 || c > 1000) {
      throw invalid(
        `random forest: label ${i} is ${String(v)}, expected a class id 0..1000 or a boolean`,
        {
          index: i,
        },
      );
    }
    y[i] = c;
  }
  return y;
}
