import { type Db, type Queryable, tenantDb } from "@kamiyo/db";
import { CompiledPolicy } from "./compiled-policy.ts";
import { type PolicyDocument, parsePolicy } from "./policy-document.ts";

/** One saved version of a tenant's policy. */
export interface StoredPolicy {
  version: number;
  document: PolicyDocument;
  createdAt: number;
  /** Who saved it: the API key's id, `local`, or the command's user. */
  createdBy: string;
  active: boolean;
}

interface PolicyRow {
  version: number;
  document: unknown;
  created_at: Date;
  created_by: string;
  active: boolean;
}

const toPolicy = (r: PolicyRow): StoredPolicy => ({
  version: Number(r.version),
  document: r.document as PolicyDocument,
  createdAt: new Date(r.created_at).getTime(),
  createdBy: r.created_by,
  active: r.active,
});

/**
 * Validates `document` and saves it as the tenant's next version (1, 2, 3…), the active one
 * unless `activate` is false. Two saves racing for a version collide on the primary key: the
 * later one fails rather than overwrites.
 * @throws PolicyError naming the field that does not validate; nothing is saved.
 */
export async function savePolicy(
  db: Db,
  tenantId: string,
  document: unknown,
  opts: { createdBy: string; nowMs: number; activate?: boolean },
): Promise<StoredPolicy> {
  const doc = parsePolicy(document);
  return tenantDb(db, tenantId).transaction(async (tx) => {
    const [last] = await tx.query<{ version: number | null }>(
      "SELECT max(version) AS version FROM shield_policies WHERE tenant_id = $1",
      [tenantId],
    );
    const version = Number(last?.version ?? 0) + 1;
    await tx.query(
      `INSERT INTO shield_policies (tenant_id, version, document, created_at, created_by)
       VALUES ($1, $2, $3::jsonb, $4, $5)`,
      [tenantId, version, JSON.stringify(doc), new Date(opts.nowMs), opts.createdBy],
    );
    if (opts.activate ?? true) await activateIn(tx, tenantId, version);
    const [row] = await tx.query<PolicyRow>(
      "SELECT * FROM shield_policies WHERE tenant_id = $1 AND version = $2",
      [tenantId, version],
    );
    return toPolicy(row as PolicyRow);
  });
}

/** Makes `version` the only active one; false when the tenant has no such version. */
async function activateIn(tx: Queryable, tenantId: string, version: number): Promise<boolean> {
  // Off first: the partial unique index allows one active row per tenant at every statement.
  await tx.query(
    "UPDATE shield_policies SET active = false WHERE tenant_id = $1 AND active AND version <> $2",
    [tenantId, version],
  );
  const on = await tx.query(
    "UPDATE shield_policies SET active = true WHERE tenant_id = $1 AND version = $2 RETURNING 1",
    [tenantId, version],
  );
  return on.length > 0;
}

/** Makes `version` the tenant's active policy; false (and nothing changed) when it has none such. */
export async function activatePolicy(db: Db, tenantId: string, version: number): Promise<boolean> {
  return tenantDb(db, tenantId).transaction(async (tx) => {
    const [found] = await tx.query(
      "SELECT 1 FROM shield_policies WHERE tenant_id = $1 AND version = $2",
      [tenantId, version],
    );
    return found ? activateIn(tx, tenantId, version) : false;
  });
}

/** The tenant's policy versions, newest first (at most `limit`, default 100). */
export async function listPolicies(
  db: Db,
  tenantId: string,
  opts: { limit?: number } = {},
): Promise<StoredPolicy[]> {
  const rows = await tenantDb(db, tenantId).query<PolicyRow>(
    "SELECT * FROM shield_policies WHERE tenant_id = $1 ORDER BY version DESC LIMIT $2",
    [tenantId, opts.limit ?? 100],
  );
  return rows.map(toPolicy);
}

/**
 * Compiled policies by tenant, one version each: versions never change once saved, so an entry
 * is reused until the tenant's active version (read by every check batch) is another.
 */
export class PolicyCache {
  readonly #byTenant = new Map<string, CompiledPolicy>();

  /** The tenant's `version`, read through `tx` (the tenant's transaction) when not cached. */
  async get(tx: Queryable, tenantId: string, version: number): Promise<CompiledPolicy> {
    const cached = this.#byTenant.get(tenantId);
    if (cached?.version === version) return cached;
    const [row] = await tx.query<{ document: unknown }>(
      "SELECT document FROM shield_policies WHERE tenant_id = $1 AND version = $2",
      [tenantId, version],
    );
    if (!row) throw new Error(`policy version ${version} of ${tenantId} vanished`);
    const compiled = new CompiledPolicy(version, parsePolicy(row.document));
    if (this.#byTenant.size >= 10_000 && !cached) this.#byTenant.clear();
    this.#byTenant.set(tenantId, compiled);
    return compiled;
  }
}
