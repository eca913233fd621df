import { type Db, type Queryable, tenantDb } from "@kamiyo/db";
import type { BgNbdParams } from "./bgnbd.ts";
import type { GammaGammaParams } from "./gamma-gamma.ts";

/** A fitted lifetime-value model as a tenant saves it (before it has a version). */
export interface LtvModelFit {
  bgnbd: BgNbdParams;
  /** Null when the data had no amounts: the model predicts purchases but no spend or LTV. */
  gammaGamma: GammaGammaParams | null;
  /** The BG/NBD fit's log-likelihood. */
  logLikelihood: number;
  /** Customers the BG/NBD model was fitted on. */
  customers: number;
  /** Recency and T's unit in the fitted data (`day`, `week`, or what the summary was in). */
  timeUnit: string;
  /** Units of `timeUnit` in a month: 30 for days, 4.345 for weeks (LTV's horizon is in months). */
  unitsPerMonth: number;
}

/** One saved version of a tenant's model. */
export interface StoredLtvModel extends LtvModelFit {
  tenantId: string;
  version: number;
  createdAt: number;
  active: boolean;
}

interface ModelRow {
  tenant_id: string;
  version: number;
  r: number;
  alpha: number;
  a: number;
  b: number;
  p: number | null;
  q: number | null;
  v: number | null;
  log_likelihood: number;
  customers: number;
  time_unit: string;
  units_per_month: number;
  created_at: Date;
  active: boolean;
}

function toModel(row: ModelRow): StoredLtvModel {
  const n = Number;
  return {
    tenantId: row.tenant_id,
    version: n(row.version),
    bgnbd: { r: n(row.r), alpha: n(row.alpha), a: n(row.a), b: n(row.b) },
    gammaGamma:
      row.p === null || row.q === null || row.v === null
        ? null
        : { p: n(row.p), q: n(row.q), v: n(row.v) },
    logLikelihood: n(row.log_likelihood),
    customers: n(row.customers),
    timeUnit: row.time_unit,
    unitsPerMonth: n(row.units_per_month),
    createdAt: new Date(row.created_at).getTime(),
    active: row.active,
  };
}

/** Makes `version` the tenant's only active model; false when it has no such version. */
async function activateIn(tx: Queryable, tenantId: string, version: number): Promise<boolean> {
  const [found] = await tx.query(
    "SELECT version FROM shield_ltv_models WHERE tenant_id = $1 AND version = $2",
    [tenantId, version],
  );
  if (!found) return false;
  // Off first: the partial unique index allows one active row per tenant at every statement.
  await tx.query(
    "UPDATE shield_ltv_models SET active = false WHERE tenant_id = $1 AND active AND version <> $2",
    [tenantId, version],
  );
  await tx.query(
    "UPDATE shield_ltv_models SET active = true WHERE tenant_id = $1 AND version = $2",
    [tenantId, version],
  );
  return true;
}

/** @throws RangeError naming the first parameter that is not a finite number > 0. */
function checkFit(fit: LtvModelFit): void {
  const positive: [string, number][] = [
    ...Object.entries(fit.bgnbd),
    ...Object.entries(fit.gammaGamma ?? {}),
    ["customers", fit.customers],
    ["unitsPerMonth", fit.unitsPerMonth],
  ];
  for (const [name, value] of positive)
    if (!(Number.isFinite(value) && value > 0))
      throw new RangeError(`${name}: expected a finite number > 0, got ${value}`);
  if (!Number.isFinite(fit.logLikelihood))
    throw new RangeError(`logLikelihood: expected a finite number, got ${fit.logLikelihood}`);
}

/**
 * Saves a fit as the tenant's next version (1, 2, 3…), made the active one with `activate`.
 * Two saves racing for a version collide on the primary key: the later one fails, not overwrites.
 * @throws RangeError for a parameter that is not a finite number > 0.
 */
export async function saveLtvModel(
  db: Db,
  tenantId: string,
  fit: LtvModelFit,
  opts: { activate?: boolean; now?: number } = {},
): Promise<StoredLtvModel> {
  checkFit(fit);
  return tenantDb(db, tenantId).transaction(async (tx) => {
    const [last] = await tx.query<{ version: number | null }>(
      "SELECT max(version) AS version FROM shield_ltv_models WHERE tenant_id = $1",
      [tenantId],
    );
    const version = Number(last?.version ?? 0) + 1;
    const gg = fit.gammaGamma;
    await tx.query(
      `INSERT INTO shield_ltv_models (tenant_id, version, r, alpha, a, b, p, q, v, log_likelihood,
         customers, time_unit, units_per_month, created_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)`,
      [
        tenantId,
        version,
        fit.bgnbd.r,
        fit.bgnbd.alpha,
        fit.bgnbd.a,
        fit.bgnbd.b,
        gg?.p ?? null,
        gg?.q ?? null,
        gg?.v ?? null,
        fit.logLikelihood,
        fit.customers,
        fit.timeUnit,
        fit.unitsPerMonth,
        new Date(opts.now ?? Date.now()),
      ],
    );
    if (opts.activate) await activateIn(tx, tenantId, version);
    const [row] = await tx.query<ModelRow>(
      "SELECT * FROM shield_ltv_models WHERE tenant_id = $1 AND version = $2",
      [tenantId, version],
    );
    return toModel(row as ModelRow);
  });
}

/** Makes `version` the tenant's active model; false when the tenant has no such version. */
export async function activateLtvModel(
  db: Db,
  tenantId: string,
  version: number,
): Promise<boolean> {
  return tenantDb(db, tenantId).transaction((tx) => activateIn(tx, tenantId, version));
}

/** The tenant's versions, newest first. */
export async function listLtvModels(db: Db, tenantId: string): Promise<StoredLtvModel[]> {
  const rows = await tenantDb(db, tenantId).query<ModelRow>(
    "SELECT * FROM shield_ltv_models WHERE tenant_id = $1 ORDER BY version DESC",
    [tenantId],
  );
  return rows.map(toModel);
}

/** The tenant's active model, or null when none is active. */
export async function activeLtvModel(db: Db, tenantId: string): Promise<StoredLtvModel | null> {
  const [row] = await tenantDb(db, tenantId).query<ModelRow>(
    "SELECT * FROM shield_ltv_models WHERE tenant_id = $1 AND active",
    [tenantId],
  );
  return row ? toModel(row) : null;
}

/** The active version alone (a cheap stamp to tell a cached model is stale), or null. */
export async function activeLtvVersion(db: Db, tenantId: string): Promise<number | null> {
  const [row] = await tenantDb(db, tenantId).query<{ version: number }>(
    "SELECT version FROM shield_ltv_models WHERE tenant_id = $1 AND active",
    [tenantId],
  );
  return row ? Number(row.version) : null;
}
