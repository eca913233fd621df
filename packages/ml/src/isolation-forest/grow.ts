import type { Random } from "@kamiyo/core";
import type { Matrix } from "../matrix.ts";
import type { Forest } from "./forest.ts";
import { averagePathLength, heightLimit } from "./path-length.ts";

/**
 * Grows `trees` isolation trees on `x` as scikit-learn's IsolationForest (ExtraTreeRegressor with
 * max_features=1, splitter="random"): each tree on `sampleSize` rows drawn without replacement, to
 * depth ceil(log2 sampleSize); a node splits on a feature drawn uniformly among those not constant
 * in the node (features found constant are remembered for its descendants), at a threshold drawn
 * uniformly in [min, max) of that feature in the node (rows ≤ threshold go left); a node with one
 * row, at the height limit, or whose features are all constant is a leaf of path length
 * depth + c(rows). Laid out as {@link Forest} describes. Draws from `random` in a fixed order,
 * so a seeded generator gives the same forest.
 */
export function growForest(x: Matrix, trees: number, sampleSize: number, random: Random): Forest {
  const { rows, cols, data } = x;
  const psi = sampleSize;
  const maxDepth = heightLimit(psi);
  const perTree = 2 * psi - 1;
  const feature = new Int32Array(trees * perTree);
  const threshold = new Float64Array(trees * perTree);
  const left = new Int32Array(trees * perTree);
  const pathLength = new Float64Array(trees * perTree);
  const roots = new Int32Array(trees);
  const depths = new Int32Array(trees);
  let deepest = 0;

  // Row indices permuted in place by a partial Fisher–Yates shuffle per tree; any permutation is a
  // valid starting point for the next draw, so it is never reset.
  const perm = new Int32Array(rows);
  for (let i = 0; i < rows; i++) perm[i] = i;
  // The tree's rows, column-major: sub[f * psi + i] is feature f of sampled row i.
  const sub = new Float64Array(cols * psi);
  const idx = new Int32Array(psi);
  // constant[d * cols + f] = 1 when feature f is known constant at the node being split at depth d.
  const constant = new Uint8Array((maxDepth + 1) * cols);
  const candidates = new Int32Array(cols);
  let next = 0;

  const grow = (node: number, start: number, end: number, depth: number): void => {
    const size = end - start;
    if (depth < maxDepth && size > 1) {
      const known = depth * cols;
      let count = 0;
      for (let f = 0; f < cols; f++) if (constant[known + f] === 0) candidates[count++] = f;
      while (count > 0) {
        const pick = Math.floor(random() * count);
        const f = candidates[pick] as number;
        const col = f * psi;
        let min = Number.POSITIVE_INFINITY;
        let max = Number.NEGATIVE_INFINITY;
        for (let k = start; k < end; k++) {
          const v = sub[col + (idx[k] as number)] as number;
          if (v < min) min = v;
          if (v > max) max = v;
        }
        if (max > min) {
          let split = min + random() * (max - min);
          if (split >= max) split = min;
          let i = start;
          let j = end - 1;
          while (i <= j) {
            const r = idx[i] as number;
            if ((sub[col + r] as number) <= split) i++;
            else {
              idx[i] = idx[j] as number;
              idx[j] = r;
              j--;
            }
          }
          const child = next;
          next += 2;
          feature[node] = f;
          threshold[node] = split;
          left[node] = child;
          const inherited = known + cols;
          constant.copyWithin(inherited, known, known + cols);
          grow(child, start, i, depth + 1);
          constant.copyWithin(inherited, known, known + cols);
          grow(child + 1, i, end, depth + 1);
          return;
        }
        constant[known + f] = 1;
        candidates[pick] = candidates[--count] as number;
      }
    }
    feature[node] = 0;
    threshold[node] = Number.POSITIVE_INFINITY;
    left[node] = node;
    pathLength[node] = depth + averagePathLength(size);
    if (depth > deepest) deepest = depth;
  };

  for (let t = 0; t < trees; t++) {
    for (let i = 0; i < psi; i++) {
      const j = i + Math.floor(random() * (rows - i));
      const r = perm[j] as number;
      perm[j] = perm[i] as number;
      perm[i] = r;
      const base = r * cols;
      for (let f = 0; f < cols; f++) sub[f * psi + i] = data[base + f] as number;
      idx[i] = i;
    }
    constant.fill(0, 0, cols);
    roots[t] = next;
    next += 1;
    deepest = 0;
    grow(roots[t] as number, 0, psi, 0);
    depths[t] = deepest;
  }
  return {
    feature: feature.slice(0, next),
    threshold: threshold.slice(0, next),
    left: left.slice(0, next),
    pathLength: pathLength.slice(0, next),
    roots,
    depths,
  };
}
