import type { SecretBox } from "@kamiyo/core";
import type { Db } from "@kamiyo/db";
import type { AdPlatform, PlatformId, TenantPlatforms } from "../platform.ts";
import {
  type PlatformApps,
  type PlatformCredential,
  platformClient,
} from "../syncflow-from-settings.ts";
import { loadCredential, openCredential } from "./credential-store.ts";

/** What the connections are built with. */
export interface PlatformConnectionsDeps {
  /** Where the tenants' credentials are stored (read as the tenant, under row-level security). */
  db: Db;
  /** The install's key ring; null: no tenant's credentials can be stored or read. */
  box: SecretBox | null;
  apps: PlatformApps;
  /** The install's own tenant and its credentials from the settings (used when it stored none). */
  install: { tenantId: string; credentials: readonly PlatformCredential[] };
}

/**
 * Each tenant's clients to the ad platforms, from its own stored credentials: its bids go out
 * with its own grant, never another tenant's or the install's. The install's own tenant may use
 * the credentials of the settings instead (a one-tenant install). A tenant's row is read on each
 * call, so a credential replaced or removed through any API replica takes effect at once; a
 * client is built once per sealed value (its OAuth tokens cached with it).
 */
export class PlatformConnections implements TenantPlatforms {
  readonly #deps: PlatformConnectionsDeps;
  readonly #clients = new Map<string, { sealed: string; client: Promise<AdPlatform> }>();

  constructor(deps: PlatformConnectionsDeps) {
    this.#deps = deps;
  }

  /** Whether the install can connect `platform` at all (Google Ads needs the app's settings). */
  appConfigured(platform: PlatformId): boolean {
    return platform === "meta" || this.#deps.apps.google_ads !== null;
  }

  /** The install tenant's credential for `platform` from the settings, if any. */
  installCredential(tenantId: string, platform: PlatformId): PlatformCredential | null {
    if (tenantId !== this.#deps.install.tenantId) return null;
    return this.#deps.install.credentials.find((c) => c.platform === platform) ?? null;
  }

  async forTenant(tenantId: string, platform: PlatformId): Promise<AdPlatform | null> {
    const key = `${tenantId}/${platform}`;
    const row = await loadCredential(this.#deps.db, tenantId, platform);
    if (!row) {
      const install = this.installCredential(tenantId, platform);
      if (!install) {
        this.#clients.delete(key);
        return null;
      }
      return this.#cached(key, "settings", () => platformClient(this.#deps.apps, install));
    }
    const box = this.#deps.box;
    if (!box)
      throw new Error(
        `${platform} credentials are stored but KAMIYO_SECRET_KEYS is not set: they cannot be opened`,
      );
    return this.#cached(key, row.sealed, () =>
      platformClient(this.#deps.apps, openCredential(box, tenantId, row)),
    );
  }

  /** A client for `credential` that nothing caches (to check one before storing it). */
  clientFor(credential: PlatformCredential): Promise<AdPlatform> {
    return platformClient(this.#deps.apps, credential);
  }

  #cached(key: string, sealed: string, build: () => Promise<AdPlatform>): Promise<AdPlatform> {
    const hit = this.#clients.get(key);
    if (hit?.sealed === sealed) return hit.client;
    const client = build();
    this.#clients.set(key, { sealed, client });
    client.catch(() => {
      if (this.#clients.get(key)?.client === client) this.#clients.delete(key);
    });
    return client;
  }
}
