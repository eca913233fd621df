import { AppError } from "@kamiyo/core";
import type { Db } from "@kamiyo/db";
import type { StatusSummary } from "../graph/describe.ts";
import type { EventKind } from "../graph/state-events.ts";
import type { EventSeverity, RelationType, ResourceKind } from "../model.ts";

/** A stored resource as the queries return it. */
export interface StoredResourceRow {
  readonly id: string;
  readonly kind: ResourceKind;
  readonly namespace: string | null;
  readonly name: string;
  readonly service: string | null;
  readonly uid: string | null;
  readonly labels: Readonly<Record<string, string>>;
  readonly status: StatusSummary;
  readonly resourceVersion: string | null;
  readonly firstSeenAt: Date;
  readonly lastSeenAt: Date;
  readonly deletedAt: Date | null;
}

/** A live edge (one per type and ends, whatever asserted it). */
export interface StoredRelation {
  readonly type: RelationType;
  readonly from: string;
  readonly to: string;
  readonly weight: number;
}

export interface StoredEvent {
  readonly id: string;
  readonly resourceId: string;
  readonly kind: EventKind;
  readonly reason: string;
  readonly severity: EventSeverity;
  readonly message: string;
  readonly data: Readonly<Record<string, unknown>>;
  readonly occurredAt: Date;
}

const RESOURCE_COLUMNS = `id, kind, namespace, name, service, uid, labels, status,
  resource_version AS "resourceVersion", first_seen_at AS "firstSeenAt",
  last_seen_at AS "lastSeenAt", deleted_at AS "deletedAt"`;

/**
 * Live relations: not tombstoned, and neither end a tombstoned resource (an end never seen as an
 * object, a node not yet watched, still counts).
 */
const LIVE_RELATIONS = `
  SELECT r.type, r.from_id, r.to_id, max(r.weight) AS weight FROM rca_relations r
  WHERE r.deleted_at IS NULL
    AND NOT EXISTS (SELECT 1 FROM rca_resources x WHERE x.tenant_id = r.tenant_id
                    AND x.id IN (r.from_id, r.to_id) AND x.deleted_at IS NOT NULL)
  GROUP BY r.type, r.from_id, r.to_id`;

export interface ListResourcesQuery {
  readonly kind?: ResourceKind;
  readonly namespace?: string;
  /** Names starting with this. */
  readonly namePrefix?: string;
  /** Also tombstoned resources (default false). */
  readonly includeDeleted?: boolean;
  /** Page size, 1–1000 (default 100). */
  readonly limit?: number;
  /** The previous page's `nextCursor`. */
  readonly cursor?: string;
}

/**
 * A page of the tenant's resources in id order, filtered by kind, namespace and name prefix.
 * @throws AppError("invalid_input") for a cursor this function did not make.
 */
export async function listResources(
  db: Db,
  q: ListResourcesQuery = {},
): Promise<{ items: StoredResourceRow[]; nextCursor: string | null }> {
  const limit = Math.min(Math.max(q.limit ?? 100, 1), 1000);
  let after: string | null = null;
  if (q.cursor !== undefined) {
    after = Buffer.from(q.cursor, "base64url").toString("utf8");
    if (!after.startsWith("r:")) throw new AppError("invalid_input", "cursor is not valid");
    after = after.slice(2);
  }
  const prefix = q.namePrefix === undefined ? null : `${q.namePrefix.replace(/[\\%_]/g, "\\$&")}%`;
  const rows = await db.query<StoredResourceRow>(
    `SELECT ${RESOURCE_COLUMNS} FROM rca_resources
     WHERE ($1::text IS NULL OR kind = $1) AND ($2::text IS NULL OR namespace = $2)
       AND ($3::text IS NULL OR name LIKE $3) AND ($4 OR deleted_at IS NULL)
       AND ($5::text IS NULL OR id > $5)
     ORDER BY id LIMIT $6`,
    [q.kind ?? null, q.namespace ?? null, prefix, q.includeDeleted === true, after, limit + 1],
  );
  const items = rows.slice(0, limit);
  const last = items.at(-1);
  return {
    items,
    nextCursor:
      rows.length > limit && last
        ? Buffer.from(`r:${last.id}`, "utf8").toString("base64url")
        : null,
  };
}

/** A subgraph: resources with their distance from the centre, and the live edges among them. */
export interface Neighbourhood {
  /** Each reached id with its hop count; `resource` is absent for an end never seen as an object. */
  readonly nodes: readonly { id: string; depth: number; resource?: StoredResourceRow }[];
  readonly relations: readonly StoredRelation[];
}

/**
 * The resources within `hops` (0–5) live edges of `id`, following edges both ways, and the live
 * edges among them (a recursive CTE over `rca_relations`). Empty when `id` is unknown or
 * tombstoned.
 */
