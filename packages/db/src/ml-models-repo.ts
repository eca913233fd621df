import { randomBytes } from "node:crypto";
import type { Db, Queryable } from "./db.ts";

export type ModelPurpose = "anomaly" | "forecast";

/** A trained model as stored: what it learnt from, how well it did, and its fitted state. */
export interface StoredModel {
  /** `mdl_` + random hex. */
  id: string;
  purpose: ModelPurpose;
  /** e.g. "isolation-forest", "ensemble", "arima". */
  algorithm: string;
  /** 1, 2, … per tenant and purpose. */
  version: number;
  /** Feature (or series) names, in the order the model reads them. */
  features: string[];
  windowStart: number;
  windowEnd: number;
  metrics: Record<string, unknown>;
  /** The model's own JSON state (`toJSON()`). */
  state: unknown;
  createdAt: number;
  /** The version detectors and the API use; one per tenant and purpose. */
  active: boolean;
}

export type NewModel = Omit<StoredModel, "id" | "version" | "createdAt" | "active">;

interface ModelRow {
  id: string;
  purpose: ModelPurpose;
  algorithm: string;
  version: number;
  features: string[];
  window_start: Date;
  window_end: Date;
  metrics: Record<string, unknown>;
  state: unknown;
  created_at: Date;
  active: boolean;
}

function toModel(r: ModelRow): StoredModel {
  return {
    id: r.id,
    purpose: r.purpose,
    algorithm: r.algorithm,
    version: r.version,
    features: r.features,
    windowStart: r.window_start.getTime(),
    windowEnd: r.window_end.getTime(),
    metrics: r.metrics,
    state: r.state,
    createdAt: r.created_at.getTime(),
    active: r.active,
  };
}

/**
 * Stores a newly trained model as the next version of its purpose and makes it the active one,
 * in one transaction (the previous version stays, inactive, for comparison and rollback).
 */
export async function saveModel(
  db: Db,
  tenantId: string,
  model: NewModel,
  now: number,
): Promise<StoredModel> {
  const [stored] = await saveModels(db, tenantId, [model], now);
  if (!stored) throw new Error("ml_models insert returned no row");
  return stored;
}

/** Stores several models (an anomaly model and its forecaster) together: all or none become active. */
export async function saveModels(
  db: Db,
  tenantId: string,
  models: readonly NewModel[],
  now: number,
): Promise<StoredModel[]> {
  return db.transaction(async (tx) => {
    const out: StoredModel[] = [];
    for (const model of models) out.push(await insertModel(tx, tenantId, model, now));
    return out;
  });
}

async function insertModel(
  tx: Queryable,
  tenantId: string,
  model: NewModel,
  now: number,
): Promise<StoredModel> {
  // Serialises concurrent trainings of one tenant and purpose.
  await tx.query("SELECT pg_advisory_xact_lock(hashtext($1))", [`ml:${tenantId}:${model.purpose}`]);
  const [v] = await tx.query<{ next: number }>(
    "SELECT coalesce(max(version), 0) + 1 AS next FROM ml_models WHERE tenant_id = $1 AND purpose = $2",
    [tenantId, model.purpose],
  );
  await tx.query(
    "UPDATE ml_models SET active = false WHERE tenant_id = $1 AND purpose = $2 AND active",
    [tenantId, model.purpose],
  );
  const id = `mdl_${randomBytes(8).toString("hex")}`;
  const [row] = await tx.query<ModelRow>(
    `INSERT INTO ml_models (tenant_id, id, purpose, algorithm, version, features, window_start,
                            window_end, metrics, state, created_at, active)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, true) RETURNING *`,
    [
      tenantId,
      id,
      model.purpose,
      model.algorithm,
      v?.next ?? 1,
      JSON.stringify(model.features),
      new Date(model.windowStart),
      new Date(model.windowEnd),
      JSON.stringify(model.metrics),
      JSON.stringify(model.state),
      new Date(now),
    ],
  );
  if (!row) throw new Error("ml_models insert returned no row");
  return toModel(row);
}

/** The active model of a purpose, or null when none was trained. */
export async function activeModel(
  q: Queryable,
  tenantId: string,
  purpose: ModelPurpose,
): Promise<StoredModel | null> {
  const [row] = await q.query<ModelRow>(
    "SELECT * FROM ml_models WHERE tenant_id = $1 AND purpose = $2 AND active",
    [tenantId, purpose],
  );
  return row ? toModel(row) : null;
}

/** Every stored model version, newest first, without their (large) fitted states. */
export async function listModels(
  q: Queryable,
  tenantId: string,
): Promise<Omit<StoredModel, "state">[]> {
  const rows = await q.query<ModelRow>(
    `SELECT id, purpose, algorithm, version, features, window_start, window_end, metrics,
            NULL AS state, created_at, active
       FROM ml_models WHERE tenant_id = $1 ORDER BY created_at DESC, version DESC`,
    [tenantId],
  );
  return rows.map((r) => {
    const { state: _state, ...rest } = toModel(r);
    return rest;
  });
}
