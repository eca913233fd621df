import type { GraphOp, StoredResource } from "./builder.ts";
import type { EdgeRow, ResourceRow } from "./describe.ts";
import { type RelationRow, RelationSet, relationKey } from "./relation-set.ts";

/** What the store holds of a resource, with the times the writes need (ISO 8601). */
export interface StoredRow extends StoredResource {
  readonly labels: Readonly<Record<string, string>>;
  readonly firstSeenAt: string;
  readonly deletedAt: string | null;
}

/** A stored relation and whether its source is a tombstoned resource. */
export interface LoadedRelation extends RelationRow {
  readonly sourceDeleted: boolean;
}

/** A resource row to write, as the batch leaves it. */
export interface ResourceWrite {
  readonly resource: ResourceRow;
  readonly firstSeenAt: string;
  readonly deletedAt: string | null;
}

/**
 * The stored relations a batch's ops can change, which the store loads before planning: the live
 * ones asserted by `sources`, the live ones from or to `ends` (deleted objects, and the pods and
 * Services whose selector edges are matched again), and those from or to `reviveEnds` tombstoned
 * at one of `reviveTimes` (re-created objects).
 */
export interface RelationScope {
  readonly sources: readonly string[];
  readonly ends: readonly string[];
  readonly reviveEnds: readonly string[];
  readonly reviveTimes: readonly string[];
}

/** Edges of a Service's selector are asserted under this source, apart from its own edges. */
export const selectorSource = (serviceId: string) => `${serviceId}#selector`;

const resourceOf = (op: GraphOp) => (op.op === "upsert" ? op.described.resource : op.resource);

/** The ids of the pods and Services `ops` write, whose selector edges are matched again. */
export function selectorIds(ops: readonly GraphOp[]): string[] {
  const ids = ops.map(resourceOf).filter((r) => r.kind === "pod" || r.kind === "service");
  return [...new Set(ids.map((r) => r.id))];
}

/** Each op with the tombstone time of its object before it (undefined when live or new). */
function withTombstones(
  ops: readonly GraphOp[],
  stored: ReadonlyMap<string, StoredRow>,
  at: string,
) {
  const deletedAt = new Map<string, string>();
  for (const [id, s] of stored) if (s.deletedAt !== null) deletedAt.set(id, s.deletedAt);
  return ops.map((op) => {
    const id = resourceOf(op).id;
    const was = deletedAt.get(id);
    if (op.op === "delete") deletedAt.set(id, at);
    else deletedAt.delete(id);
    return { op, id, was };
  });
}

/** The stored relations {@link planRowWrites} and {@link matchSelectors} need to see for `ops`. */
export function relationScope(
  ops: readonly GraphOp[],
  stored: ReadonlyMap<string, StoredRow>,
  at: string,
): RelationScope {
  const sources = new Set<string>();
  const ends = new Set<string>(selectorIds(ops));
  const reviveEnds = new Set<string>();
  const reviveTimes = new Set<string>();
  for (const { op, id, was } of withTombstones(ops, stored, at)) {
    sources.add(id);
    if (op.op === "delete") ends.add(id);
    else if (was !== undefined) {
      reviveEnds.add(id);
      reviveTimes.add(was);
    }
  }
  return {
    sources: [...sources],
    ends: [...ends],
    reviveEnds: [...reviveEnds],
    reviveTimes: [...reviveTimes],
  };
}

/**
 * The resource rows a batch's ops leave, and its relations as they leave them (to write:
 * `relations.changed()`), applied in order to what the store holds (`stored` for the ops' objects, `relations`
 * as {@link relationScope} selects them): a resource is upserted (re-created: first seen again) or
 * tombstoned; a delete tombstones the live edges from, to or asserted by the object (its selector
 * edges start from it); a re-created object gets back the edges other live objects asserted to or
 * from it, tombstoned with it; an upsert makes the object's edges exactly those it asserts (new
 * ones inserted, tombstoned ones revived, a live one kept as it is unless its weight changed). A
 * relation not in `relations` is planned as new (the store keeps the first-seen time of a
 * tombstoned row it revives).
 */
