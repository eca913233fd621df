import { AppError } from "@kamiyo/core";
import type { Db, Queryable } from "@kamiyo/db";
import { newId } from "./ids.ts";
import { ROLES, type Role } from "./roles.ts";

/** A person's membership of one tenant. */
export interface Member {
  userId: string;
  email: string;
  name: string | null;
  role: Role;
  createdAt: number;
}

interface MemberRow {
  user_id: string;
  email: string;
  name: string | null;
  role: Role;
  created_at: Date;
}

const toMember = (r: MemberRow): Member => ({
  userId: r.user_id,
  email: r.email,
  name: r.name,
  role: r.role,
  createdAt: r.created_at.getTime(),
});

const SELECT_MEMBERS = `SELECT m.user_id, u.email, u.name, m.role, m.created_at
  FROM memberships m JOIN users u ON u.id = m.user_id`;

/** An email address as stored: trimmed, lower case, one @, no spaces. */
export function checkEmail(email: string): string {
  const e = email.trim().toLowerCase();
  if (e.length > 254 || !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(e))
    throw new AppError("invalid_input", `"${email.slice(0, 80)}" is not an email address`);
  return e;
}

/** The tenant's members, oldest first. */
export async function listMembers(q: Queryable, tenantId: string): Promise<Member[]> {
  const rows = await q.query<MemberRow>(
    `${SELECT_MEMBERS} WHERE m.tenant_id = $1 ORDER BY m.created_at, m.user_id`,
    [tenantId],
  );
  return rows.map(toMember);
}

export async function getMember(
  q: Queryable,
  tenantId: string,
  userId: string,
): Promise<Member | null> {
  const [row] = await q.query<MemberRow>(
    `${SELECT_MEMBERS} WHERE m.tenant_id = $1 AND m.user_id = $2`,
    [tenantId, userId],
  );
  return row ? toMember(row) : null;
}

/**
 * The user with this (checked) address, created the first time it is seen; a name fills one not
 * yet known. Users are global: call on the platform's connection.
 * @returns the user's id.
 */
export async function upsertUser(
  platform: Queryable,
  input: { email: string; name?: string; nowMs: number },
): Promise<string> {
  const [user] = await platform.query<{ id: string }>(
    `INSERT INTO users (id, email, name, created_at) VALUES ($1, $2, $3, $4)
     ON CONFLICT (email) DO UPDATE SET name = coalesce(users.name, EXCLUDED.name)
     RETURNING id`,
    [newId("usr", input.nowMs), input.email, input.name ?? null, new Date(input.nowMs)],
  );
  return (user as { id: string }).id;
}

/**
 * Adds a person to a tenant with a role, creating the user the first time the address is seen.
 * Users are global, so the user is written on the platform's connection; the membership on the
 * tenant's.
 * @throws AppError("conflict") when the address is already a member.
 */
export async function addMember(
  platform: Db,
  tenant: Queryable,
  input: { tenantId: string; email: string; name?: string; role: Role; nowMs: number },
): Promise<Member> {
  const email = checkEmail(input.email);
  const userId = await upsertUser(platform, { email, name: input.name, nowMs: input.nowMs });
  const added = await tenant.query(
    `INSERT INTO memberships (tenant_id, user_id, role, created_at) VALUES ($1, $2, $3, $4)
     ON CONFLICT DO NOTHING RETURNING user_id`,
    [input.tenantId, userId, input.role, new Date(input.nowMs)],
  );
  if (added.length === 0) throw new AppError("conflict", `${email} is already a member`);
  return (await getMember(tenant, input.tenantId, userId)) as Member;
}

/**
 * Changes a member's role, or removes the member (`role` null). The last owner stays an owner.
 * @throws AppError("not_found") for a user who is not a member; AppError("conflict") for the last owner.
 */
export async function changeMember(
  tx: Queryable,
  tenantId: string,
  userId: string,
  role: Role | null,
): Promise<Member | null> {
  const rows = await tx.query<{ user_id: string; role: Role }>(
    "SELECT user_id, role FROM memberships WHERE tenant_id = $1 FOR UPDATE",
    [tenantId],
  );
  const current = rows.find((r) => r.user_id === userId);
  if (!current) throw new AppError("not_found", `no member ${userId}`);
  const owners = rows.filter((r) => r.role === "owner").length;
  if (current.role === "owner" && role !== "owner" && owners === 1)
    throw new AppError("conflict", "the tenant's last owner cannot be removed or demoted");
  if (role === null) {
    await tx.query("DELETE FROM memberships WHERE tenant_id = $1 AND user_id = $2", [
      tenantId,
      userId,
    ]);
    return null;
  }
  if (!ROLES.includes(role)) throw new AppError("invalid_input", `unknown role ${role}`);
  await tx.query("UPDATE memberships SET role = $3 WHERE tenant_id = $1 AND user_id = $2", [
    tenantId,
    userId,
    role,
  ]);
  return getMember(tx, tenantId, userId);
}
