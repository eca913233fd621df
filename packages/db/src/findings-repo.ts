import type { Evidence, Finding, Severity, Subject } from "@kamiyo/core";
import type { Queryable } from "./db.ts";
import { insertRows } from "./insert-rows.ts";
import type { JsonPage } from "./json-page.ts";

interface FindingRow {
  tenant_id: string;
  id: string;
  detector: string;
  kind: string;
  subject_type: Subject["type"];
  subject: string;
  instance_key: string;
  severity: Severity;
  status: Finding["status"];
  title: string;
  evidence: Evidence;
  first_data_at: Date;
  data_at: Date;
  detected_at: Date;
  updated_at: Date;
  resolved_at: Date | null;
  occurrences: number;
}

const COLUMNS = [
  "tenant_id",
  "id",
  "detector",
  "kind",
  "subject_type",
  "subject",
  "instance_key",
  "severity",
  "status",
  "title",
  "evidence",
  "first_data_at",
  "data_at",
  "detected_at",
  "updated_at",
  "resolved_at",
  "occurrences",
] as const;

/** The columns a Finding is read from (not the stored API JSON, which list pages read alone). */
const SELECTED = COLUMNS.join(", ");

const UPSERT = `ON CONFLICT (tenant_id, id) DO UPDATE SET
  severity = EXCLUDED.severity, status = EXCLUDED.status, title = EXCLUDED.title,
  evidence = EXCLUDED.evidence, data_at = EXCLUDED.data_at, updated_at = EXCLUDED.updated_at,
  resolved_at = EXCLUDED.resolved_at, occurrences = EXCLUDED.occurrences`;

/** Inserts or updates findings (the latest state of each wins). */
export async function upsertFindings(q: Queryable, findings: readonly Finding[]): Promise<void> {
  if (findings.length === 0) return;
  const latest = new Map<string, Finding>();
  for (const f of findings) latest.set(`${f.tenantId}|${f.id}`, f);
  const rows = [...latest.values()].map((f) => [
    f.tenantId,
    f.id,
    f.detector,
    f.kind,
    f.subject.type,
    f.subject.id,
    f.key,
    f.severity,
    f.status,
    f.title,
    JSON.stringify(f.evidence),
    new Date(f.firstDataAt),
    new Date(f.dataAt),
    new Date(f.detectedAt),
    new Date(f.updatedAt),
    f.resolvedAt === null ? null : new Date(f.resolvedAt),
    f.occurrences,
  ]);
  await insertRows(q, "findings", COLUMNS, rows, UPSERT);
}

/** Open findings of a tenant (restored into the tracker at start-up). */
export async function listOpenFindings(q: Queryable, tenantId: string): Promise<Finding[]> {
  const rows = await q.query<FindingRow>(
    `SELECT ${SELECTED} FROM findings WHERE tenant_id = $1 AND status = 'open' ORDER BY detected_at`,
    [tenantId],
  );
  return rows.map(toFinding);
}

/** One finding by id, or null. */
export async function getFinding(
  q: Queryable,
  tenantId: string,
  id: string,
): Promise<Finding | null> {
  const rows = await q.query<FindingRow>(
    `SELECT ${SELECTED} FROM findings WHERE tenant_id = $1 AND id = $2`,
    [tenantId, id],
  );
  return rows[0] ? toFinding(rows[0]) : null;
}

/** Findings of a tenant by id, in no particular order; unknown ids are skipped. */
export async function listFindingsByIds(
  q: Queryable,
  tenantId: string,
  ids: readonly string[],
): Promise<Finding[]> {
  if (ids.length === 0) return [];
  const rows = await q.query<FindingRow>(
    `SELECT ${SELECTED} FROM findings WHERE tenant_id = $1 AND id = ANY($2::text[])`,
    [tenantId, [...ids]],
  );
  return rows.map(toFinding);
}

/** Filters for {@link listFindings}; all optional. Times are epoch ms. */
export interface FindingFilter {
  detector?: string;
  severities?: readonly Severity[];
  subject?: string;
  status?: Finding["status"];
  kinds?: readonly string[];
  /** Detected at or after. */
  since?: number;
  /** Detected before. */
  until?: number;
  /** Keyset cursor: findings strictly after this one in (detected_at, id) descending order. */
  before?: { detectedAt: number; id: string };
  limit: number;
}

/** The WHERE clause and parameters of {@link FindingFilter}, severities and `limit` aside. */
function findingConditions(tenantId: string, filter: FindingFilter) {
  const where = ["tenant_id = $1"];
  const params: unknown[] = [tenantId];
  const add = (clause: (n: string) => string, value: unknown) => {
    params.push(value);
    where.push(clause(`$${params.length}`));
  };
  if (filter.detector !== undefined) add((p) => `detector = ${p}`, filter.detector);
  if (filter.kinds !== undefined) add((p) => `kind = ANY(${p})`, [...filter.kinds]);
  if (filter.subject !== undefined) add((p) => `subject = ${p}`, filter.subject);
  if (filter.status !== undefined) add((p) => `status = ${p}`, filter.status);
  if (filter.since !== undefined) add((p) => `detected_at >= ${p}`, new Date(filter.since));
  if (filter.until !== undefined) add((p) => `detected_at < ${p}`, new Date(filter.until));
  if (filter.before !== undefined) {
    params.push(new Date(filter.before.detectedAt), filter.before.id);
    where.push(`(detected_at, id) < ($${params.length - 1}, $${params.length})`);
  }
  return { where: where.join(" AND "), params };
}