export function planRowWrites(
  ops: readonly GraphOp[],
  stored: ReadonlyMap<string, StoredRow>,
  relations: readonly LoadedRelation[],
  at: string,
): { resources: ResourceWrite[]; relations: RelationSet } {
  const rels = new RelationSet();
  const sourceDeleted = new Map<string, boolean>();
  for (const { sourceDeleted: deleted, ...row } of relations) {
    rels.load(row);
    sourceDeleted.set(row.source, deleted);
  }
  const resources = new Map<string, ResourceWrite>();
  const isDeleted = (id: string) => {
    const w = resources.get(id) ?? stored.get(id);
    return w ? w.deletedAt !== null : (sourceDeleted.get(id) ?? false);
  };

  for (const { op, id, was } of withTombstones(ops, stored, at)) {
    const before = resources.get(id) ?? stored.get(id);
    const deletedAt = op.op === "delete" ? at : null;
    const revived = before !== undefined && before.deletedAt !== null && deletedAt === null;
    resources.set(id, {
      resource: resourceOf(op),
      firstSeenAt: before === undefined || revived ? at : before.firstSeenAt,
      deletedAt,
    });
    if (op.op === "delete") {
      for (const [key, r] of rels.touching(id, [id]))
        if (r.deletedAt === null) rels.set(key, { ...r, deletedAt: at });
      continue;
    }
    if (was !== undefined)
      for (const [key, r] of rels.touching(id, []))
        if (
          r.deletedAt === was &&
          r.source !== id &&
          !r.source.endsWith("#selector") &&
          !isDeleted(r.source)
        )
          rels.set(key, { ...r, deletedAt: null, lastSeenAt: at });
    replaceEdges(rels, id, op.described.edges, at);
  }
  return { resources: [...resources.values()], relations: rels };
}

/** Makes `edges` the live edges `source` asserts. */
function replaceEdges(rels: RelationSet, source: string, edges: readonly EdgeRow[], at: string) {
  const asserted = new Map(edges.map((e) => [relationKey({ ...e, source }), e]));
  for (const [key, r] of rels.touching(undefined, [source]))
    if (r.deletedAt === null && !asserted.has(key)) rels.set(key, { ...r, deletedAt: at });
  for (const [key, e] of asserted) {
    const r = rels.get(key);
    if (r === undefined)
      rels.set(key, { ...e, source, firstSeenAt: at, lastSeenAt: at, deletedAt: null });
    else if (r.deletedAt !== null || r.weight !== e.weight)
      rels.set(key, { ...r, weight: e.weight, lastSeenAt: at, deletedAt: null });
  }
}

/**
 * Makes the selector edges (`<service>#selector`) from or to `ids` exactly `matches` (Service,
 * pod pairs, as the store matched them after the batch's resources were written): the others
 * tombstoned, missing ones inserted, tombstoned ones revived, live ones left as they are.
 */
export function matchSelectors(
  rels: RelationSet,
  ids: readonly string[],
  matches: readonly (readonly [string, string])[],
  at: string,
): void {
  const wanted = new Map(
    matches.map(([from, to]) => {
      const source = selectorSource(from);
      return [relationKey({ type: "SELECTS", from, to, source }), { from, to, source }];
    }),
  );
  for (const id of ids)
    for (const [key, r] of rels.touching(id, []))
      if (
        r.type === "SELECTS" &&
        r.deletedAt === null &&
        r.source === selectorSource(r.from) &&
        !wanted.has(key)
      )
        rels.set(key, { ...r, deletedAt: at });
  for (const [key, m] of wanted) {
    const r = rels.get(key);
    if (r === undefined)
      rels.set(key, {
        type: "SELECTS",
        ...m,
        weight: 1,
        firstSeenAt: at,
        lastSeenAt: at,
        deletedAt: null,
      });
    else if (r.deletedAt !== null) rels.set(key, { ...r, deletedAt: null, lastSeenAt: at });
  }
}
