import type { SecretBox } from "@kamiyo/core";
import { type Db, tenantDb } from "@kamiyo/db";
import type { PlatformId } from "../platform.ts";
import type { PlatformCredential } from "../syncflow-from-settings.ts";

/** A tenant's stored connection to a platform, as anyone may see it: never the secret. */
export interface StoredCredential {
  platform: PlatformId;
  /** The secret's last four characters, to tell one from another. */
  hint: string;
  /** Google Ads: the manager account the calls go through. */
  loginCustomerId: string | null;
  /** Whose grant the platform said it is when it was checked (a user, the customers it reaches). */
  identity: string;
  /** When the platform accepted it: on saving. */
  verifiedAt: number;
  createdAt: number;
  updatedAt: number;
}

/** A stored row with its sealed secret (`credential-store.ts`'s callers open it). */
export interface SealedCredential extends StoredCredential {
  sealed: string;
}

interface Row {
  platform: PlatformId;
  sealed: string;
  hint: string;
  login_customer_id: string | null;
  identity: string;
  verified_at: Date;
  created_at: Date;
  updated_at: Date;
}

/** What a sealed credential is bound to: its table, tenant and platform. */
export function credentialContext(tenantId: string, platform: PlatformId): string {
  return `shield_platform_credentials:${tenantId}:${platform}`;
}

/** The secret a credential's hint is taken from. */
function secretOf(c: PlatformCredential): string {
  return c.platform === "meta" ? c.accessToken : c.refreshToken;
}

const COLUMNS =
  "platform, sealed, hint, login_customer_id, identity, verified_at, created_at, updated_at";

function fromRow(r: Row): SealedCredential {
  return {
    platform: r.platform,
    sealed: r.sealed,
    hint: r.hint,
    loginCustomerId: r.login_customer_id,
    identity: r.identity,
    verifiedAt: r.verified_at.getTime(),
    createdAt: r.created_at.getTime(),
    updatedAt: r.updated_at.getTime(),
  };
}

/**
 * Stores `credential` as `tenantId`'s connection to its platform (replacing one stored before),
 * sealed by `box` and bound to the tenant and platform; `identity` is whose grant the platform
 * said it is when it was checked, at `nowMs`.
 */
export async function saveCredential(
  db: Db,
  box: SecretBox,
  tenantId: string,
  credential: PlatformCredential,
  checked: { identity: string; nowMs: number },
): Promise<SealedCredential> {
  const secret = secretOf(credential);
  const sealed = box.seal(
    JSON.stringify(credential),
    credentialContext(tenantId, credential.platform),
  );
  const now = new Date(checked.nowMs);
  const [row] = await tenantDb(db, tenantId).query<Row>(
    `INSERT INTO shield_platform_credentials
       (tenant_id, platform, sealed, hint, login_customer_id, identity, verified_at, created_at,
        updated_at)
     VALUES ($1, $2, $3, $4, $5, $7, $6, $6, $6)
     ON CONFLICT (tenant_id, platform) DO UPDATE SET sealed = EXCLUDED.sealed,
       hint = EXCLUDED.hint, login_customer_id = EXCLUDED.login_customer_id,
       identity = EXCLUDED.identity, verified_at = EXCLUDED.verified_at, updated_at = EXCLUDED.updated_at
     RETURNING ${COLUMNS}`,
    [
      tenantId,
      credential.platform,
      sealed,
      secret.slice(-4),
      credential.platform === "google_ads" ? (credential.loginCustomerId ?? null) : null,
      now,
      checked.identity.slice(0, 500),
    ],
  );
  return fromRow(row as Row);
}

/** `tenantId`'s stored connection to `platform`, sealed, or null. */
export async function loadCredential(
  db: Db,
  tenantId: string,
  platform: PlatformId,
): Promise<SealedCredential | null> {
  const [row] = await tenantDb(db, tenantId).query<Row>(
    `SELECT ${COLUMNS} FROM shield_platform_credentials WHERE tenant_id = $1 AND platform = $2`,
    [tenantId, platform],
  );
  return row ? fromRow(row) : null;
}

/** Every platform `tenantId` has connected, by platform. */
export async function listCredentials(db: Db, tenantId: string): Promise<SealedCredential[]> {
  const rows = await tenantDb(db, tenantId).query<Row>(
    `SELECT ${COLUMNS} FROM shield_platform_credentials WHERE tenant_id = $1 ORDER BY platform`,
    [tenantId],
  );
  return rows.map(fromRow);
}

/** Removes `tenantId`'s connection to `platform`. @returns whether there was one. */
export async function deleteCredential(
  db: Db,
  tenantId: string,
  platform: PlatformId,
): Promise<boolean> {
  const rows = await tenantDb(db, tenantId).query(
    `DELETE FROM shield_platform_credentials WHERE tenant_id = $1 AND platform = $2 RETURNING platform`,
    [tenantId, platform],
  );
  return rows.length > 0;
}

/**
 * The credential a stored row seals.
 * @throws SecretBoxError when it does not open (another tenant's row copied here, a key no longer
 *   in the ring); Error when what it holds is not this platform's credential.
 */
export function openCredential(
  box: SecretBox,
  tenantId: string,
  row: SealedCredential,
): PlatformCredential {
  const credential = JSON.parse(
    box.open(row.sealed, credentialContext(tenantId, row.platform)),
  ) as PlatformCredential;
  if (credential.platform !== row.platform)
    throw new Error(`stored ${row.platform} credentials hold ${credential.platform}'s`);
  return credential;
}

/**
 * Seals `credential` (what `row` holds) again with the ring's current key, keeping when it was
 * checked and changed; only if the row still holds what was read (a credential replaced meanwhile
 * is left as its new self).
 * @returns whether the row was sealed again.
 */
export async function resealCredential(
  db: Db,
  box: SecretBox,
  tenantId: string,
  row: SealedCredential,
  credential: PlatformCredential,
): Promise<boolean> {
  const sealed = box.seal(JSON.stringify(credential), credentialContext(tenantId, row.platform));
  const done = await tenantDb(db, tenantId).query(
    `UPDATE shield_platform_credentials SET sealed = $4
      WHERE tenant_id = $1 AND platform = $2 AND sealed = $3 RETURNING platform`,
    [tenantId, row.platform, row.sealed, sealed],
  );
  return done.length > 0;
}
