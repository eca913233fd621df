import type { Clock, Logger } from "@kamiyo/core";
import { type Db, DEFAULT_TENANT_ID, tenantDb } from "@kamiyo/db";
import {
  apiKeysExist,
  effectiveScopes,
  findKeyGrant,
  type KeyGrant,
  keyHash,
  looksLikeKey,
  type RequestContext,
  SCOPES,
  scopesOf,
  touchApiKey,
} from "@kamiyo/tenancy";
import { ApiKeyVerifier } from "./api-keys.ts";

/** How long a looked-up key is trusted before it is read again (revocation elsewhere shows within it). */
const GRANT_TTL_MS = 5_000;
/** How often "are there keys yet?" is asked again while there are none. */
const KEYS_EXIST_TTL_MS = 1_000;
/** How often a key's last-used time is written, at most. */
const TOUCH_EVERY_MS = 60_000;
const MAX_CACHED = 10_000;

/** What a presented key (or its absence) amounts to. */
export type Authentication =
  | { ok: true; ctx: RequestContext }
  | { ok: false; reason: "missing" | "invalid" };

/**
 * Turns the request's key into its context `{tenant, actor, role, scopes}`:
 * - a database key (`kmy_live_…`, `kmy_test_…`), looked up by hash; revoked, expired and
 *   suspended-tenant keys are invalid;
 * - a key whose hash is in API_KEY_HASHES (the single-tenant configuration before keys lived in
 *   the database): the default tenant's owner;
 * - no key while none exists anywhere: the default tenant's owner, `local` (the zero-config start).
 *   Once any key exists (even a revoked one), a key is required.
 */
export class Authenticator {
  readonly #db: Db;
  readonly #clock: Clock;
  readonly #log: Logger;
  readonly #legacy: ApiKeyVerifier;
  readonly #grants = new Map<string, { grant: KeyGrant | null; at: number }>();
  readonly #touched = new Map<string, number>();
  #keysExist: { value: boolean; at: number } = { value: false, at: -Infinity };

  constructor(
    deps: { db: Db; requestDb?: Db; clock: Clock; log: Logger },
    legacyHashes: readonly string[],
  ) {
    this.#db = deps.requestDb ?? deps.db;
    this.#clock = deps.clock;
    this.#log = deps.log;
    this.#legacy = new ApiKeyVerifier(legacyHashes);
  }

  async authenticate(presented: string | undefined): Promise<Authentication> {
    // Before any key exists, a presented one cannot be valid: it is ignored, as when keys are off.
    if (!(await this.keysRequired())) return { ok: true, ctx: LOCAL };
    if (presented === undefined || presented.length === 0) return { ok: false, reason: "missing" };
    if (looksLikeKey(presented)) {
      const grant = await this.#grant(presented);
      const now = this.#clock.now();
      if (
        !grant ||
        grant.revokedAt !== null ||
        (grant.expiresAt !== null && grant.expiresAt <= now) ||
        !grant.tenantActive
      )
        return { ok: false, reason: "invalid" };
      this.#touch(grant, now);
      return {
        ok: true,
        ctx: {
          tenantId: grant.tenantId,
          actor: grant.id,
          role: grant.role,
          scopes: effectiveScopes(grant.role, grant.scopes),
          operator: grant.operator,
        },
      };
    }
    const legacy = this.#legacy.verify(presented);
    if (legacy)
      return {
        ok: true,
        ctx: {
          tenantId: DEFAULT_TENANT_ID,
          actor: legacy,
          role: "owner",
          scopes: scopesOf("owner"),
          operator: true,
        },
      };
    return { ok: false, reason: "invalid" };
  }

  /** True when requests must carry a key: API_KEY_HASHES is set or a key exists in the database. */
  async keysRequired(): Promise<boolean> {
    if (this.#legacy.enabled || this.#keysExist.value) return true;
    const now = this.#clock.now();
    if (now - this.#keysExist.at >= KEYS_EXIST_TTL_MS)
      this.#keysExist = { value: await apiKeysExist(this.#db), at: now };
    return this.#keysExist.value;
  }

  /** Drops what is cached of a key (after this process revoked or rotated it). */
  forget(): void {
    this.#grants.clear();
  }

  async #grant(key: string): Promise<KeyGrant | null> {
    const now = this.#clock.now();
    const id = keyHash(key).toString("hex");
    const cached = this.#grants.get(id);
    if (cached && now - cached.at < GRANT_TTL_MS) return cached.grant;
    const grant = await findKeyGrant(this.#db, key);
    if (this.#grants.size >= MAX_CACHED) this.#grants.clear();
    // Only keys that exist are kept: unknown ones would let a caller fill the cache.
    if (grant) this.#grants.set(id, { grant, at: now });
    else this.#grants.delete(id);
    return grant;
  }

  #touch(grant: KeyGrant, now: number): void {
    const last = this.#touched.get(grant.id) ?? -Infinity;
    if (now - last < TOUCH_EVERY_MS) return;
    this.#touched.set(grant.id, now);
    touchApiKey(tenantDb(this.#db, grant.tenantId), grant.tenantId, grant.id, now).catch((err) =>
      this.#log.warn(
        { keyId: grant.id, error: String(err) },
        "could not record an API key's last use",
      ),
    );
  }
}

/** The zero-config caller: the default tenant's owner, before any key exists. */
const LOCAL: RequestContext = {
  tenantId: DEFAULT_TENANT_ID,
  actor: "local",
  role: "owner",
  scopes: SCOPES,
  operator: true,
};