/** A tenant's findings, newest detection first (ties by id), for keyset pagination. */
export async function listFindings(
  q: Queryable,
  tenantId: string,
  filter: FindingFilter,
): Promise<Finding[]> {
  const { sql, params } = pageQuery(SELECTED, tenantId, filter, filter.limit);
  return (await q.query<FindingRow>(sql, params)).map(toFinding);
}

/**
 * One page of {@link listFindings} as JSON: the findings' stored API JSON (`api_json`, kept by the
 * database from each row, migration 0007) joined by commas, and the keyset position of the last
 * one when more follow. Nothing is decoded but one text column a row, and nothing re-encoded.
 */
export async function listFindingsJson(
  q: Queryable,
  tenantId: string,
  filter: FindingFilter,
): Promise<JsonPage<{ detectedAt: number; id: string }>> {
  const { sql, params } = pageQuery("api_json", tenantId, filter, filter.limit + 1);
  const rows = await q.query<{ api_json: string }>(sql, params);
  const page = rows.length > filter.limit ? rows.slice(0, filter.limit) : rows;
  const last = rows.length > filter.limit ? page.at(-1) : undefined;
  const position = last && (JSON.parse(last.api_json) as { detectedAt: string; id: string });
  return {
    items: page.map((r) => r.api_json).join(","),
    next: position ? { detectedAt: Date.parse(position.detectedAt), id: position.id } : null,
  };
}

/**
 * The query for a page of `limit` findings matching `filter`, newest detection first. A filter on
 * several severities reads each severity's newest `limit` through its own index (migration 0008)
 * and merges them, so a rare mix (high or critical on one coin) reads about a page of rows; as one
 * `severity = ANY(…)` condition the database would walk the coin's findings and drop most of them.
 */
function pageQuery(columns: string, tenantId: string, filter: FindingFilter, limit: number) {
  const { where, params } = findingConditions(tenantId, filter);
  params.push(limit);
  const limitParam = `$${params.length}`;
  const page = (cols: string, severity?: Severity) => {
    let bySeverity = "";
    if (severity !== undefined) {
      params.push(severity);
      bySeverity = ` AND severity = $${params.length}`;
    }
    return `SELECT ${cols} FROM findings WHERE ${where}${bySeverity} ORDER BY detected_at DESC, id DESC LIMIT ${limitParam}`;
  };
  const severities = filter.severities && [...new Set(filter.severities)];
  if (severities === undefined) return { sql: page(columns), params };
  if (severities.length === 0) return { sql: "SELECT NULL WHERE false", params: [] };
  if (severities.length === 1) return { sql: page(columns, severities[0]), params };
  const branches = severities.map(
    (s) => `(${page(`${columns}, detected_at AS page_at, id AS page_id`, s)})`,
  );
  return {
    sql: `SELECT * FROM (${branches.join(" UNION ALL ")}) page ORDER BY page_at DESC, page_id DESC LIMIT ${limitParam}`,
    params,
  };
}

/**
 * Findings changed after a point (updated_at, id), oldest change first: the live stream's
 * resume and, for an API without a monitor in its process, its source of changes.
 */
export async function findingsChangedAfter(
  q: Queryable,
  tenantId: string,
  after: { updatedAt: number; id: string },
  limit: number,
): Promise<Finding[]> {
  const rows = await q.query<FindingRow>(
    `SELECT ${SELECTED} FROM findings WHERE tenant_id = $1 AND (updated_at, id) > ($2, $3) ORDER BY updated_at, id LIMIT $4`,
    [tenantId, new Date(after.updatedAt), after.id, limit],
  );
  return rows.map(toFinding);
}

/** Counts of findings by detector and severity, detected at or after `since`. */
export async function countFindings(
  q: Queryable,
  tenantId: string,
  since: number,
): Promise<{ detector: string; severity: Severity; status: Finding["status"]; count: number }[]> {
  return q.query(
    `SELECT detector, severity, status, count(*)::int AS count FROM findings
      WHERE tenant_id = $1 AND detected_at >= $2 GROUP BY detector, severity, status ORDER BY detector, severity`,
    [tenantId, new Date(since)],
  );
}

function toFinding(r: FindingRow): Finding {
  return {
    id: r.id,
    tenantId: r.tenant_id,
    detector: r.detector,
    kind: r.kind,
    subject: { type: r.subject_type, id: r.subject },
    key: r.instance_key,
    severity: r.severity,
    status: r.status,
    title: r.title,
    evidence: r.evidence,
    firstDataAt: r.first_data_at.getTime(),
    dataAt: r.data_at.getTime(),
    detectedAt: r.detected_at.getTime(),
    updatedAt: r.updated_at.getTime(),
    resolvedAt: r.resolved_at === null ? null : r.resolved_at.getTime(),
    occurrences: r.occurrences,
  };
}

/**
 * Deletes a tenant's resolved findings last updated before `before` (epoch ms); open findings
 * are kept whatever their age.
 * @returns how many were deleted.
 */
export async function pruneResolvedFindings(
  q: Queryable,
  tenantId: string,
  before: number,
): Promise<number> {
  const [r] = await q.query<{ n: number }>(
    `WITH d AS (DELETE FROM findings
                WHERE tenant_id = $1 AND updated_at < $2 AND status = 'resolved' RETURNING 1)
     SELECT count(*)::int AS n FROM d`,
    [tenantId, new Date(before)],
  );
  return r?.n ?? 0;
}
