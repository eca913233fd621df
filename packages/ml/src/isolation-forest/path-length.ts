/** The Euler–Mascheroni constant, as in scikit-learn's `np.euler_gamma`. */
const EULER_GAMMA = 0.5772156649015329;

/**
 * c(n): the average path length of an unsuccessful search in a binary search tree of n nodes,
 * which normalises isolation-tree depths (Liu, Ting and Zhou 2008):
 * c(n) = 2H(n−1) − 2(n−1)/n with H(i) ≈ ln(i) + γ, and c(2) = 1, c(n ≤ 1) = 0 as scikit-learn's
 * `_average_path_length`.
 */
export function averagePathLength(n: number): number {
  if (n <= 1) return 0;
  if (n === 2) return 1;
  return 2 * (Math.log(n - 1) + EULER_GAMMA) - (2 * (n - 1)) / n;
}

/** The height limit of a tree grown on `sampleSize` rows: ceil(log2(max(sampleSize, 2))). */
export function heightLimit(sampleSize: number): number {
  let depth = 0;
  while (2 ** depth < sampleSize) depth++;
  return Math.max(depth, 1);
}
