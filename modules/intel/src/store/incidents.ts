import { type Db, insertRows, type Queryable } from "@kamiyo/db";
import { cluster, type Override, reportKey, toIncidents } from "../dedup/cluster.ts";
import { protocolKey } from "../dedup/protocol-key.ts";
import type { Incident, SourceRecord } from "../types.ts";

interface IncidentRow {
  id: string;
  protocol: string;
  aliases: string[];
  date: string | Date;
  occurred_at: Date | null;
  chains: string[];
  classification: string | null;
  technique: string | null;
  loss_usd: number | null;
  original_amount: number | null;
  original_unit: string | null;
  loss_unconverted: boolean;
  returned_usd: number | null;
  tx_hashes: string[];
  refs: Incident["references"];
  first_seen_at: Date;
}

/** A `date` column as `YYYY-MM-DD`: it arrives as a string from PGlite and as a Date from pg. */
export const incidentDay = (d: string | Date) =>
  typeof d === "string" ? d.slice(0, 10) : d.toISOString().slice(0, 10);

export function toIncident(r: IncidentRow): Incident {
  return {
    id: r.id,
    protocol: r.protocol,
    aliases: r.aliases,
    date: incidentDay(r.date),
    occurredAt: r.occurred_at === null ? null : r.occurred_at.toISOString(),
    chains: r.chains,
    classification: r.classification,
    technique: r.technique,
    lossUsd: r.loss_usd,
    original:
      r.original_amount !== null && r.original_unit !== null
        ? { amount: r.original_amount, unit: r.original_unit }
        : null,
    lossUnconverted: r.loss_unconverted,
    returnedUsd: r.returned_usd,
    txHashes: r.tx_hashes,
    references: r.refs,
  };
}

/** What an import did. */
export interface ImportResult {
  /** Reports read from the input, and reports stored in all. */
  reports: number;
  incidents: number;
  created: Incident[];
  /** Incidents whose loss, chains, classification, transactions or sources changed. */
  changed: Incident[];
}

/**
 * Stores reports from a source (new ones added, known ones refreshed) and re-derives every
 * incident from all stored reports and the operator's overrides, in one transaction. Incident ids
 * survive: an incident keeps the id its reports had. `afterImport` runs in that transaction once
 * the incidents are written (alerts use it to store their outbox); if it throws, nothing is kept.
 */
export async function importRecords(
  db: Db,
  records: readonly SourceRecord[],
  nowMs: number,
  afterImport?: (tx: Queryable, result: ImportResult) => Promise<void>,
): Promise<ImportResult> {
  return db.transaction(async (tx) => {
    await saveReports(tx, records, nowMs);
    const reports = await tx.query<{
      record: SourceRecord;
      incident_id: string | null;
      first_seen_at: Date;
    }>("SELECT record, incident_id, first_seen_at FROM intel_reports ORDER BY source, source_key");
    const overrides = await tx.query<Override>(
      "SELECT kind, a, b FROM intel_overrides ORDER BY created_at, a, b",
    );
    const previous = new Map<string, string>();
    for (const r of reports) if (r.incident_id) previous.set(reportKey(r.record), r.incident_id);
    const firstSeen = new Map(
      reports.map((r) => [reportKey(r.record), r.first_seen_at.toISOString()]),
    );
    const incidents = toIncidents(
      cluster(
        reports.map((r) => r.record),
        overrides,
      ),
      previous,
    );
    for (const i of incidents)
      for (const ref of i.references) ref.firstSeenAt = firstSeen.get(reportKey(ref)) ?? null;
    const before = new Map(
      (await tx.query<IncidentRow>("SELECT * FROM intel_incidents")).map((r) => [
        r.id,
        toIncident(r),
      ]),
    );
    const created: Incident[] = [];
    const changed: Incident[] = [];
    const write: Incident[] = [];
    for (const i of incidents) {
      const old = before.get(i.id);
      before.delete(i.id);
      if (!old) {
        created.push(i);
        write.push(i);
      } else if (JSON.stringify(old) !== JSON.stringify(i)) {
        write.push(i);
        if (materiallyChanged(old, i)) changed.push(i);
      }
    }
    await writeIncidents(tx, write, nowMs);
    if (before.size > 0)
      await tx.query("DELETE FROM intel_incidents WHERE id = ANY($1::text[])", [
        [...before.keys()],
      ]);
    const owners = incidents.flatMap((i) =>
      i.references.map((r) => ({ source: r.source, key: r.sourceKey, id: i.id })),
    );
    await tx.query(
      `UPDATE intel_reports r SET incident_id = o.id
       FROM unnest($1::text[], $2::text[], $3::text[]) AS o (source, source_key, id)
       WHERE r.source = o.source AND r.source_key = o.source_key
         AND r.incident_id IS DISTINCT FROM o.id`,
      [owners.map((o) => o.source), owners.map((o) => o.key), owners.map((o) => o.id)],
    );
    const result = { reports: reports.length, incidents: incidents.length, created, changed };
    if (afterImport) await afterImport(tx, result);
    return result;
  });
}

/**
 * A change worth telling subscribers about: a new source, a loss moving by more than 10%, a loss
 * appearing, new chains or transactions, another classification.
 */
