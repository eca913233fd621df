import type { Queryable } from "@kamiyo/db";
import { canonicalChain } from "../chains.ts";
import { protocolKey } from "../dedup/protocol-key.ts";
import type { Incident } from "../types.ts";
import { incidentDay, toIncident } from "./incidents.ts";

/** Which incidents a page holds; every field narrows (all of them must match). */
export interface IncidentFilter {
  /** Any of these chains (canonicalised: "eth", "ethereum" and 1 are Ethereum). */
  chains?: readonly string[];
  /** The protocol by name or any alias, compared by {@link protocolKey} ("Euler", "EulerFinance"). */
  protocol?: string;
  /** The classification, case-insensitive. */
  category?: string;
  /** USD loss at least / at most (incidents without a USD loss never match either). */
  minAmount?: number;
  maxAmount?: number;
  /** Dated on or after this day, `YYYY-MM-DD`. */
  since?: string;
  /** Dated before this day, `YYYY-MM-DD`. */
  until?: string;
  /** Reported (among others) by this source. */
  source?: string;
}

/** `date`: newest first (date DESC, id DESC); `amount`: largest USD loss first, no USD loss last. */
export type IncidentSort = "date" | "amount";

/** The last incident of a page, in the page's sort: where the next page starts (exclusive). */
export type IncidentPosition =
  | { sort: "date"; date: string; id: string }
  | { sort: "amount"; lossUsd: number | null; id: string };

export interface IncidentPageRequest {
  sort: IncidentSort;
  limit: number;
  /** The previous page's `next`; its sort must be the request's. */
  after?: IncidentPosition;
}

export interface IncidentPage {
  incidents: Incident[];
  /** Where the next page starts, or null on the last page. */
  next: IncidentPosition | null;
}

/** Columns for toIncident, the date as text (pg would parse it into a local-time Date). */
const COLUMNS = `id, protocol, aliases, to_char(date, 'YYYY-MM-DD') AS date, chains, classification,
  technique, loss_usd, original_amount, original_unit, loss_unconverted, returned_usd, tx_hashes,
  refs, first_seen_at, occurred_at`;

type Row = Parameters<typeof toIncident>[0];

/** Builds WHERE conditions with `$n` parameters. */
class Conditions {
  readonly sql: string[] = [];
  readonly params: unknown[] = [];
  add(sql: (p: (value: unknown) => string) => string): void {
    this.sql.push(sql((value) => `$${this.params.push(value)}`));
  }
  where(extra: readonly string[] = []): string {
    const all = [...this.sql, ...extra];
    return all.length === 0 ? "" : `WHERE ${all.join(" AND ")}`;
  }
}

function filterConditions(filter: IncidentFilter): Conditions {
  const c = new Conditions();
  if (filter.chains !== undefined) {
    const chains = [
      ...new Set(filter.chains.map((n) => canonicalChain(n)).filter((n) => n !== null)),
    ];
    // `&&` on the chains GIN index. No known chain named: nothing matches.
    c.add((p) => `chains && ${p(chains)}::text[]`);
  }
  if (filter.protocol !== undefined) {
    // The incident's own key or one of its aliases' (`alias_keys`, kept by the database with
    // SQL's `protocol_key`): the protocol_key and alias_keys indexes, or-ed.
    const key = protocolKey(filter.protocol);
    if (key === "") c.add(() => "false");
    else c.add((p) => `(protocol_key = ${p(key)} OR alias_keys @> ARRAY[${p(key)}::text])`);
  }
  if (filter.category !== undefined)
    c.add((p) => `lower(classification) = lower(${p(filter.category)})`);
  if (filter.minAmount !== undefined) c.add((p) => `loss_usd >= ${p(filter.minAmount)}`);
  if (filter.maxAmount !== undefined) c.add((p) => `loss_usd <= ${p(filter.maxAmount)}`);
  if (filter.since !== undefined) c.add((p) => `date >= ${p(filter.since)}::date`);
  if (filter.until !== undefined) c.add((p) => `date < ${p(filter.until)}::date`);
  if (filter.source !== undefined) c.add((p) => `sources @> ARRAY[${p(filter.source)}::text]`);
  return c;
}

/**
 * Qualified: an unqualified `date` in ORDER BY would name the output column (the date as text),
 * which no index serves.
 */
const ORDER: Record<IncidentSort, string> = {
  date: "intel_incidents.date DESC, intel_incidents.id DESC",
  amount: "intel_incidents.loss_usd DESC NULLS LAST, intel_incidents.id DESC",
};

/**
 * One statement of a page: SQL without its LIMIT, and its parameters (exported so tests can
 * EXPLAIN what runs).
 */
export interface PageStatement {
  sql: string;
  params: unknown[];
}

