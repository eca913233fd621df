import { randomBytes } from "node:crypto";
import { AppError } from "@kamiyo/core";
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

/** A stored RCA query in a list: its symptom, when, how long, and its best candidate. */
export interface AnalysisSummary {
  readonly id: string;
  readonly symptom: Symptom;
  readonly createdAt: Date;
  readonly durationMs: number;
  /** How many candidates it ranked. */
  readonly candidates: number;
  /** The first of them, or null when it found none. */
  readonly top: Candidate | null;
}

/**
 * A page of the tenant's stored analyses, newest first.
 * @param q.limit page size, 1–100 (default 20); `q.cursor` the previous page's `nextCursor`.
 * @throws AppError("invalid_input") for a cursor this function did not make.
 */
export async function listAnalyses(
  db: Db,
  q: { limit?: number; cursor?: string } = {},
): Promise<{ items: AnalysisSummary[]; nextCursor: string | null }> {
  const limit = Math.min(Math.max(q.limit ?? 20, 1), 100);
  let after: { at: string; id: string } | null = null;
  if (q.cursor !== undefined) {
    const m = /^a:(\d{1,15})\.(rca_[0-9a-z]{1,64})$/.exec(
      Buffer.from(q.cursor, "base64url").toString("utf8"),
    );
    if (!m) throw new AppError("invalid_input", "cursor is not valid");
    after = { at: new Date(Number(m[1])).toISOString(), id: m[2] as string };
  }
  const rows = await db.query<AnalysisSummary>(
    `SELECT id, symptom, created_at AS "createdAt", duration_ms AS "durationMs",
       jsonb_array_length(result) AS candidates, result -> 0 AS top
     FROM rca_analyses
     WHERE $1::timestamptz IS NULL OR (created_at, id) < ($1::timestamptz, $2::text)
     ORDER BY created_at DESC, id DESC LIMIT $3`,
    [after?.at ?? null, after?.id ?? null, limit + 1],
  );
  const items = rows.slice(0, limit);
  const last = items.at(-1);
  return {
    items,
    nextCursor:
      rows.length > limit && last
        ? Buffer.from(`a:${last.createdAt.getTime()}.${last.id}`, "utf8").toString("base64url")
        : null,
  };
}
