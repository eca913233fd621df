import type { Random } from "@kamiyo/core";
import type { Matrix } from "../matrix.ts";
import type { Tree } from "./tree.ts";

/** Stopping and feature-sampling rules of a tree. */
export interface GrowOptions {
  /** Fewest rows a leaf may hold. */
  minLeaf: number;
  /** Deepest node depth (root = 0); +Infinity for none. */
  maxDepth: number;
  /** Features tried per split, at most the number of columns. */
  maxFeatures: number;
}

/** Grows CART trees over one training matrix, reusing its scratch buffers between trees. */
export class TreeGrower {
  readonly #m: Matrix;
  readonly #y: Int32Array;
  readonly #k: number;
  readonly #opts: GrowOptions;
  readonly #byClass: Float64Array[];
  readonly #size: Int32Array;
  readonly #head: Int32Array;
  readonly #countsLeft: Float64Array;
  readonly #countsAll: Float64Array;
  readonly #features: Int32Array;

  constructor(m: Matrix, y: Int32Array, k: number, opts: GrowOptions) {
    this.#m = m;
    this.#y = y;
    this.#k = k;
    this.#opts = opts;
    this.#byClass = Array.from({ length: k }, () => new Float64Array(m.rows));
    this.#size = new Int32Array(k);
    this.#head = new Int32Array(k);
    this.#countsLeft = new Float64Array(k);
    this.#countsAll = new Float64Array(k);
    this.#features = Int32Array.from({ length: m.cols }, (_, j) => j);
  }

  /** One tree over `sample` (row indices, repeats allowed); `sample` is reordered in place. */
  grow(sample: Int32Array, random: Random): Tree {
    const k = this.#k;
    const feature: number[] = [];
    const threshold: number[] = [];
    const left: number[] = [];
    const right: number[] = [];
    const value: number[] = [];
    const stack: { start: number; end: number; depth: number; node: number }[] = [];
    const newNode = (): number => {
      feature.push(-1);
      threshold.push(0);
      left.push(-1);
      right.push(-1);
      for (let c = 0; c < k; c++) value.push(0);
      return feature.length - 1;
    };
    stack.push({ start: 0, end: sample.length, depth: 0, node: newNode() });
    for (let item = stack.pop(); item !== undefined; item = stack.pop()) {
      const { start, end, depth, node } = item;
      const counts = this.#countsAll.fill(0);
      for (let p = start; p < end; p++) {
        const c = this.#y[sample[p] as number] as number;
        counts[c] = (counts[c] as number) + 1;
      }
      const n = end - start;
      for (let c = 0; c < k; c++) value[node * k + c] = (counts[c] as number) / n;
      const pure = counts.some((c) => c === n);
      if (pure || depth >= this.#opts.maxDepth || n < 2 * this.#opts.minLeaf) continue;
      const split = this.#bestSplit(sample, start, end, random);
      if (split === null) continue;
      let mid = start;
      const data = this.#m.data;
      const cols = this.#m.cols;
      for (let p = start; p < end; p++) {
        const row = sample[p] as number;
        if ((data[row * cols + split.feature] as number) <= split.threshold) {
          sample[p] = sample[mid] as number;
          sample[mid] = row;
          mid++;
        }
      }
      feature[node] = split.feature;
      threshold[node] = split.threshold;
      const l = newNode();
      const r = newNode();
      left[node] = l;
      right[node] = r;
      stack.push({ start: mid, end, depth: depth + 1, node: r });
      stack.push({ start, end: mid, depth: depth + 1, node: l });
    }
    return {
      feature: Int32Array.from(feature),
      threshold: Float64Array.from(threshold),
      left: Int32Array.from(left),
      right: Int32Array.from(right),
      value: Float64Array.from(value),
    };
  }

  /** The split of lowest weighted Gini over a random feature subset, or null if none is valid. */
  #bestSplit(
    sample: Int32Array,
    start: number,
    end: number,
    random: Random,
  ): { feature: number; threshold: number } | null {
    const { minLeaf, maxFeatures } = this.#opts;
    const { data, cols } = this.#m;
    const k = this.#k;
    const n = end - start;
    const features = this.#features;
    const all = this.#countsAll;
    const byClass = this.#byClass;
    const size = this.#size;
    const head = this.#head;
    let sumSqAll = 0;
    for (let c = 0; c < k; c++) sumSqAll += (all[c] as number) ** 2;
    let best: { feature: number; threshold: number } | null = null;
    // Maximising Σ cL²/nL + Σ cR²/nR is minimising the size-weighted Gini of the children.
    let bestProxy = Number.NEGATIVE_INFINITY;
    let tried = 0;
    for (let f = 0; f < cols && (tried < maxFeatures || best === null); f++) {
      const pick = f + Math.floor(random() * (cols - f));
      const j = features[pick] as number;
      features[pick] = features[f] as number;
      features[f] = j;
      // The node's values of feature j split by class, each sorted natively (no comparator),
      // then merged in ascending order: much faster than sorting row indices by value.
      size.fill(0);
      let lo = Number.POSITIVE_INFINITY;
      let hi = Number.NEGATIVE_INFINITY;
      for (let p = start; p < end; p++) {
        const row = sample[p] as number;
        const cls = this.#y[row] as number;
        const v = data[row * cols + j] as number;
        if (v < lo) lo = v;
        if (v > hi) hi = v;
        (byClass[cls] as Float64Array)[size[cls] as number] = v;
        size[cls] = (size[cls] as number) + 1;
      }
      if (lo === hi) continue;
      tried++;
      for (let c = 0; c < k; c++) (byClass[c] as Float64Array).subarray(0, size[c]).sort();
      head.fill(0);
      const cl = this.#countsLeft.fill(0);
      let sumSqL = 0;
      let sumSqR = sumSqAll;
      let c = nextClass(byClass, head, size, k);
      for (let nl = 1; nl < n; nl++) {
        const v = (byClass[c] as Float64Array)[head[c] as number] as number;
        head[c] = (head[c] as number) + 1;
        const cLeft = cl[c] as number;
        const cRight = (all[c] as number) - cLeft;
        sumSqL += 2 * cLeft + 1;
        sumSqR -= 2 * cRight - 1;
        cl[c] = cLeft + 1;
        c = nextClass(byClass, head, size, k);
        const next = (byClass[c] as Float64Array)[head[c] as number] as number;
        if (nl < minLeaf || n - nl < minLeaf || v === next) continue;
        const proxy = sumSqL / nl + sumSqR / (n - nl);
        if (proxy > bestProxy) {
          bestProxy = proxy;
          const midpoint = v + (next - v) / 2;
          best = { feature: j, threshold: midpoint >= next ? v : midpoint };
        }
      }
    }
    return best;
  }
}

/** The class holding the smallest unread value over the per-class sorted lists (−1 if none). */
function nextClass(
  byClass: readonly Float64Array[],
  head: Int32Array,
  size: Int32Array,
  k: number,
): number {
  let value = Number.POSITIVE_INFINITY;
  let cls = -1;
  for (let c = 0; c < k; c++) {
    const h = head[c] as number;
    if (h < (size[c] as number)) {
      const v = (byClass[c] as Float64Array)[h] as number;
      if (cls < 0 || v < value) {
        value = v;
        cls = c;
      }
    }
  }
  return cls;
}