/**
 * The statements behind a page, in order: the first reads rows after the position
 * walking the date or loss index; with the amount sort and a position inside the incidents with
 * a USD loss, a second reads the ones without a USD loss (index condition `loss_usd IS NULL`) to
 * fill the page when the first runs out.
 */
export function pageStatements(
  filter: IncidentFilter,
  sort: IncidentSort,
  after?: IncidentPosition,
  columns: string = COLUMNS,
): PageStatement[] {
  const statement = (extra: (c: Conditions) => string[]): PageStatement => {
    const c = filterConditions(filter);
    const where = c.where(extra(c));
    return {
      sql: `SELECT ${columns} FROM intel_incidents ${where} ORDER BY ${ORDER[sort]}`,
      params: c.params,
    };
  };
  if (!after) return [statement(() => [])];
  if (after.sort !== sort)
    throw new Error(`a position in ${after.sort} order cannot page a ${sort} sort`);
  if (after.sort === "date")
    return [
      statement((c) => [
        `(date, id) < ($${c.params.push(after.date)}::date, $${c.params.push(after.id)})`,
      ]),
    ];
  const tail = (c: Conditions, id?: string) =>
    id === undefined ? ["loss_usd IS NULL"] : ["loss_usd IS NULL", `id < $${c.params.push(id)}`];
  if (after.lossUsd === null) return [statement((c) => tail(c, after.id))];
  const loss = after.lossUsd;
  return [
    statement((c) => [
      `(loss_usd, id) < ($${c.params.push(loss)}::float8, $${c.params.push(after.id)})`,
    ]),
    statement((c) => tail(c)),
  ];
}

/**
 * The rows of one page, read with `columns` by {@link pageStatements}: up to `limit` rows and
 * where the next page starts (null on the last page).
 */
async function readPage<R>(
  q: Queryable,
  filter: IncidentFilter,
  page: IncidentPageRequest,
  columns: string,
  position: (row: R) => IncidentPosition,
): Promise<{ rows: R[]; next: IncidentPosition | null }> {
  const want = page.limit + 1;
  const found: R[] = [];
  for (const s of pageStatements(filter, page.sort, page.after, columns)) {
    if (found.length === want) break;
    found.push(...(await q.query<R>(`${s.sql} LIMIT ${want - found.length}`, s.params)));
  }
  const rows = found.slice(0, page.limit);
  const last = rows.at(-1);
  return { rows, next: found.length > page.limit && last ? position(last) : null };
}

const positionOf =
  (sort: IncidentSort) =>
  (r: { id: string; date: string; loss_usd: number | null }): IncidentPosition =>
    sort === "date"
      ? { sort: "date", date: r.date, id: r.id }
      : { sort: "amount", lossUsd: r.loss_usd, id: r.id };

/**
 * One page of incidents matching `filter`, in `page.sort` order, after `page.after` (keyset: each
 * query starts at the position in the date or loss index, never reading earlier pages again).
 * With the amount sort, incidents with a USD loss come first, then those without one by id.
 */
export async function listIncidentPage(
  q: Queryable,
  filter: IncidentFilter,
  page: IncidentPageRequest,
): Promise<IncidentPage> {
  const { rows, next } = await readPage<Row>(q, filter, page, COLUMNS, (r) =>
    positionOf(page.sort)({ id: r.id, date: incidentDay(r.date), loss_usd: r.loss_usd }),
  );
  return { incidents: rows.map(toIncident), next };
}

/** A page's columns: the incident's stored API JSON (migration 0007) and its position. */
const JSON_COLUMNS = "api_json AS j, id, to_char(date, 'YYYY-MM-DD') AS date, loss_usd";

/**
 * {@link listIncidentPage} as JSON: the incidents' stored API JSON joined by commas, so nothing
 * is decoded or re-encoded but the position of the last.
 */
export async function listIncidentPageJson(
  q: Queryable,
  filter: IncidentFilter,
  page: IncidentPageRequest,
): Promise<{ items: string; next: IncidentPosition | null }> {
  const { rows, next } = await readPage<{
    j: string;
    id: string;
    date: string;
    loss_usd: number | null;
  }>(q, filter, page, JSON_COLUMNS, positionOf(page.sort));
  return { items: rows.map((r) => r.j).join(","), next };
}

/** An EVM transaction hash (case-insensitive; stored lower-case). */
const EVM_TX = /^0x[0-9a-fA-F]{64}$/;

/**
 * One incident by id (`exp_…`), or the incident with a transaction hash: an EVM hash in any case,
 * a Solana signature exactly (base58 is case-sensitive). Null when there is none. Should two
 * incidents share a hash (an operator split them), the newest.
 */
