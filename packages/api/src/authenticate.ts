import type { Clock, Logger } from "@kamiyo/core";
import { type Db, DEFAULT_TENANT_ID, tenantDb } from "@kamiyo/db";
import {
  credentialsExist,
  effectiveScopes,
  findKeyGrant,
  findSessionGrant,
  type KeyGrant,
  keyHash,
  looksLikeKey,
  looksLikeSessionToken,
  type RequestContext,
  SCOPES,
  type SessionGrant,
  scopesOf,
  sessionHash,
  sessionLive,
  touchApiKey,
  touchSession,
} from "@kamiyo/tenancy";
import { ApiKeyVerifier } from "./api-keys.ts";

/** How long a looked-up key is trusted before it is read again (revocation elsewhere shows within it). */
const GRANT_TTL_MS = 5_000;
/** How often "are there keys or passwords yet?" is asked again while there are none. */
const KEYS_EXIST_TTL_MS = 1_000;
/** How often a key's last-used time (a session's last-seen time) is written, at most. */
const TOUCH_EVERY_MS = 60_000;
const MAX_CACHED = 10_000;

/** What a presented key (or its absence) amounts to. */
export type Authentication =
  | {
      ok: true;
      ctx: RequestContext;
      /** The session the cookie named (`ses_…`), when that is how the caller signed in. */
      sessionId?: string;
    }
  | { ok: false; reason: "missing" | "invalid" | "session" };

/**
 * Turns the request's key into its context `{tenant, actor, role, scopes}`:
 * - a database key (`kmy_live_…`, `kmy_test_…`), looked up by hash; revoked, expired and
 *   suspended-tenant keys are invalid;
 * - a key whose hash is in API_KEY_HASHES (the single-tenant configuration before keys lived in
 *   the database): the default tenant's owner;
 * - else a session cookie's token, looked up by hash: the signed-in person (actor `usr_…`) in the
 *   session's tenant with their membership's role now; revoked, expired (7 days after sign-in, or
 *   12 hours unused), membership-less and suspended-tenant sessions are invalid;
 * - no key while none exists anywhere: the default tenant's owner, `local` (the zero-config start).
 *   Once any key or password exists (even a revoked key), credentials are required.
 */
export class Authenticator {
  readonly #db: Db;
  readonly #clock: Clock;
  readonly #log: Logger;
  readonly #legacy: ApiKeyVerifier;
  readonly #grants = new Map<string, { grant: KeyGrant | null; at: number }>();
  readonly #sessions = new Map<string, { grant: SessionGrant; at: number }>();
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

  /**
   * @param presented the key (X-API-Key or Bearer); it wins over a session cookie sent with it.
   * @param session the session cookie's token.
   */
  async authenticate(
    presented: string | undefined,
    session?: string | undefined,
  ): Promise<Authentication> {
    // Before any key exists, a presented one cannot be valid: it is ignored, as when keys are off.
    if (!(await this.keysRequired())) return { ok: true, ctx: LOCAL };
    if ((presented === undefined || presented.length === 0) && session)
      return this.#session(session);
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

  /**
   * True when requests must carry credentials: API_KEY_HASHES is set, or a key or a password
   * exists in the database.
   */
  async keysRequired(): Promise<boolean> {
    if (this.#legacy.enabled || this.#keysExist.value) return true;
    const now = this.#clock.now();
    if (now - this.#keysExist.at >= KEYS_EXIST_TTL_MS)
      this.#keysExist = { value: await credentialsExist(this.#db), at: now };
    return this.#keysExist.value;
  }

  /**
   * Drops what is cached of keys and sessions (after this process revoked or rotated a key,
   * signed a session out, changed a password or removed a member).
   */
  forget(): void {
    this.#grants.clear();
    this.#sessions.clear();
  }

  async #session(token: string): Promise<Authentication> {
    if (!looksLikeSessionToken(token)) return { ok: false, reason: "session" };
    const now = this.#clock.now();
    const id = sessionHash(token).toString("hex");
    let grant = this.#sessions.get(id);
    if (!grant || now - grant.at >= GRANT_TTL_MS) {
      const found = await findSessionGrant(this.#db, token);
      if (this.#sessions.size >= MAX_CACHED) this.#sessions.clear();
      if (!found) {
        this.#sessions.delete(id);
        return { ok: false, reason: "session" };
      }
      grant = { grant: found, at: now };
      this.#sessions.set(id, grant);
    }
    const g = grant.grant;
    // Its last use here may be newer than the row, whose last-seen time is written once a minute.
    const lastSeenAt = Math.max(g.lastSeenAt, this.#touched.get(g.id) ?? -Infinity);
    if (!sessionLive({ ...g, lastSeenAt }, now) || g.role === null || !g.tenantActive)
      return { ok: false, reason: "session" };
    this.#touchSession(g, now);
    return {
      ok: true,
      ctx: {
        tenantId: g.tenantId,
        actor: g.userId,
        role: g.role,
        scopes: scopesOf(g.role),
        operator: false,
      },
      sessionId: g.id,
    };
  }

  #touchSession(grant: SessionGrant, now: number): void {
    const last = this.#touched.get(grant.id) ?? -Infinity;
    if (now - last < TOUCH_EVERY_MS) return;
    if (this.#touched.size >= MAX_CACHED) this.#touched.clear();
    this.#touched.set(grant.id, now);
    touchSession(tenantDb(this.#db, grant.tenantId), grant.tenantId, grant.id, now).catch((err) =>
      this.#log.warn(
        { sessionId: grant.id, error: String(err) },
        "could not record a session's last use",
      ),
    );
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
