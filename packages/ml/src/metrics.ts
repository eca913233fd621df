import { AppError } from "@kamiyo/core";

/**
 * Area under the ROC curve of `scores` (higher = more likely positive) against `labels` (true,
 * or 1, for positives), computed as the Mann–Whitney U statistic with midranks for tied scores,
 * so a tie between a positive and a negative counts one half (as scikit-learn's roc_auc_score).
 * 1 is a perfect ranking, 0.5 a random one.
 * @throws AppError invalid_input for lengths that differ, a non-finite score, a label other than
 *   true/false/0/1, or labels of only one class (the AUC is undefined).
 */
export function rocAuc(scores: ArrayLike<number>, labels: ArrayLike<boolean | number>): number {
  const n = scores.length;
  if (labels.length !== n) {
    throw new AppError(
      "invalid_input",
      `rocAuc: ${n} scores but ${labels.length} labels; they must pair one to one`,
      { details: { scores: n, labels: labels.length } },
    );
  }
  const positive = new Uint8Array(n);
  let positives = 0;
  for (let i = 0; i < n; i++) {
    const s = scores[i] as number;
    if (!Number.isFinite(s)) {
      throw new AppError("invalid_input", `rocAuc: score ${i} is ${s}, expected a finite number`, {
        details: { index: i },
      });
    }
    const l = labels[i];
    if (l === true || l === 1) {
      positive[i] = 1;
      positives++;
    } else if (l !== false && l !== 0) {
      throw new AppError(
        "invalid_input",
        `rocAuc: label ${i} is ${String(l)}, expected true/false or 1/0`,
        { details: { index: i } },
      );
    }
  }
  const negatives = n - positives;
  if (positives === 0 || negatives === 0) {
    throw new AppError(
      "invalid_input",
      `rocAuc: needs both classes, got ${positives} positives and ${negatives} negatives`,
      { details: { positives, negatives } },
    );
  }
  const order = Array.from({ length: n }, (_, i) => i).sort(
    (a, b) => (scores[a] as number) - (scores[b] as number),
  );
  // Sum of the (1-based, midrank for ties) ranks of the positives.
  let rankSum = 0;
  for (let start = 0; start < n; ) {
    const value = scores[order[start] as number] as number;
    let end = start + 1;
    while (end < n && scores[order[end] as number] === value) end++;
    const midrank = (start + 1 + end) / 2;
    for (let k = start; k < end; k++) if (positive[order[k] as number]) rankSum += midrank;
    start = end;
  }
  const u = rankSum - (positives * (positives + 1)) / 2;
  return u / (positives * negatives);
}

/**
 * The q-quantile (q in [0, 1]) of values sorted ascending, interpolating linearly between the two
 * nearest ranks as numpy's default `percentile(values, 100 * q)`.
 * @throws AppError invalid_input for no values or q outside [0, 1].
 */
export function quantileSorted(sorted: ArrayLike<number>, q: number): number {
  const n = sorted.length;
  if (n === 0 || !(q >= 0 && q <= 1)) {
    throw new AppError("invalid_input", `quantile ${q} of ${n} values is undefined`, {
      details: { n, q },
    });
  }
  const pos = q * (n - 1);
  const lo = Math.floor(pos);
  const hi = Math.min(n - 1, lo + 1);
  const a = sorted[lo] as number;
  const b = sorted[hi] as number;
  const t = pos - lo;
  // numpy's _lerp: from the nearer end, so q = 1 gives the maximum exactly.
  return t >= 0.5 ? b - (b - a) * (1 - t) : a + (b - a) * t;
}
