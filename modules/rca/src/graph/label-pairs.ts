import type { ResourceWrite, StoredRow } from "./row-writes.ts";

/** One row of the live pods' label lookup (`rca_pod_labels`): `label` is `key=value`. */
export interface PodLabel {
  readonly namespace: string;
  readonly label: string;
  readonly podId: string;
}

/** A label or selector pair as the store matches them: `key=value` (neither holds '='). */
export const labelPair = (key: string, value: string) => `${key}=${value}`;

/**
 * The pair a Service's selector is found by (`rca_resources.selector_key`): its first by key. A
 * pod it selects has every pair of the selector, this one too, so a pod's candidate Services are
 * those keyed by one of its pairs (and a Service's candidate pods those with this pair). Undefined
 * for no selector or an empty one, which selects nothing.
 */
export function selectorKey(
  selector: Readonly<Record<string, string>> | undefined,
): string | undefined {
  const first = Object.keys(selector ?? {}).sort()[0];
  return first === undefined ? undefined : labelPair(first, selector?.[first] as string);
}

/** A live pod's label rows; none for another kind, a tombstone or a pod without a namespace. */
function rowsOf(
  id: string,
  kind: string,
  namespace: string | undefined,
  labels: Readonly<Record<string, string>>,
  deleted: boolean,
): Map<string, PodLabel> {
  const rows = new Map<string, PodLabel>();
  if (kind !== "pod" || deleted || namespace === undefined) return rows;
  for (const [k, v] of Object.entries(labels)) {
    const label = labelPair(k, v);
    rows.set(label, { namespace, label, podId: id });
  }
  return rows;
}

/**
 * The label rows a batch's resource writes remove and add: a pod's rows follow its labels while it
 * is live, and go when it is tombstoned. `stored` holds what the store had of the written ids
 * before the batch. A pod written again with the same labels changes nothing.
 */
export function podLabelChanges(
  writes: readonly ResourceWrite[],
  stored: ReadonlyMap<string, StoredRow>,
): { removed: PodLabel[]; added: PodLabel[] } {
  const removed: PodLabel[] = [];
  const added: PodLabel[] = [];
  for (const { resource: r, deletedAt } of writes) {
    const before = stored.get(r.id);
    const had = before
      ? rowsOf(r.id, r.kind, r.namespace, before.labels, before.deletedAt !== null)
      : new Map<string, PodLabel>();
    const has = rowsOf(r.id, r.kind, r.namespace, r.labels, deletedAt !== null);
    for (const [label, row] of had) if (!has.has(label)) removed.push(row);
    for (const [label, row] of has) if (!had.has(label)) added.push(row);
  }
  return { removed, added };
}