export async function getIncident(q: Queryable, idOrTx: string): Promise<Incident | null> {
  const rows = idOrTx.startsWith("exp_")
    ? await q.query<Row>(`SELECT ${COLUMNS} FROM intel_incidents WHERE id = $1`, [idOrTx])
    : await q.query<Row>(
        `SELECT ${COLUMNS} FROM intel_incidents WHERE tx_hashes @> ARRAY[$1::text]
         ORDER BY ${ORDER.date} LIMIT 1`,
        [EVM_TX.test(idOrTx) ? idOrTx.toLowerCase() : idOrTx],
      );
  const row = rows[0];
  return row ? toIncident(row) : null;
}

/** A count and USD loss (the sum of the incidents' USD losses; those without one add nothing). */
export interface IncidentTally {
  count: number;
  lossUsd: number;
}

export interface IncidentStats {
  /** The look-back in days, or null for all incidents. */
  days: number | null;
  /** The first day counted, `YYYY-MM-DD`, or null for all. */
  since: string | null;
  total: number;
  lossUsd: number;
  returnedUsd: number;
  /** By chain, most lost first; an incident on several chains counts, whole, under each. */
  byChain: Record<string, IncidentTally>;
  /**
   * By classification, case-insensitive, under its most used spelling (capitalised first on a
   * tie; `Unclassified` when none), most lost first.
   */
  byCategory: Record<string, IncidentTally>;
  /** By month of the incident's date, `YYYY-MM`, oldest first. */
  byMonth: Record<string, IncidentTally>;
}

const DAY_MS = 86_400_000;
const cents = (n: number) => Math.round(n * 100) / 100;

/**
 * Totals over incidents dated on or after the UTC day of `nowMs − days × 24 h` (all incidents when
 * `days` is omitted): count, summed USD loss and returned funds, and tallies by chain, category
 * and month, in one statement of SQL aggregates.
 */
export async function incidentStats(
  q: Queryable,
  days: number | undefined,
  nowMs: number,
): Promise<IncidentStats> {
  const since =
    days === undefined ? null : new Date(nowMs - days * DAY_MS).toISOString().slice(0, 10);
  const rows = await q.query<{
    kind: "total" | "chain" | "category" | "month";
    key: string | null;
    count: number;
    loss: number;
    returned: number;
  }>(
    `WITH i AS (SELECT date, chains, classification, loss_usd, returned_usd FROM intel_incidents
                ${since === null ? "" : "WHERE date >= $1::date"})
     SELECT 'total' AS kind, NULL AS key, count(*)::int AS count,
            coalesce(sum(loss_usd), 0) AS loss, coalesce(sum(returned_usd), 0) AS returned FROM i
     UNION ALL
     SELECT 'chain', c, count(*)::int, coalesce(sum(loss_usd), 0), 0
       FROM i CROSS JOIN LATERAL unnest(i.chains) AS c GROUP BY c
     UNION ALL
     SELECT 'category', mode() WITHIN GROUP (ORDER BY coalesce(classification, 'Unclassified') COLLATE "C"),
            count(*)::int, coalesce(sum(loss_usd), 0), 0
       FROM i GROUP BY lower(coalesce(classification, 'Unclassified'))
     UNION ALL
     SELECT 'month', to_char(date, 'YYYY-MM'), count(*)::int, coalesce(sum(loss_usd), 0), 0
       FROM i GROUP BY 2`,
    since === null ? [] : [since],
  );
  const tally = (kind: string, order: (a: Tally, b: Tally) => number) =>
    Object.fromEntries(
      rows
        .filter((r) => r.kind === kind)
        .map((r): Tally => ({ key: r.key ?? "", count: r.count, lossUsd: cents(r.loss) }))
        .sort(order)
        .map((t) => [t.key, { count: t.count, lossUsd: t.lossUsd }]),
    );
  const byLoss = (a: Tally, b: Tally) =>
    b.lossUsd - a.lossUsd || b.count - a.count || a.key.localeCompare(b.key);
  const total = rows.find((r) => r.kind === "total");
  return {
    days: days ?? null,
    since,
    total: total?.count ?? 0,
    lossUsd: cents(total?.loss ?? 0),
    returnedUsd: cents(total?.returned ?? 0),
    byChain: tally("chain", byLoss),
    byCategory: tally("category", byLoss),
    byMonth: tally("month", (a, b) => a.key.localeCompare(b.key)),
  };
}

interface Tally extends IncidentTally {
  key: string;
}

/** Incident count and summed USD loss per chain (all incidents), for the chains listing. */
export async function incidentsByChain(
  q: Queryable,
): Promise<{ chain: string; incidents: number; lossUsd: number }[]> {
  const rows = await q.query<{ chain: string; incidents: number; loss: number }>(
    `SELECT c AS chain, count(*)::int AS incidents, coalesce(sum(loss_usd), 0) AS loss
     FROM intel_incidents CROSS JOIN LATERAL unnest(chains) AS c
     GROUP BY c ORDER BY loss DESC, incidents DESC, c`,
  );
  return rows.map((r) => ({ chain: r.chain, incidents: r.incidents, lossUsd: cents(r.loss) }));
}
