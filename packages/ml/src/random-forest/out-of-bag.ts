import type { Matrix } from "../matrix.ts";
import { argmax, findLeaf, type Tree } from "./tree.ts";

/**
 * Adds `tree`'s leaf class frequencies to `oob` (rows × `k`) for each row of `m` not drawn in its
 * bootstrap `sample`.
 */
export function addOutOfBag(
  tree: Tree,
  m: Matrix,
  sample: Int32Array,
  k: number,
  oob: Float64Array,
): void {
  const inBag = new Uint8Array(m.rows);
  for (const i of sample) inBag[i] = 1;
  for (let i = 0; i < m.rows; i++) {
    if (inBag[i]) continue;
    const leaf = findLeaf(tree, m.data, i * m.cols);
    for (let c = 0; c < k; c++)
      oob[i * k + c] = (oob[i * k + c] as number) + (tree.value[leaf * k + c] as number);
  }
}

/** Accuracy of the out-of-bag votes over the rows that were out of bag at least once, else null. */
export function oobAccuracy(oob: Float64Array, y: Int32Array, k: number): number | null {
  let seen = 0;
  let right = 0;
  for (let i = 0; i < y.length; i++) {
    let total = 0;
    for (let c = 0; c < k; c++) total += oob[i * k + c] as number;
    if (total === 0) continue;
    seen++;
    if (argmax(oob, i * k, k) === y[i]) right++;
  }
  return seen === 0 ? null : right / seen;
}
