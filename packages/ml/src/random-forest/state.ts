import { AppError } from "@kamiyo/core";
import { z } from "zod";
import type { Tree } from "./tree.ts";

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

/** The JSON form of a `RandomForest`. */
export type RandomForestJson = z.infer<typeof jsonSchema>;

function invalid(message: string, details: Record<string, unknown> = {}): AppError {
  return new AppError("invalid_input", message, { details });
}

/** A tree's arrays as plain number arrays. */
export function treeToJson(t: Tree): RandomForestJson["trees"][number] {
  return {
    feature: Array.from(t.feature),
    threshold: Array.from(t.threshold),
    left: Array.from(t.left),
    right: Array.from(t.right),
    value: Array.from(t.value),
  };
}

/**
 * Checks a stored forest and rebuilds its trees.
 * @throws AppError invalid_input when the value does not match the schema or a tree is
 *   inconsistent (array lengths, a child index out of range or not after its parent, a feature
 *   index out of range).
 */
export function parseState(value: unknown): { json: RandomForestJson; trees: Tree[] } {
  const parsed = jsonSchema.safeParse(value);
  if (!parsed.success) {
    throw invalid(`random forest JSON is invalid: ${z.prettifyError(parsed.error)}`);
  }
  const json = parsed.data;
  const trees = json.trees.map((t, i) => checkTree(t, i, json.nFeatures, json.nClasses));
  return { json, trees };
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
