import { type Db, PostgresDb, tenantDb } from "@kamiyo/db";
import { createTenant } from "@kamiyo/tenancy";
import { testDbKind } from "@kamiyo/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ZodApp } from "./app-types.ts";
import { buildApi } from "./build-api.ts";
import { apiConfig } from "./config.ts";
import { apiHarness, type Harness, NOW } from "./testing/api-harness.ts";

/**
 * DATABASE_APP_URL: API requests on a connection that logs in as a member of kamiyo_app, so even
 * SQL that resets the role inside a tenant transaction stays under row-level security.
 * PostgreSQL only: the embedded database has one connection, as its superuser.
 */
const LOGIN = "kamiyo_api_login";
const onPostgres = testDbKind === "postgres";

let h: Harness;
let requestDb: Db;
let app: ZodApp;
let keys: { a: string; b: string };
let tenants: { a: string; b: string };

beforeAll(async () => {
  if (!onPostgres) return;
  h = await apiHarness({ seeded: false, config: { webhookMutationsPerMinute: 1_000 } });
  await h.db.exec(`DO $$ BEGIN
    CREATE ROLE ${LOGIN} LOGIN;
  EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END $$`);
  await h.db.exec(`GRANT kamiyo_app TO ${LOGIN}`);
  const [{ schema } = { schema: "" }] = await h.db.query<{ schema: string }>(
    "SELECT current_schema() AS schema",
  );
  const url = new URL(process.env.TEST_DATABASE_URL as string);
  url.username = LOGIN;
  url.password = "";
  requestDb = await PostgresDb.open({ url: url.toString(), schema, poolSize: 2 });
  ({ app } = await buildApi(
    { ...h.deps, requestDb },
    apiConfig.parse({ webhookMutationsPerMinute: 1_000 }),
  ));
  const a = await createTenant(h.db, { name: "a", actor: "test", nowMs: NOW });
  const b = await createTenant(h.db, { name: "b", actor: "test", nowMs: NOW });
  keys = { a: a.key, b: b.key };
  tenants = { a: a.tenant.id, b: b.tenant.id };
});
afterAll(async () => {
  await app?.close();
  await requestDb?.close();
  await h?.close();
});

describe(`requests on a connection that logs in as the application role (${testDbKind})`, () => {
  it.skipIf(!onPostgres)("serves tenants as before", async () => {
    for (const [key, name] of [
      [keys.a, "a"],
      [keys.b, "b"],
    ] as const) {
      const made = await app.inject({
        method: "POST",
        url: "/webhooks",
        headers: { "x-api-key": key },
        payload: { url: `https://hooks.example.com/${name}` },
      });
      expect(made.statusCode, made.body).toBe(201);
    }
    const mine = await app.inject({
      method: "GET",
      url: "/webhooks",
      headers: { "x-api-key": keys.a },
    });
    expect(mine.json().data.map((w: { url: string }) => w.url)).toEqual([
      "https://hooks.example.com/a",
    ]);
  });

  it.skipIf(!onPostgres)(
    "is no superuser, and resetting the role in a tenant transaction shows no other tenant",
    async () => {
      const [who] = await requestDb.query<{ user: string; super: boolean; bypass: boolean }>(
        `SELECT session_user AS user, rolsuper AS super, rolbypassrls AS bypass
       FROM pg_roles WHERE rolname = session_user`,
      );
      expect(who).toEqual({ user: LOGIN, super: false, bypass: false });
      const seen = await tenantDb(requestDb, tenants.a).transaction(async (tx) => {
        await tx.exec("RESET ROLE");
        return tx.query<{ tenant_id: string }>("SELECT tenant_id FROM alert_channels");
      });
      expect(seen.map((r) => r.tenant_id)).toEqual([tenants.a]);
      expect(await requestDb.query("SELECT * FROM api_keys")).toEqual([]);
      await expect(requestDb.query("DELETE FROM findings")).rejects.toThrow(/permission denied/);
    },
  );
});
