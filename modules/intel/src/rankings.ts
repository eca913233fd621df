import type { Queryable } from "@kamiyo/db";

/** How far a source's USD loss may be from the merged incident's to agree with it (relative). */
export const AGREEMENT_TOLERANCE = 0.1;

/** The fields completeness counts, as SQL tests on a report's stored record (`record` jsonb). */
const COMPLETENESS_FIELDS = [
  "(record->>'lossUsd' IS NOT NULL OR record->>'original' IS NOT NULL)",
  "coalesce(record->'chains', '[]'::jsonb) <> '[]'::jsonb",
  "nullif(record->>'classification', '') IS NOT NULL",
  "nullif(record->>'technique', '') IS NOT NULL",
  "coalesce(record->'txHashes', '[]'::jsonb) <> '[]'::jsonb",
  "nullif(record->>'url', '') IS NOT NULL",
];

/**
 * One source's standing. Every share is 0–1 (rounded to 4 decimals), null when the source has
 * nothing it can be judged on.
 */
export interface SourceRanking {
  source: string;
  /** The mean of timeliness, completeness, agreement and coverage, over those not null. */
  score: number | null;
  /**
   * Of the source's incidents that at least two sources report: the share where its report was
   * first seen (`first_seen_at`) no later than any other source's report of it (ties count for
   * every tied source). Null when no incident of its is reported by another source.
   */
  timeliness: number | null;
  /**
   * The mean, over its reports, of the share of six fields present: a loss (USD or in tokens),
   * chains, classification, technique, transaction hashes, URL. Null without reports.
   */
  completeness: number | null;
  /**
   * Of its reports with a USD loss, in incidents with at least two USD figures (from any
   * sources): the share within 10% of the merged incident's USD loss. Null when there are none.
   */
  agreement: number | null;
  /** Incidents it reports / all incidents. */
  coverage: number;
  /** Its last successful sync, else the last time one of its reports was seen; ISO 8601. */
  freshness: string | null;
  /** Hours from `freshness` to now. */
  ageHours: number | null;
  /** Failed syncs / attempted syncs; null when never synced. */
  errorRate: number | null;
  reports: number;
  incidents: number;
}

export interface SourceRankings {
  /** When computed, ISO 8601. */
  computedAt: string;
  /** All incidents (the denominator of coverage). */
  totalIncidents: number;
  /** Best score first (no score last), then by name. */
  sources: SourceRanking[];
}

interface RankingRow {
  source: string;
  reports: number;
  completeness: number | null;
  last_seen: Date | null;
  agree_n: number;
  agree_k: number;
  incidents: number;
  contested: number;
  first: number;
  last_success_at: Date | null;
  attempts: number | null;
  failures: number | null;
  total_incidents: number;
}

const ratio = (k: number, n: number) => (n === 0 ? null : k / n);
const round = (v: number | null, places: number) =>
  v === null ? null : Math.round(v * 10 ** places) / 10 ** places;

/**
 * Ranks every source that has reports or a sync record (see {@link SourceRanking} for each
 * figure), computed in one SQL statement over intel_reports, intel_incidents and intel_sources.
 */
export async function sourceRankings(q: Queryable, nowMs: number): Promise<SourceRankings> {
  const rows = await q.query<RankingRow>(
    `WITH rep AS (
       SELECT source, incident_id, first_seen_at, last_seen_at,
              (record->>'lossUsd')::float8 AS loss,
              (${COMPLETENESS_FIELDS.map((f) => `(CASE WHEN ${f} THEN 1 ELSE 0 END)`).join(" + ")})::float8
                / ${COMPLETENESS_FIELDS.length} AS completeness
       FROM intel_reports
     ),
     inc AS (
       SELECT rep.incident_id, count(DISTINCT rep.source)::int AS sources,
              min(rep.first_seen_at) AS first_seen, count(rep.loss)::int AS usd_figures,
              i.loss_usd AS merged
       FROM rep JOIN intel_incidents i ON i.id = rep.incident_id
       GROUP BY rep.incident_id, i.loss_usd
     ),
     by_report AS (
       SELECT rep.source, count(*)::int AS reports, avg(rep.completeness) AS completeness,
              max(rep.last_seen_at) AS last_seen,
              count(*) FILTER (WHERE rep.loss IS NOT NULL AND inc.usd_figures >= 2)::int AS agree_n,
              count(*) FILTER (WHERE rep.loss IS NOT NULL AND inc.usd_figures >= 2
                AND abs(rep.loss - inc.merged) <= $1 * abs(inc.merged))::int AS agree_k
       FROM rep LEFT JOIN inc ON inc.incident_id = rep.incident_id
       GROUP BY rep.source
     ),
     by_incident AS (
       SELECT s.source, count(*)::int AS incidents,
              count(*) FILTER (WHERE inc.sources >= 2)::int AS contested,
              count(*) FILTER (WHERE inc.sources >= 2 AND s.first_seen = inc.first_seen)::int AS first
       FROM (SELECT source, incident_id, min(first_seen_at) AS first_seen FROM rep
             GROUP BY source, incident_id) s
       JOIN inc ON inc.incident_id = s.incident_id
       GROUP BY s.source
     ),
     names AS (SELECT source FROM intel_reports UNION SELECT source FROM intel_sources)
     SELECT names.source, coalesce(r.reports, 0) AS reports, r.completeness, r.last_seen,
            coalesce(r.agree_n, 0) AS agree_n, coalesce(r.agree_k, 0) AS agree_k,
            coalesce(b.incidents, 0) AS incidents, coalesce(b.contested, 0) AS contested,
            coalesce(b.first, 0) AS first, s.last_success_at, s.attempts, s.failures,
            (SELECT count(*)::int FROM intel_incidents) AS total_incidents
     FROM names
     LEFT JOIN by_report r ON r.source = names.source
     LEFT JOIN by_incident b ON b.source = names.source
     LEFT JOIN intel_sources s ON s.source = names.source`,
    [AGREEMENT_TOLERANCE],
  );
  const total = rows[0]?.total_incidents ?? 0;
  const sources = rows.map((r): SourceRanking => {
    const timeliness = ratio(r.first, r.contested);
    const completeness = r.reports === 0 ? null : r.completeness;
    const agreement = ratio(r.agree_k, r.agree_n);
    const coverage = ratio(r.incidents, total) ?? 0;
    const parts = [timeliness, completeness, agreement, coverage].filter((v) => v !== null);
    const score = parts.length === 0 ? null : parts.reduce((a, v) => a + v, 0) / parts.length;
    const fresh = r.last_success_at ?? r.last_seen;
    return {
      source: r.source,
      score: round(score, 4),
      timeliness: round(timeliness, 4),
      completeness: round(completeness, 4),
      agreement: round(agreement, 4),
      coverage: round(coverage, 4) ?? 0,
      freshness: fresh ? fresh.toISOString() : null,
      ageHours: fresh ? round((nowMs - fresh.getTime()) / 3_600_000, 2) : null,
      errorRate: r.attempts ? (round((r.failures ?? 0) / r.attempts, 4) ?? 0) : null,
      reports: r.reports,
      incidents: r.incidents,
    };
  });
  sources.sort(
    (a, b) =>
      (b.score ?? -1) - (a.score ?? -1) || (a.source < b.source ? -1 : a.source > b.source ? 1 : 0),
  );
  return { computedAt: new Date(nowMs).toISOString(), totalIncidents: total, sources };
}
