import { randomBytes } from "node:crypto";
import type { Db } from "@kamiyo/db";
import type { Candidate, Symptom } from "../model.ts";

/** A stored RCA query. */
export interface StoredAnalysis {
  readonly id: string;
  readonly symptom: Symptom;
  readonly result: readonly Candidate[];
  readonly createdAt: Date;
  /** How long the query took, in milliseconds. */
  readonly durationMs: number;
}

/** Stores an RCA query's symptom and ranked answer in the tenant's view. @returns its `rca_…` id. */
export async function saveAnalysis(db: Db, a: Omit<StoredAnalysis, "id">): Promise<string> {
  const id = `rca_${a.createdAt.getTime().toString(36)}${randomBytes(8).toString("hex")}`;
  await db.query(
    `INSERT INTO rca_analyses (tenant_id, id, symptom, result, created_at, duration_ms)
     VALUES (current_setting('app.tenant_id', true), $1, $2::jsonb, $3::jsonb, $4, $5)`,
    [
      id,
      JSON.stringify(a.symptom),
      JSON.stringify(a.result),
      a.createdAt.toISOString(),
      a.durationMs,
    ],
  );
  return id;
}

/** One of the tenant's stored analyses, or undefined. */
export async function getAnalysis(db: Db, id: string): Promise<StoredAnalysis | undefined> {
  const [row] = await db.query<StoredAnalysis>(
    `SELECT id, symptom, result, created_at AS "createdAt", duration_ms AS "durationMs"
     FROM rca_analyses WHERE id = $1`,
    [id],
  );
  return row;
}
