import { AppError } from "@kamiyo/core";
import { z } from "zod";
import type { Forest } from "./forest.ts";
import { averagePathLength, heightLimit } from "./path-length.ts";

/** Anomaly scores s of the training rows: how the model sees the data it learnt from. */
const summarySchema = z.object({
  rows: z.number().int().positive(),
  min: z.number(),
  p50: z.number(),
  p95: z.number(),
  p99: z.number(),
  max: z.number(),
});

/** One tree: node arrays of equal length; tree-local child indices (see {@link Forest}). */
const treeSchema = z.object({
  feature: z.array(z.number().int().min(-1)).min(1),
  value: z.array(z.number()).min(1),
  left: z.array(z.number().int().min(0)).min(1),
});

/** Shape of a stored model; `parseState` adds the checks across fields (tree consistency). */
export const isolationForestStateSchema = z.object({
  format: z.literal("kamiyo.isolation-forest"),
  version: z.literal(1),
  params: z.object({
    trees: z.number().int().min(1),
    sampleSize: z.number().int().min(2),
    contamination: z.union([z.literal("auto"), z.number().gt(0).max(0.5)]),
    seed: z.number().int(),
  }),
  nFeatures: z.number().int().min(1),
  featureNames: z.array(z.string().min(1)).optional(),
  offset: z.number(),
  threshold: z.number().gt(0).max(1),
  trainingScores: summarySchema,
  trees: z.array(treeSchema).min(1),
});

/** The JSON form of a fitted IsolationForest (`toJSON()`), read back by `fromJSON`. */
export type IsolationForestState = z.infer<typeof isolationForestStateSchema>;
/** Summary of the anomaly scores s of the training rows (min, median, 95th, 99th, max). */
export type ScoreSummary = z.infer<typeof summarySchema>;

/**
 * The trees as JSON arrays: per node the feature (−1 for a leaf), the value (split threshold, or
 * a leaf's path length) and the left child (local to the tree; 0 for a leaf).
 */
export function forestToJson(forest: Forest): IsolationForestState["trees"] {
  const { feature, threshold, left, pathLength, roots } = forest;
  return Array.from(roots, (root, t) => {
    const end = t + 1 < roots.length ? (roots[t + 1] as number) : feature.length;
    const tree = { feature: [] as number[], value: [] as number[], left: [] as number[] };
    for (let k = root; k < end; k++) {
      const leaf = left[k] === k;
      tree.feature.push(leaf ? -1 : (feature[k] as number));
      tree.value.push(leaf ? (pathLength[k] as number) : (threshold[k] as number));
      tree.left.push(leaf ? 0 : (left[k] as number) - root);
    }
    return tree;
  });
}

function corrupt(message: string, details: Record<string, unknown> = {}): AppError {
  return new AppError("invalid_input", `isolation forest model is invalid: ${message}`, {
    details,
  });
}

/**
 * Checks a stored model (an object, or its JSON text) and rebuilds its forest.
 * @throws AppError invalid_input naming the first problem: not JSON (a truncated file), a
 *   missing or mistyped field (with its path), or trees that are not consistent (a child out of
 *   range or not after its parent, a feature index past nFeatures, a tree deeper than the height
 *   limit, a leaf path length out of range).
 */
export function parseState(input: unknown): { state: IsolationForestState; forest: Forest } {
  let raw = input;
  if (typeof input === "string") {
    try {
      raw = JSON.parse(input);
    } catch (err) {
      throw corrupt(`not JSON (a truncated or damaged file?): ${(err as Error).message}`);
    }
  }
  const parsed = isolationForestStateSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue && issue.path.length > 0 ? issue.path.join(".") : "(root)";
    throw corrupt(`${where}: ${issue?.message ?? "invalid"}`, { path: issue?.path });
  }
  const state = parsed.data;
  const { params, nFeatures } = state;
  if (state.trees.length !== params.trees) {
    throw corrupt(`${state.trees.length} trees stored, params.trees says ${params.trees}`);
  }
  if (state.featureNames && state.featureNames.length !== nFeatures) {
    throw corrupt(`${state.featureNames.length} feature names for ${nFeatures} features`);
  }
  if (Math.abs(state.threshold + state.offset) > 1e-12) {
    throw corrupt(`threshold ${state.threshold} is not −offset (${state.offset})`);
  }
  const maxDepth = heightLimit(params.sampleSize);
  const maxPath = maxDepth + averagePathLength(params.sampleSize);
  const total = state.trees.reduce((n, t) => n + t.feature.length, 0);
  const feature = new Int32Array(total);
  const threshold = new Float64Array(total);
  const left = new Int32Array(total);
  const pathLength = new Float64Array(total);
  const roots = new Int32Array(state.trees.length);
  const depths = new Int32Array(state.trees.length);
  let root = 0;
  for (const [t, tree] of state.trees.entries()) {
    const n = tree.feature.length;
    if (tree.value.length !== n || tree.left.length !== n) {
      throw corrupt(
        `trees.${t}: ${n} features, ${tree.value.length} values and ${tree.left.length} children; they must be equal`,
      );
    }
    roots[t] = root;
    const depth = new Int32Array(n);
    for (let k = 0; k < n; k++) {
      const f = tree.feature[k] as number;
      const v = tree.value[k] as number;
      const l = tree.left[k] as number;
      const at = root + k;
      if (f >= nFeatures) throw corrupt(`trees.${t}.feature.${k}: ${f} ≥ nFeatures ${nFeatures}`);
      if (f < 0) {
        if (!(v >= 0 && v <= maxPath + 1e-9)) {
          throw corrupt(`trees.${t}.value.${k}: leaf path length ${v} is outside [0, ${maxPath}]`);
        }
        feature[at] = 0;
        threshold[at] = Number.POSITIVE_INFINITY;
        left[at] = at;
        pathLength[at] = v;
        continue;
      }
      if (l <= k || l + 1 >= n) {
        throw corrupt(`trees.${t}.left.${k}: child ${l} is not a node after ${k} of ${n}`);
      }
      const d = (depth[k] as number) + 1;
      if (d > maxDepth) {
        throw corrupt(
          `trees.${t}: deeper than ${maxDepth}, the height limit for ${params.sampleSize} rows`,
        );
      }
      depth[l] = d;
      depth[l + 1] = d;
      if (d > (depths[t] as number)) depths[t] = d;
      feature[at] = f;
      threshold[at] = v;
      left[at] = root + l;
    }
    root += n;
  }
  return { state, forest: { feature, threshold, left, pathLength, roots, depths } };
}
