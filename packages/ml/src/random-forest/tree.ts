/**
 * One CART tree as parallel arrays indexed by node, root 0; a leaf has feature −1. At an inner
 * node a row goes to `left` when `x[feature] <= threshold`, else to `right`.
 */
export interface Tree {
  feature: Int32Array;
  threshold: Float64Array;
  left: Int32Array;
  right: Int32Array;
  /** nodes × classes: the class frequencies of the bootstrap rows in each leaf. */
  value: Float64Array;
}

/** The leaf reached by the row starting at `data[at]`. */
export function findLeaf(tree: Tree, data: ArrayLike<number>, at: number): number {
  let node = 0;
  for (;;) {
    const f = tree.feature[node] as number;
    if (f < 0) return node;
    node =
      (data[at + f] as number) <= (tree.threshold[node] as number)
        ? (tree.left[node] as number)
        : (tree.right[node] as number);
  }
}

/** The index of the largest of the `k` values from `data[at]` (the lowest on ties). */
export function argmax(data: Float64Array, at: number, k: number): number {
  let best = 0;
  for (let c = 1; c < k; c++) if ((data[at + c] as number) > (data[at + best] as number)) best = c;
  return best;
}