export function materiallyChanged(a: Incident, b: Incident): boolean {
  const moved =
    (a.lossUsd === null) !== (b.lossUsd === null) ||
    (a.lossUsd !== null &&
      b.lossUsd !== null &&
      Math.abs(a.lossUsd - b.lossUsd) > 0.1 * Math.max(a.lossUsd, b.lossUsd));
  const grew = (x: readonly string[], y: readonly string[]) => y.some((v) => !x.includes(v));
  return (
    moved ||
    a.classification !== b.classification ||
    grew(a.chains, b.chains) ||
    grew(a.txHashes, b.txHashes) ||
    grew(
      a.references.map((r) => r.source),
      b.references.map((r) => r.source),
    )
  );
}

async function saveReports(
  tx: Queryable,
  records: readonly SourceRecord[],
  nowMs: number,
): Promise<void> {
  const latest = new Map(records.map((r) => [reportKey(r), r]));
  const now = new Date(nowMs);
  await insertRows(
    tx,
    "intel_reports",
    ["source", "source_key", "record", "first_seen_at", "last_seen_at"],
    [...latest.values()].map((r) => [r.source, r.sourceKey, JSON.stringify(r), now, now]),
    `ON CONFLICT (source, source_key) DO UPDATE SET record = EXCLUDED.record, last_seen_at = EXCLUDED.last_seen_at`,
  );
}

async function writeIncidents(
  tx: Queryable,
  incidents: readonly Incident[],
  nowMs: number,
): Promise<void> {
  const now = new Date(nowMs);
  await insertRows(
    tx,
    "intel_incidents",
    [
      "id",
      "protocol",
      "protocol_key",
      "aliases",
      "date",
      "occurred_at",
      "chains",
      "classification",
      "technique",
      "loss_usd",
      "original_amount",
      "original_unit",
      "loss_unconverted",
      "returned_usd",
      "tx_hashes",
      "refs",
      "sources",
      "first_seen_at",
      "updated_at",
    ],
    incidents.map((i) => [
      i.id,
      i.protocol,
      protocolKey(i.protocol),
      i.aliases,
      i.date,
      i.occurredAt,
      i.chains,
      i.classification,
      i.technique,
      i.lossUsd,
      i.original?.amount ?? null,
      i.original?.unit ?? null,
      i.lossUnconverted,
      i.returnedUsd,
      i.txHashes,
      JSON.stringify(i.references),
      [...new Set(i.references.map((r) => r.source))],
      now,
      now,
    ]),
    `ON CONFLICT (id) DO UPDATE SET protocol = EXCLUDED.protocol, protocol_key = EXCLUDED.protocol_key,
       aliases = EXCLUDED.aliases, date = EXCLUDED.date, occurred_at = EXCLUDED.occurred_at,
       chains = EXCLUDED.chains,
       classification = EXCLUDED.classification, technique = EXCLUDED.technique,
       loss_usd = EXCLUDED.loss_usd, original_amount = EXCLUDED.original_amount,
       original_unit = EXCLUDED.original_unit, loss_unconverted = EXCLUDED.loss_unconverted,
       returned_usd = EXCLUDED.returned_usd, tx_hashes = EXCLUDED.tx_hashes, refs = EXCLUDED.refs,
       sources = EXCLUDED.sources, updated_at = EXCLUDED.updated_at`,
  );
}

/** Where a reader of changed incidents stands: the `updated_at` (epoch ms) and id of the last one read. */
export interface IncidentCursor {
  updatedAt: number;
  id: string;
}

/** An incident and when its stored version was written, epoch ms. */
export interface ChangedIncident {
  incident: Incident;
  updatedAt: number;
}

/**
 * Incidents with an attack time at or after `occurredSince` (epoch ms) whose stored version was
 * written after `after` (by `updated_at`, then id; null: from the start), oldest write first, at
 * most `limit`: what the monitor's incident feed polls (imports and syncs run in other processes).
 */
export async function timedIncidentsChanged(
  q: Queryable,
  after: IncidentCursor | null,
  occurredSince: number,
  limit = 500,
): Promise<ChangedIncident[]> {
  const rows = await q.query<IncidentRow & { updated_at: Date }>(
    `SELECT * FROM intel_incidents
     WHERE occurred_at IS NOT NULL AND occurred_at >= $1 AND (updated_at, id) > ($2, $3)
     ORDER BY updated_at, id LIMIT $4`,
    [new Date(occurredSince), new Date(after?.updatedAt ?? 0), after?.id ?? "", limit],
  );
  return rows.map((r) => ({ incident: toIncident(r), updatedAt: r.updated_at.getTime() }));
}

/** Every incident, newest first (for tests and exports; the API pages). */
export async function listIncidents(q: Queryable): Promise<Incident[]> {
  const rows = await q.query<IncidentRow>(
    "SELECT * FROM intel_incidents ORDER BY date DESC, id DESC",
  );
  return rows.map(toIncident);
}

/** Records an operator's merge or split of two reports; the next import applies it. */
export async function addOverride(
  q: Queryable,
  o: Override & { comment: string; createdBy: string },
  nowMs: number,
): Promise<void> {
  await q.query(
    `INSERT INTO intel_overrides (kind, a, b, comment, created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6)
     ON CONFLICT (a, b) DO UPDATE SET kind = EXCLUDED.kind, comment = EXCLUDED.comment,
       created_by = EXCLUDED.created_by, created_at = EXCLUDED.created_at`,
    [o.kind, o.a, o.b, o.comment, o.createdBy, new Date(nowMs)],
  );
}
