import { AppError, type Random, seededRandom } from "@kamiyo/core";
import { z } from "zod";
import { assertFinite, type Matrix, validateMatrix } from "./matrix.ts";

/** Options of {@link RandomForest.fit}. */
export interface RandomForestOptions {
  /** Number of trees; default 100. */
  trees?: number;
  /** Maximum depth (root = 0); default unlimited (grow until pure or `minSamplesLeaf`). */
  maxDepth?: number;
  /** Fewest (bootstrap) rows a leaf may hold; default 1. */
  minSamplesLeaf?: number;
  /** Features tried per split: "sqrt" = max(1, ⌊√features⌋) (default) or a count. */
  maxFeatures?: "sqrt" | number;
  /** Train each tree on a bootstrap sample (default true); false = every tree sees all rows. */
  bootstrap?: boolean;
  /** Compute the out-of-bag accuracy (needs bootstrap); default false. */
  oobScore?: boolean;
  /** Default 1. */
  seed?: number;
  featureNames?: readonly string[];
}

/** Class labels: integers 0..k−1, or booleans (false = 0, true = 1). */
export type ClassLabels = readonly number[] | readonly boolean[] | Uint8Array;

/** One tree as parallel arrays indexed by node; a leaf has feature −1. */
interface Tree {
  feature: Int32Array;
  threshold: Float64Array;
  left: Int32Array;
  right: Int32Array;
  /** nodes × classes: the class frequencies of the bootstrap rows in each leaf. */
  value: Float64Array;
}

const treeSchema = z.object({
  feature: z.array(z.number().int().min(-1)),
  threshold: z.array(z.number()),
  left: z.array(z.number().int().min(-1)),
  right: z.array(z.number().int().min(-1)),
  value: z.array(z.number().min(0).max(1)),
});
const jsonSchema = z.object({
  format: z.literal("kamiyo.random-forest"),
  version: z.literal(1),
  nFeatures: z.number().int().positive(),
  nClasses: z.number().int().min(2),
  featureNames: z.array(z.string()).optional(),
  oobScore: z.number().nullable(),
  trees: z.array(treeSchema).min(1),
});

/** The JSON form of a {@link RandomForest}. */
export type RandomForestJson = z.infer<typeof jsonSchema>;

function invalid(message: string, details: Record<string, unknown> = {}): AppError {
  return new AppError("invalid_input", message, { details });
}

/**
 * Random Forest classifier (Breiman 2001): CART trees grown with the Gini criterion on bootstrap
 * samples, a fresh random subset of features at each split (the search goes on past `maxFeatures`
 * until a valid split is found, as scikit-learn), thresholds midway between sorted values (go left
 * when value ≤ threshold). Probabilities are the mean over trees of the leaf class frequencies,
 * as scikit-learn's `predict_proba`.
 */
export class RandomForest {
  readonly nFeatures: number;
  readonly nClasses: number;
  readonly featureNames: readonly string[] | undefined;
  /** Out-of-bag accuracy when requested at fit and some row was out of bag, else null. */
  readonly oobScore: number | null;
  readonly #trees: readonly Tree[];

  private constructor(
    nFeatures: number,
    nClasses: number,
    featureNames: readonly string[] | undefined,
    oobScore: number | null,
    trees: readonly Tree[],
  ) {
    this.nFeatures = nFeatures;
    this.nClasses = nClasses;
    this.featureNames = featureNames;
    this.oobScore = oobScore;
    this.#trees = trees;
  }

  /** Number of trees. */
  get treeCount(): number {
    return this.#trees.length;
  }

  /**
   * Grows the forest on `x` with one label per row.
   * @throws AppError invalid_input for NaN/±Infinity, labels of another length than the rows, a
   *   label that is not an integer ≥ 0, fewer than 2 classes present, or a bad option.
   */
  static fit(
    x: Matrix | readonly (readonly number[])[],
    labels: ClassLabels,
    opts: RandomForestOptions = {},
  ): RandomForest {
    const m = validateMatrix(x, {
      what: "random forest training data",
      minRows: 2,
      featureNames: opts.featureNames,
    });
    const y = toClassIds(labels, m.rows);
    const nClasses = Math.max(...y) + 1;
    if (new Set(y).size < 2)
      throw invalid("random forest: labels hold a single class", { nClasses });
    const trees = positiveInt(opts.trees ?? 100, "trees");
    const minLeaf = positiveInt(opts.minSamplesLeaf ?? 1, "minSamplesLeaf");
    const maxDepth = opts.maxDepth ?? Number.POSITIVE_INFINITY;
    if (!(maxDepth >= 0)) throw invalid(`random forest: maxDepth must be ≥ 0, got ${maxDepth}`);
    const mf = opts.maxFeatures ?? "sqrt";
    const maxFeatures =
      mf === "sqrt" ? Math.max(1, Math.floor(Math.sqrt(m.cols))) : positiveInt(mf, "maxFeatures");
    const bootstrap = opts.bootstrap ?? true;
    const random = seededRandom(opts.seed ?? 1);
    const grower = new TreeGrower(m, y, nClasses, {
      minLeaf,
      maxDepth,
      maxFeatures: Math.min(maxFeatures, m.cols),
    });
    const oob = opts.oobScore && bootstrap ? new Float64Array(m.rows * nClasses) : null;
    const grown: Tree[] = [];
    for (let t = 0; t < trees; t++) {
      const sample = new Int32Array(m.rows);
      for (let i = 0; i < m.rows; i++) sample[i] = bootstrap ? Math.floor(random() * m.rows) : i;
      const tree = grower.grow(sample, random);
      grown.push(tree);
      if (oob !== null) addOutOfBag(tree, m, sample, nClasses, oob);
    }
    const score = oob === null ? null : oobAccuracy(oob, y, nClasses);
    const names = opts.featureNames === undefined ? undefined : [...opts.featureNames];
    return new RandomForest(m.cols, nClasses, names, score, grown);
  }

