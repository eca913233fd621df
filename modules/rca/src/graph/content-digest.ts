import { createHash } from "node:crypto";

/**
 * The annotation that carries a ConfigMap's or Secret's content digest once its contents were
 * removed: the SHA-256 of its `data`, `binaryData` and `stringData` (keys sorted). It tells a
 * change of contents (a config edit) from a change of metadata only (a leader-election lease
 * renewed in an annotation) without the contents ever leaving the cluster.
 */
export const CONTENT_DIGEST = "kamiyo.io/content-sha256";

/**
 * A Secret or ConfigMap without its contents, its digest in {@link CONTENT_DIGEST} (an object
 * already stripped keeps the digest it carries); any other object as it is.
 */
export function withoutContents<T extends { kind?: string }>(o: T): T {
  if (o.kind !== "Secret" && o.kind !== "ConfigMap") return o;
  const { data, binaryData, stringData, metadata, ...rest } = o as T & {
    data?: unknown;
    binaryData?: unknown;
    stringData?: unknown;
    metadata?: { annotations?: Record<string, string> };
  };
  if (data === undefined && binaryData === undefined && stringData === undefined) return o;
  const digest = createHash("sha256")
    .update(JSON.stringify([sorted(data), sorted(binaryData), sorted(stringData)]))
    .digest("hex");
  const annotations = { ...metadata?.annotations, [CONTENT_DIGEST]: digest };
  return { ...rest, metadata: { ...metadata, annotations } } as unknown as T;
}

function sorted(v: unknown): unknown {
  if (!v || typeof v !== "object") return v ?? null;
  return Object.fromEntries(
    Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : 1)),
  );
}
