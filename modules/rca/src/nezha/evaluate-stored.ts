import { type Db, tenantDb } from "@kamiyo/db";
import { createTenant } from "@kamiyo/tenancy";
import { rankSymptom } from "../service/rank-symptom.ts";
import { type CaseResult, caseResult, DEFAULT_EVALUATE, symptomOf } from "./evaluate.ts";
import { type DayIngest, ingestNezhaDay } from "./ingest-day.ts";
import type { NezhaCase, NezhaDay } from "./load-day.ts";

/** A day evaluated through the product: each case's answer, what the ingest did, and how long it took. */
export interface StoredEvaluation {
  readonly results: CaseResult[];
  readonly ingest: DayIngest;
  /** Wall time of the ingest (until the builder stored everything) and of all the queries, ms. */
  readonly ingestMs: number;
  readonly queryMs: number;
}

/**
 * The product's path on one Nezha day: a new tenant in `db` (migrated with the RCA tables), the
 * day sent through its ingest ({@link ingestNezhaDay}; metrics only up to the end of the last
 * case's window), then per case the RCA query `POST /rca/analyses` runs ({@link rankSymptom}:
 * the input read from the tenant's stored graph and anomaly events, ranked), symptom
 * `[injectAt, injectAt + 5 min)` at the entry service. `cases` defaults to the day's.
 */
export async function evaluateStored(
  db: Db,
  day: NezhaDay,
  cases: readonly NezhaCase[] = day.cases,
): Promise<StoredEvaluation> {
  const { tenant } = await createTenant(db, {
    name: `Nezha ${day.day}`,
    actor: "kamiyo rca evaluate",
    nowMs: Date.now(),
  });
  const symptoms = cases.map((c) => symptomOf(day, c, DEFAULT_EVALUATE));
  const until = Math.max(Number.NEGATIVE_INFINITY, ...symptoms.map((s) => s.to));
  const t0 = performance.now();
  const ingest = await ingestNezhaDay(db, tenant.id, day, { until });
  const t1 = performance.now();
  const tdb = tenantDb(db, tenant.id);
  const results: CaseResult[] = [];
  for (const [i, c] of cases.entries())
    results.push(caseResult(c, await rankSymptom(tdb, symptoms[i] as (typeof symptoms)[number])));
  return { results, ingest, ingestMs: t1 - t0, queryMs: performance.now() - t1 };
}
