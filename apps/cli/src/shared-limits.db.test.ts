import type { ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { migrate, PostgresDb } from "@kamiyo/db";
import { createTenant } from "@kamiyo/tenancy";
import { startServeProcess, startTestRedis, type TestRedis, testDbKind } from "@kamiyo/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const url = process.env.TEST_DATABASE_URL ?? "";

/**
 * Two `kamiyo serve --role api,deliver` processes on one PostgreSQL database and one Redis, as two API
 * replicas run: a tenant's daily quota is one quota whichever replica answers. Two processes need
 * a database both can open, so this runs on PostgreSQL only (the db-postgres project).
 */
describe.runIf(testDbKind === "postgres")("API replicas sharing limits through Redis", () => {
  const schema = `t_${randomBytes(6).toString("hex")}`;
  const children: ChildProcess[] = [];
  let redis: TestRedis;
  let key = "";
  const bases: string[] = [];

  beforeAll(async () => {
    const admin = await PostgresDb.open({ url, poolSize: 1 });
    await admin.query(`CREATE SCHEMA ${schema}`);
    await admin.close();
    const db = await PostgresDb.open({ url, schema, poolSize: 1 });
    await migrate(db);
    key = (
      await createTenant(db, {
        name: "replicas",
        plan: "intel_free",
        actor: "test",
        nowMs: Date.now(),
      })
    ).key;
    await db.close();
    redis = await startTestRedis();
    const databaseUrl = `${url}${url.includes("?") ? "&" : "?"}options=${encodeURIComponent(`-c search_path=${schema},public`)}`;
    for (let i = 0; i < 2; i++) bases.push(await serve(databaseUrl, redis.url, children));
  }, 120_000);
  afterAll(async () => {
    for (const c of children) c.kill("SIGKILL");
    await redis?.kill();
    const admin = await PostgresDb.open({ url, poolSize: 1 });
    await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await admin.close();
  });

  it("lets an intel_free tenant make 100 exploit-API calls across both, and refuses the 101st on either", async () => {
    const call = (base: string) =>
      fetch(`${base}/exploits?limit=1`, { headers: { "x-api-key": key } });
    const answers = await Promise.all(
      Array.from({ length: 100 }, (_, i) => call(bases[i % 2] as string)),
    );
    expect(answers.map((a) => a.status)).toEqual(Array(100).fill(200));
    for (const base of bases) {
      const refused = await call(base);
      expect(refused.status).toBe(429);
      const body = (await refused.json()) as { error: { code: string } };
      expect(body.error.code).toBe("quota_exceeded");
    }
    const ready = (await (await fetch(`${bases[0]}/ready`)).json()) as { limits: unknown };
    expect(ready.limits).toEqual({ backend: "redis", degraded: false, error: null });
  });
});

/** Starts `kamiyo serve --role api,deliver` on the shared database and Redis; resolves with its base URL. */
async function serve(
  databaseUrl: string,
  redisUrl: string,
  children: ChildProcess[],
): Promise<string> {
  const running = await startServeProcess(["--role", "api,deliver"], {
    DATABASE_URL: databaseUrl,
    REDIS_URL: redisUrl,
  });
  children.push(running.child);
  return running.base;
}