  /**
   * Class probabilities: a rows × classes matrix (row-major), each row summing to 1.
   * @throws AppError invalid_input for a wrong column count or a NaN/±Infinity value.
   */
  predictProba(x: Matrix | readonly (readonly number[])[]): Matrix {
    const m = validateMatrix(x, {
      what: "random forest input",
      cols: this.nFeatures,
      featureNames: this.featureNames,
    });
    const k = this.nClasses;
    const data = new Float64Array(m.rows * k);
    for (let i = 0; i < m.rows; i++) this.#accumulate(m.data, i * m.cols, data, i * k);
    return { rows: m.rows, cols: k, data };
  }

  /** Class probabilities of one row. @throws AppError invalid_input as predictProba. */
  predictProbaOne(row: ArrayLike<number>): Float64Array {
    if (row.length !== this.nFeatures) {
      throw invalid(`random forest row has ${row.length} values, expected ${this.nFeatures}`);
    }
    assertFinite(row, this.nFeatures, "random forest row", this.featureNames);
    const out = new Float64Array(this.nClasses);
    this.#accumulate(row, 0, out, 0);
    return out;
  }

  /** The most probable class per row (lowest class id on ties). */
  predict(x: Matrix | readonly (readonly number[])[]): Int32Array {
    const p = this.predictProba(x);
    return Int32Array.from({ length: p.rows }, (_, i) => argmax(p.data, i * p.cols, p.cols));
  }

  #accumulate(data: ArrayLike<number>, at: number, out: Float64Array, to: number): void {
    const k = this.nClasses;
    for (const tree of this.#trees) {
      const leaf = findLeaf(tree, data, at);
      for (let c = 0; c < k; c++) {
        out[to + c] = (out[to + c] as number) + (tree.value[leaf * k + c] as number);
      }
    }
    // Rounding can leave a sum of frequencies a hair above the tree count.
    const trees = this.#trees.length;
    for (let c = 0; c < k; c++) out[to + c] = Math.min(1, (out[to + c] as number) / trees);
  }

  /** Every tree's arrays as plain number arrays. */
  toJSON(): RandomForestJson {
    return {
      format: "kamiyo.random-forest",
      version: 1,
      nFeatures: this.nFeatures,
      nClasses: this.nClasses,
      featureNames: this.featureNames === undefined ? undefined : [...this.featureNames],
      oobScore: this.oobScore,
      trees: this.#trees.map((t) => ({
        feature: Array.from(t.feature),
        threshold: Array.from(t.threshold),
        left: Array.from(t.left),
        right: Array.from(t.right),
        value: Array.from(t.value),
      })),
    };
  }

  /**
   * Restores a forest saved with {@link toJSON}.
   * @throws AppError invalid_input when the value does not match the schema or a tree is
   *   inconsistent (array lengths, a child index out of range or not after its parent, a feature
   *   index out of range).
   */
  static fromJSON(value: unknown): RandomForest {
    const parsed = jsonSchema.safeParse(value);
    if (!parsed.success) {
      throw invalid(`random forest JSON is invalid: ${z.prettifyError(parsed.error)}`);
    }
    const json = parsed.data;
    const trees = json.trees.map((t, i) => checkTree(t, i, json.nFeatures, json.nClasses));
    return new RandomForest(json.nFeatures, json.nClasses, json.featureNames, json.oobScore, trees);
  }
}

function positiveInt(v: number, name: string): number {
  if (!Number.isInteger(v) || v < 1) {
    throw invalid(`random forest: ${name} must be a positive integer, got ${v}`, { [name]: v });
  }
  return v;
}

function toClassIds(labels: ClassLabels, rows: number): Int32Array {
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

function findLeaf(tree: Tree, data: ArrayLike<number>, at: number): number {
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

function argmax(data: Float64Array, at: number, k: number): number {
  let best = 0;
  for (let c = 1; c < k; c++) if ((data[at + c] as number) > (data[at + best] as number)) best = c;
  return best;
}

function addOutOfBag(
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

function oobAccuracy(oob: Float64Array, y: Int32Array, k: number): number | null {
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

function checkTree(t: z.infer<typeof treeSchema>, index: number, d: number, k: number): Tree {
  const n = t.feature.length;
  const bad = (why: string) => invalid(`random forest JSON is invalid: tree ${index} ${why}`);
  if (n === 0 || t.threshold.length !== n || t.left.length !== n || t.right.length !== n) {
    throw bad("has arrays of different lengths");
  }
  if (t.value.length !== n * k) throw bad(`value has ${t.value.length} entries, expected ${n * k}`);
  for (let i = 0; i < n; i++) {
    const f = t.feature[i] as number;
    if (f >= d) throw bad(`node ${i} splits on feature ${f} of ${d}`);
    if (f < 0) continue;
    for (const child of [t.left[i] as number, t.right[i] as number]) {
      if (child <= i || child >= n) throw bad(`node ${i} has child ${child} out of range`);
    }
  }
  return {
    feature: Int32Array.from(t.feature),
    threshold: Float64Array.from(t.threshold),
    left: Int32Array.from(t.left),
    right: Int32Array.from(t.right),
    value: Float64Array.from(t.value),
  };
}

interface GrowOptions {
  minLeaf: number;
  maxDepth: number;
  maxFeatures: number;
}

/** Grows CART trees over one training matrix, reusing its scratch buffers between trees. */
class TreeGrower {
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
