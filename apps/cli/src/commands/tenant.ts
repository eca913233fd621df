import { AppError } from "@kamiyo/core";
import { DEFAULT_TENANT_ID, type Queryable } from "@kamiyo/db";
import type { CliIo } from "@kamiyo/platform";
import { CliError } from "@kamiyo/platform";
import { createTenant, getTenant, listTenants } from "@kamiyo/tenancy";
import type { AppConfig } from "../config/app-config.ts";
import { appLogger, openStorage } from "../runtime.ts";

/** The CLI acts as the platform operator: its changes are audited as this actor. */
export const CLI_ACTOR = "cli";

/**
 * `kamiyo tenant create NAME [--plan P] [--test]`: one JSON object,
 * `{"tenant": {"id", "name", "plan"}, "apiKey": "<the owner key, shown once>"}`.
 */
export async function tenantCreateCommand(
  config: AppConfig,
  name: string,
  o: { plan?: string; test?: boolean; owner?: string },
  stdio: CliIo,
): Promise<void> {
  const db = await openStorage(config, appLogger(config, stdio));
  try {
    const { tenant, key } = await createTenant(db, {
      name,
      plan: o.plan,
      actor: CLI_ACTOR,
      nowMs: Date.now(),
      mode: o.test ? "test" : "live",
      ownerEmail: o.owner,
    }).catch(userError);
    stdio.out(
      `${JSON.stringify({ tenant: { id: tenant.id, name: tenant.name, plan: tenant.plan }, apiKey: key })}\n`,
    );
  } finally {
    await db.close();
  }
}

/** `kamiyo tenant list [--json]`: every tenant, oldest first. */
export async function tenantListCommand(
  config: AppConfig,
  o: { json?: boolean },
  stdio: CliIo,
): Promise<void> {
  const db = await openStorage(config, appLogger(config, stdio));
  try {
    const tenants = await listTenants(db);
    if (o.json) {
      stdio.out(
        `${JSON.stringify(tenants.map((t) => ({ ...t, createdAt: new Date(t.createdAt).toISOString() })))}\n`,
      );
      return;
    }
    for (const t of tenants)
      stdio.out(
        `${t.id}  ${t.plan.padEnd(16)} ${t.status.padEnd(9)} ${new Date(t.createdAt).toISOString()}  ${t.name}\n`,
      );
  } finally {
    await db.close();
  }
}

/** Bad input found by the tenancy services becomes a one-line CLI error. */
export function userError(err: unknown): never {
  if (
    err instanceof AppError &&
    (err.code === "invalid_input" || err.code === "not_found" || err.code === "conflict")
  )
    throw new CliError(err.message);
  throw err;
}

/** The tenant a command acts for (`--tenant`, default ten_default). @throws CliError when none has that id. */
export async function tenantFor(db: Queryable, id: string | undefined): Promise<string> {
  const tenantId = id ?? DEFAULT_TENANT_ID;
  if (!(await getTenant(db, tenantId))) throw new CliError(`no tenant ${tenantId}`);
  return tenantId;
}
