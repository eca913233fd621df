import { AppError } from "@kamiyo/core";
import type { GrowOptions } from "./grow.ts";

/** Options of `RandomForest.fit`. */
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

function invalid(message: string, details: Record<string, unknown> = {}): AppError {
  return new AppError("invalid_input", message, { details });
}

function positiveInt(v: number, name: string): number {
  if (!Number.isInteger(v) || v < 1) {
    throw invalid(`random forest: ${name} must be a positive integer, got ${v}`, { [name]: v });
  }
  return v;
}

/**
 * Tree count, bootstrap flag and growth rules with their defaults applied; `maxFeatures` is
 * resolved for `cols` features and capped at `cols`.
 * @throws AppError invalid_input for a tree count, minSamplesLeaf or maxFeatures that is not a
 *   positive integer, or a negative maxDepth (naming the option).
 */
export function resolveOptions(
  opts: RandomForestOptions,
  cols: number,
): { trees: number; bootstrap: boolean; grow: GrowOptions } {
  const trees = positiveInt(opts.trees ?? 100, "trees");
  const minLeaf = positiveInt(opts.minSamplesLeaf ?? 1, "minSamplesLeaf");
  const maxDepth = opts.maxDepth ?? Number.POSITIVE_INFINITY;
  if (!(maxDepth >= 0)) throw invalid(`random forest: maxDepth must be ≥ 0, got ${maxDepth}`);
  const mf = opts.maxFeatures ?? "sqrt";
  const maxFeatures =
    mf === "sqrt" ? Math.max(1, Math.floor(Math.sqrt(cols))) : positiveInt(mf, "maxFeatures");
  const bootstrap = opts.bootstrap ?? true;
  return {
    trees,
    bootstrap,
    grow: { minLeaf, maxDepth, maxFeatures: Math.min(maxFeatures, cols) },
  };
}
