import { type EditionId, planById, subscribe } from "@kamiyo/billing";
import { AppError } from "@kamiyo/core";
import type { Db, Queryable } from "@kamiyo/db";
import type { KeyMode } from "./api-key-format.ts";
import { type ApiKeyRecord, createApiKey } from "./api-keys-repo.ts";
import { recordAudit } from "./audit-log.ts";
import { newId } from "./ids.ts";
import { checkEmail, upsertUser } from "./members-repo.ts";

export interface Tenant {
  id: string;
  name: string;
  /** Its platform edition: the plan of its `platform` subscription. */
  plan: EditionId;
  status: "active" | "suspended";
  createdAt: number;
}

interface TenantRow {
  id: string;
  name: string;
  plan: string;
  status: "active" | "suspended";
  created_at: Date;
}

const toTenant = (r: TenantRow): Tenant => ({
  id: r.id,
  name: r.name,
  // A platform subscription's plan is a platform plan: subscribe files a plan under its product.
  plan: r.plan as EditionId,
  status: r.status,
  createdAt: r.created_at.getTime(),
});

/** A tenant name: 1–100 characters, trimmed, no control characters. */
export function checkTenantName(name: string): string {
  const t = name.trim();
  // biome-ignore lint/suspicious/noControlCharactersInRegex: refusing control characters is the point
  if (t.length === 0 || t.length > 100 || /[\u0000-\u001f\u007f]/.test(t))
    throw new AppError(
      "invalid_input",
      "a tenant name is 1 to 100 characters without control characters",
    );
  return t;
}

/** The columns of a tenant, its edition from its platform subscription. */
const TENANT = `SELECT t.id, t.name, s.plan_id AS plan, t.status, t.created_at
  FROM tenants t
  JOIN subscriptions s ON s.tenant_id = t.id AND s.product = 'platform'`;

/**
 * Creates a tenant and its owner key in one transaction (on the platform's connection: a tenant
 * cannot create tenants).
 * @returns the tenant, the owner key's record and the key itself (shown once).
 */
export async function createTenant(
  platform: Db,
  input: {
    name: string;
    plan?: string;
    actor: string;
    nowMs: number;
    mode?: KeyMode;
    /** The person who owns it: added as its first member, role owner. */
    ownerEmail?: string;
  },
): Promise<{ tenant: Tenant; owner: ApiKeyRecord; key: string }> {
  const name = checkTenantName(input.name);
  const plan = planById(input.plan ?? "open_source");
  const ownerEmail = input.ownerEmail === undefined ? undefined : checkEmail(input.ownerEmail);
  return platform.transaction(async (tx) => {
    const id = newId("ten", input.nowMs);
    await tx.query("INSERT INTO tenants (id, name, created_at) VALUES ($1, $2, $3)", [
      id,
      name,
      new Date(input.nowMs),
    ]);
    // Every tenant has a platform edition; a plan of another product subscribes it to that too.
    if (plan.product !== "platform")
      await subscribe(tx, { tenantId: id, planId: "open_source", nowMs: input.nowMs });
    await subscribe(tx, { tenantId: id, planId: plan.id, nowMs: input.nowMs });
    const [row] = await tx.query<TenantRow>(`${TENANT} WHERE t.id = $1`, [id]);
    const tenant = toTenant(row as TenantRow);
    const { record, key } = await createApiKey(tx, {
      tenantId: tenant.id,
      name: "owner",
      role: "owner",
      mode: input.mode,
      createdBy: input.actor,
      nowMs: input.nowMs,
    });
    if (ownerEmail) {
      const userId = await upsertUser(tx, { email: ownerEmail, nowMs: input.nowMs });
      await tx.query(
        "INSERT INTO memberships (tenant_id, user_id, role, created_at) VALUES ($1, $2, 'owner', $3)",
        [tenant.id, userId, new Date(input.nowMs)],
      );
    }
    await recordAudit(tx, {
      tenantId: tenant.id,
      actor: input.actor,
      action: "tenant.create",
      target: tenant.id,
      requestId: null,
      before: null,
      after: tenant,
      nowMs: input.nowMs,
    });
    return { tenant, owner: record, key };
  });
}

/** Every tenant, oldest first (the operator's view). */
export async function listTenants(platform: Queryable): Promise<Tenant[]> {
  const rows = await platform.query<TenantRow>(`${TENANT} ORDER BY t.created_at, t.id`);
  return rows.map(toTenant);
}

/** One tenant, or null (through a tenant's connection: only its own row is visible). */
export async function getTenant(q: Queryable, id: string): Promise<Tenant | null> {
  const [row] = await q.query<TenantRow>(`${TENANT} WHERE t.id = $1`, [id]);
  return row ? toTenant(row) : null;
}

/** Suspends or reactivates a tenant: a suspended tenant's keys answer 401. */
export async function setTenantStatus(
  platform: Queryable,
  id: string,
  status: Tenant["status"],
): Promise<Tenant | null> {
  const updated = await platform.query(
    "UPDATE tenants SET status = $2 WHERE id = $1 RETURNING id",
    [id, status],
  );
  return updated.length > 0 ? getTenant(platform, id) : null;
}
