import { EDITION_IDS, type EditionId } from "@kamiyo/billing";
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
  plan: EditionId;
  status: "active" | "suspended";
  createdAt: number;
}

interface TenantRow {
  id: string;
  name: string;
  plan: EditionId;
  status: "active" | "suspended";
  created_at: Date;
}

const toTenant = (r: TenantRow): Tenant => ({
  id: r.id,
  name: r.name,
  plan: r.plan,
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

export function checkPlan(plan: string): EditionId {
  if (!(EDITION_IDS as string[]).includes(plan))
    throw new AppError("invalid_input", `unknown plan "${plan}"; one of ${EDITION_IDS.join(", ")}`);
  return plan as EditionId;
}

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
  const plan = checkPlan(input.plan ?? "open_source");
  const ownerEmail = input.ownerEmail === undefined ? undefined : checkEmail(input.ownerEmail);
  return platform.transaction(async (tx) => {
    const [row] = await tx.query<TenantRow>(
      `INSERT INTO tenants (id, name, plan, created_at) VALUES ($1, $2, $3, $4)
       RETURNING id, name, plan, status, created_at`,
      [newId("ten", input.nowMs), name, plan, new Date(input.nowMs)],
    );
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
  const rows = await platform.query<TenantRow>(
    "SELECT id, name, plan, status, created_at FROM tenants ORDER BY created_at, id",
  );
  return rows.map(toTenant);
}

/** One tenant, or null (through a tenant's connection: only its own row is visible). */
export async function getTenant(q: Queryable, id: string): Promise<Tenant | null> {
  const [row] = await q.query<TenantRow>(
    "SELECT id, name, plan, status, created_at FROM tenants WHERE id = $1",
    [id],
  );
  return row ? toTenant(row) : null;
}

/** Suspends or reactivates a tenant: a suspended tenant's keys answer 401. */
export async function setTenantStatus(
  platform: Queryable,
  id: string,
  status: Tenant["status"],
): Promise<Tenant | null> {
  const [row] = await platform.query<TenantRow>(
    "UPDATE tenants SET status = $2 WHERE id = $1 RETURNING id, name, plan, status, created_at",
    [id, status],
  );
  return row ? toTenant(row) : null;
}
