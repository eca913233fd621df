import { DEFAULT_TENANT_ID } from "@kamiyo/db";
import type { CliIo } from "@kamiyo/platform";
import { CliError } from "@kamiyo/platform";
import {
  type ApiKeyRecord,
  createApiKey,
  isRole,
  isScope,
  listApiKeys,
  ROLES,
  type Role,
  revokeApiKey,
  SCOPES,
  type Scope,
} from "@kamiyo/tenancy";
import { InvalidArgumentError } from "commander";
import type { AppConfig } from "../config/app-config.ts";
import { appLogger, openStorage } from "../runtime.ts";
import { CLI_ACTOR, tenantFor } from "./tenant.ts";

export function parseRole(text: string): Role {
  if (!isRole(text)) throw new InvalidArgumentError(`expected a role: ${ROLES.join(", ")}`);
  return text;
}

export function parseScopes(text: string): Scope[] {
  const items = text
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
  const bad = items.filter((s) => !isScope(s));
  if (items.length === 0 || bad.length > 0)
    throw new InvalidArgumentError(
      `expected scopes from ${SCOPES.join(", ")}, comma-separated${bad.length ? `; got ${bad.join(", ")}` : ""}`,
    );
  return [...new Set(items)] as Scope[];
}

export interface ApiKeyCreateOptions {
  tenant?: string;
  role?: Role;
  scopes?: Scope[];
  name?: string;
  /** Epoch ms. */
  expires?: number;
  test?: boolean;
  operator?: boolean;
}

/**
 * `kamiyo api-key create [--tenant ID] [--role R] [--scopes a,b]`: stores the key's hash and
 * prints `{"id", "key", "prefix", "role", "scopes"}` (the key is shown only now).
 */
export async function apiKeyCreateCommand(
  config: AppConfig,
  o: ApiKeyCreateOptions,
  stdio: CliIo,
): Promise<void> {
  const now = Date.now();
  if (o.expires !== undefined && o.expires <= now)
    throw new CliError("--expires must be in the future");
  const db = await openStorage(config, appLogger(config, stdio));
  try {
    const tenantId = await tenantFor(db, o.tenant);
    const { record, key } = await createApiKey(db, {
      tenantId,
      name: o.name ?? (o.operator ? "operator" : (o.role ?? "owner")),
      role: o.role ?? "owner",
      scopes: o.scopes ?? [],
      mode: o.test ? "test" : "live",
      operator: o.operator === true,
      createdBy: CLI_ACTOR,
      nowMs: now,
      expiresAt: o.expires ?? null,
    });
    stdio.out(
      `${JSON.stringify({ id: record.id, key, prefix: record.prefix, role: record.role, scopes: record.scopes, tenantId })}\n`,
    );
  } finally {
    await db.close();
  }
}

/** `kamiyo api-key list [--tenant ID] [--json]`: the tenant's keys, newest first. */
export async function apiKeyListCommand(
  config: AppConfig,
  o: { tenant?: string; json?: boolean },
  stdio: CliIo,
): Promise<void> {
  const db = await openStorage(config, appLogger(config, stdio));
  try {
    const keys = await listApiKeys(db, o.tenant ?? DEFAULT_TENANT_ID);
    if (o.json) {
      stdio.out(`${JSON.stringify(keys.map(keyJson))}\n`);
      return;
    }
    for (const k of keys)
      stdio.out(
        `${k.id}  ${k.prefix}…  ${k.role.padEnd(6)} ${state(k, Date.now()).padEnd(8)} ${k.name}\n`,
      );
  } finally {
    await db.close();
  }
}

/** `kamiyo api-key revoke ID [--tenant ID]`: the key stops working (within 5 s on running servers). */
export async function apiKeyRevokeCommand(
  config: AppConfig,
  id: string,
  o: { tenant?: string },
  stdio: CliIo,
): Promise<void> {
  if (!/^key_[0-9a-z]{9,40}$/.test(id)) throw new CliError(`"${id}" is not an API key id (key_…)`);
  const db = await openStorage(config, appLogger(config, stdio));
  try {
    const k = await revokeApiKey(db, o.tenant ?? DEFAULT_TENANT_ID, id, Date.now());
    if (!k) throw new CliError(`no API key ${id} in tenant ${o.tenant ?? DEFAULT_TENANT_ID}`);
    stdio.out(`revoked ${k.id} (${k.prefix}…)\n`);
  } finally {
    await db.close();
  }
}

function state(k: ApiKeyRecord, now: number): string {
  if (k.revokedAt !== null) return "revoked";
  if (k.expiresAt !== null && k.expiresAt <= now) return "expired";
  return "active";
}

function keyJson(k: ApiKeyRecord) {
  const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
  return {
    id: k.id,
    name: k.name,
    prefix: k.prefix,
    role: k.role,
    scopes: k.scopes,
    operator: k.operator,
    state: state(k, Date.now()),
    createdAt: iso(k.createdAt),
    expiresAt: iso(k.expiresAt),
    revokedAt: iso(k.revokedAt),
    lastUsedAt: iso(k.lastUsedAt),
  };
}
