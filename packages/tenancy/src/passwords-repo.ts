import type { Queryable } from "@kamiyo/db";
import type { Role } from "./roles.ts";

/** A person as sign-in finds them: their password hash and their tenants. */
export interface SignInCandidate {
  userId: string;
  email: string;
  /** null: no password set (sign-in then fails like a wrong one). */
  passwordHash: string | null;
  memberships: { tenantId: string; tenantName: string; role: Role; tenantActive: boolean }[];
}

/**
 * The person with this (normalised) address, across tenants (`find_sign_in`, SECURITY DEFINER:
 * sign-in happens before a tenant is known), or null.
 */
export async function findSignIn(q: Queryable, email: string): Promise<SignInCandidate | null> {
  const rows = await q.query<{
    user_id: string;
    email: string;
    password_hash: string | null;
    tenant_id: string | null;
    tenant_name: string | null;
    role: Role | null;
    tenant_status: string | null;
  }>("SELECT * FROM find_sign_in($1)", [email]);
  const [first] = rows;
  if (!first) return null;
  return {
    userId: first.user_id,
    email: first.email,
    passwordHash: first.password_hash,
    memberships: rows
      .filter((r) => r.tenant_id !== null)
      .map((r) => ({
        tenantId: r.tenant_id as string,
        tenantName: r.tenant_name as string,
        role: r.role as Role,
        tenantActive: r.tenant_status === "active",
      })),
  };
}

/** A person's password hash, or null (on the platform's connection: kamiyo_app may not read it). */
export async function getPasswordHash(platform: Queryable, userId: string): Promise<string | null> {
  const [r] = await platform.query<{ hash: string }>(
    "SELECT hash FROM user_passwords WHERE user_id = $1",
    [userId],
  );
  return r?.hash ?? null;
}

/** Sets a person's password hash (on the platform's connection). */
export async function setPasswordHash(
  platform: Queryable,
  userId: string,
  hash: string,
  nowMs: number,
): Promise<void> {
  await platform.query(
    `INSERT INTO user_passwords (user_id, hash, changed_at) VALUES ($1, $2, $3)
     ON CONFLICT (user_id) DO UPDATE SET hash = EXCLUDED.hash, changed_at = EXCLUDED.changed_at`,
    [userId, hash, new Date(nowMs)],
  );
}

/**
 * True once any API key or password exists (revoked keys count): from then on every route needs
 * credentials (`credentials_exist`, SECURITY DEFINER).
 */
export async function credentialsExist(q: Queryable): Promise<boolean> {
  const [r] = await q.query<{ exists: boolean }>("SELECT credentials_exist() AS exists");
  return r?.exists === true;
}
