import type { Db } from "@kamiyo/db";
import { LtvPredictor } from "../ltv/ltv-predictor.ts";
import { activeLtvModel, activeLtvVersion } from "../ltv/model-store.ts";

/** How long a tenant's cached model answers before its active version is read again. */
export const MODEL_STAMP_TTL_MS = 2_000;
const MAX_TENANTS = 10_000;

interface Entry {
  predictor: LtvPredictor | null;
  checkedAt: number;
}

/**
 * Each tenant's active model, in memory: a call reads the database only when the tenant's entry
 * is older than {@link MODEL_STAMP_TTL_MS}, and then only the active version (a stamp); the
 * model itself is loaded again only when that version changed. So a newly activated version
 * answers within about two seconds, and a steady stream of calls costs one small query per
 * tenant every two seconds.
 */
export class TenantModels {
  readonly #db: Db;
  readonly #now: () => number;
  readonly #entries = new Map<string, Entry>();
  readonly #pending = new Map<string, Promise<LtvPredictor | null>>();

  constructor(db: Db, now: () => number = Date.now) {
    this.#db = db;
    this.#now = now;
  }

  /** The tenant's active model, or null when it has none. */
  async get(tenantId: string): Promise<LtvPredictor | null> {
    const entry = this.#entries.get(tenantId);
    if (entry && this.#now() - entry.checkedAt < MODEL_STAMP_TTL_MS) return entry.predictor;
    // One refresh per tenant at a time: the calls arriving meanwhile wait for it.
    let pending = this.#pending.get(tenantId);
    if (!pending) {
      pending = this.#refresh(tenantId, entry).finally(() => this.#pending.delete(tenantId));
      this.#pending.set(tenantId, pending);
    }
    return pending;
  }

  async #refresh(tenantId: string, entry: Entry | undefined): Promise<LtvPredictor | null> {
    const checkedAt = this.#now();
    const version = await activeLtvVersion(this.#db, tenantId);
    let predictor = entry?.predictor ?? null;
    if (version === null) predictor = null;
    else if (predictor?.version !== version) {
      const model = await activeLtvModel(this.#db, tenantId);
      predictor = model && new LtvPredictor(model);
    }
    if (this.#entries.size >= MAX_TENANTS && !entry) this.#entries.clear();
    this.#entries.set(tenantId, { predictor, checkedAt });
    return predictor;
  }
}