export async function neighbourhood(db: Db, id: string, hops: number): Promise<Neighbourhood> {
  const depth = Math.min(Math.max(Math.trunc(hops), 0), 5);
  return db.transaction(async (tx) => {
    const [centre] = await tx.query<{ deleted: boolean }>(
      "SELECT deleted_at IS NOT NULL AS deleted FROM rca_resources WHERE id = $1",
      [id],
    );
    if (centre?.deleted) return { nodes: [], relations: [] };
    const reached = await tx.query<{ id: string; depth: number }>(
      `WITH RECURSIVE live AS (${LIVE_RELATIONS}),
       reach(id, depth) AS (
         SELECT $1::text, 0
         UNION
         SELECT CASE WHEN l.from_id = reach.id THEN l.to_id ELSE l.from_id END, reach.depth + 1
         FROM reach JOIN live l ON l.from_id = reach.id OR l.to_id = reach.id
         WHERE reach.depth < $2
       )
       SELECT id, min(depth)::int AS depth FROM reach GROUP BY id ORDER BY 2, 1`,
      [id, depth],
    );
    if (!centre && reached.length === 1) return { nodes: [], relations: [] };
    const ids = reached.map((r) => r.id);
    const resources = await tx.query<StoredResourceRow>(
      `SELECT ${RESOURCE_COLUMNS} FROM rca_resources WHERE id = ANY($1::text[])`,
      [ids],
    );
    const relations = await tx.query<StoredRelation>(
      `SELECT type, from_id AS "from", to_id AS "to", weight FROM (${LIVE_RELATIONS}) l
       WHERE from_id = ANY($1::text[]) AND to_id = ANY($1::text[]) ORDER BY 1, 2, 3`,
      [ids],
    );
    const byId = new Map(resources.map((r) => [r.id, r]));
    return {
      nodes: reached.map((r) => {
        const resource = byId.get(r.id);
        return { id: r.id, depth: r.depth, ...(resource ? { resource } : {}) };
      }),
      relations,
    };
  });
}

/** One path: the resources in order, and each step's edge (its own direction kept). */
export interface GraphPath {
  readonly ids: readonly string[];
  readonly relations: readonly StoredRelation[];
}

/**
 * The shortest simple paths (up to `limit`, default 3) from `from` to `to` over live edges taken
 * either way, of at most `maxHops` (1–6, default 4) edges; a recursive CTE that stops extending a
 * walk once it reaches `to`. Empty when none exists.
 */
export async function pathsBetween(
  db: Db,
  from: string,
  to: string,
  options: { maxHops?: number; limit?: number } = {},
): Promise<GraphPath[]> {
  const maxHops = Math.min(Math.max(options.maxHops ?? 4, 1), 6);
  const limit = Math.min(Math.max(options.limit ?? 3, 1), 20);
  const rows = await db.query<{ ids: string[]; relations: StoredRelation[] }>(
    `WITH RECURSIVE live AS (${LIVE_RELATIONS}),
     walk(id, ids, relations) AS (
       SELECT $1::text, ARRAY[$1::text], '[]'::jsonb
       UNION ALL
       SELECT nxt.id, w.ids || nxt.id,
         w.relations || jsonb_build_array(jsonb_build_object(
           'type', l.type, 'from', l.from_id, 'to', l.to_id, 'weight', l.weight))
       FROM walk w
       JOIN live l ON l.from_id = w.id OR l.to_id = w.id
       CROSS JOIN LATERAL (SELECT CASE WHEN l.from_id = w.id THEN l.to_id ELSE l.from_id END AS id) nxt
       WHERE w.id <> $2 AND cardinality(w.ids) <= $3 AND NOT nxt.id = ANY(w.ids)
     )
     SELECT ids, relations FROM walk WHERE id = $2 AND $1 <> $2
     ORDER BY cardinality(ids), array_to_string(ids, ' ') LIMIT $4`,
    [from, to, maxHops, limit],
  );
  return rows.map((r) => ({ ids: r.ids, relations: r.relations }));
}

export interface EventsQuery {
  /** Window start (inclusive). */
  readonly from: Date;
  /** Window end (exclusive). */
  readonly to: Date;
  /** Only events on these resources. */
  readonly resourceIds?: readonly string[];
  readonly kinds?: readonly EventKind[];
  /** At most this many, 1–10 000 (default 1000), oldest first. */
  readonly limit?: number;
}

/** The tenant's events in `[from, to)`, oldest first. */
export async function eventsInWindow(db: Db, q: EventsQuery): Promise<StoredEvent[]> {
  return db.query<StoredEvent>(
    `SELECT id, resource_id AS "resourceId", kind, reason, severity, message, data,
       occurred_at AS "occurredAt"
     FROM rca_events
     WHERE occurred_at >= $1 AND occurred_at < $2
       AND ($3::text[] IS NULL OR resource_id = ANY($3::text[]))
       AND ($4::text[] IS NULL OR kind = ANY($4::text[]))
     ORDER BY occurred_at, id LIMIT $5`,
    [
      q.from.toISOString(),
      q.to.toISOString(),
      q.resourceIds ?? null,
      q.kinds ?? null,
      Math.min(Math.max(q.limit ?? 1000, 1), 10_000),
    ],
  );
}
