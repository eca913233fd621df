import { AppError, seededRandom } from "@kamiyo/core";
import { assertFinite, type Matrix, validateMatrix } from "./matrix.ts";
import { TreeGrower } from "./random-forest/grow.ts";
import { type ClassLabels, toClassIds } from "./random-forest/labels.ts";
import { type RandomForestOptions, resolveOptions } from "./random-forest/options.ts";
import { addOutOfBag, oobAccuracy } from "./random-forest/out-of-bag.ts";
import { parseState, type RandomForestJson, treeToJson } from "./random-forest/state.ts";
import { argmax, findLeaf, type Tree } from "./random-forest/tree.ts";

export type { ClassLabels } from "./random-forest/labels.ts";
export type { RandomForestOptions } from "./random-forest/options.ts";
export type { RandomForestJson } from "./random-forest/state.ts";

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
    const { trees, bootstrap, grow } = resolveOptions(opts, m.cols);
    const random = seededRandom(opts.seed ?? 1);
    const grower = new TreeGrower(m, y, nClasses, grow);
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
      trees: this.#trees.map(treeToJson),
    };
  }

  /**
   * Restores a forest saved with {@link toJSON}.
   * @throws AppError invalid_input when the value does not match the schema or a tree is
   *   inconsistent (array lengths, a child index out of range or not after its parent, a feature
   *   index out of range).
   */
  static fromJSON(value: unknown): RandomForest {
    const { json, trees } = parseState(value);
    return new RandomForest(json.nFeatures, json.nClasses, json.featureNames, json.oobScore, trees);
  }
}
