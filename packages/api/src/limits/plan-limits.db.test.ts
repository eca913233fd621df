import { type ProductId, subscribe } from "@kamiyo/billing";
import { silentLogger } from "@kamiyo/core";
import { createTenant } from "@kamiyo/tenancy";
import { startTestRedis, type TestRedis, testDbKind } from "@kamiyo/testing";
import { Redis } from "ioredis";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import type { ApiModule } from "../api-module.ts";
import { buildApi } from "../build-api.ts";
import { apiConfig } from "../config.ts";
import { errorResponses } from "../schemas/common.ts";
import { apiHarness, createOperatorKey, type Harness, NOW } from "../testing/api-harness.ts";
import { LimitStore } from "./limit-store.ts";

/** A product's one route, to see its plan govern it. */
const probe = (product: ProductId): ApiModule => ({
  id: `probe-${product}`,
  product,
  tags: [],
  routes(app) {
    app.get(
      `/probe/${product}`,
      { schema: { response: { 200: z.object({ ok: z.boolean() }), ...errorResponses } } },
      async () => ({ ok: true }),
    );
  },
});
const MODULES = [probe("rca"), probe("intel")];

let h: Harness;
let operator = "";

beforeAll(async () => {
  h = await apiHarness({ seeded: false, modules: MODULES });
  operator = await createOperatorKey(h.db);
});
afterAll(async () => h?.close());

const tenant = async (plan: string) => {
  const made = await createTenant(h.db, { name: `t-${plan}`, plan, actor: "test", nowMs: NOW });
  return { id: made.tenant.id, key: made.key };
};
const get = (key: string, url: string) =>
  h.app.inject({ method: "GET", url, headers: { "x-api-key": key } });

describe(`plan limits (${testDbKind})`, () => {
  it("holds an rca_free tenant to 100 requests a minute on RCA routes, and says so in the headers", async () => {
    const t = await tenant("rca_free");
    const first = await get(t.key, "/probe/rca");
    expect(first.statusCode).toBe(200);
    expect(first.headers["ratelimit-limit"]).toBe("100");
    expect(first.headers["ratelimit-remaining"]).toBe("99");
    expect(first.headers["ratelimit-policy"]).toBe("100;w=60, 10000;w=86400");
    for (let i = 0; i < 99; i++) expect((await get(t.key, "/probe/rca")).statusCode).toBe(200);
    const refused = await get(t.key, "/probe/rca");
    expect(refused.statusCode).toBe(429);
    expect(refused.json().error.code).toBe("rate_limited");
    expect(refused.json().error.message).toMatch(/100 requests a minute of the rca_free plan/);
    expect(Number(refused.headers["retry-after"])).toBeGreaterThan(0);
    expect(refused.headers["ratelimit-remaining"]).toBe("0");
    h.expectValid("GET", "/probe/rca", 429, refused.json());
    // The tenant's other product is not its RCA plan's to limit; another tenant has its own minute.
    expect((await get(t.key, "/probe/intel")).statusCode).toBe(200);
    expect((await get((await tenant("rca_free")).key, "/probe/rca")).statusCode).toBe(200);
    h.clock.advanceTo(h.clock.now() + 60_000);
    expect((await get(t.key, "/probe/rca")).statusCode).toBe(200);
  });

  it("takes the limit from the catalog: a tenant moved to rca_basic gets 1,000 a minute", async () => {
    const t = await tenant("rca_free");
    const moved = await h.app.inject({
      method: "PATCH",
      url: `/admin/tenants/${t.id}`,
      headers: { "x-api-key": operator },
      payload: { plan: "rca_basic" },
    });
    expect(moved.statusCode, moved.body).toBe(200);
    const res = await get(t.key, "/probe/rca");
    expect(res.headers["ratelimit-policy"]).toBe("1000;w=60, 100000;w=86400");
    expect(res.headers["ratelimit-remaining"]).toBe("999");
  });

  it("counts daily quotas on product routes only, and meters what it admits", async () => {
    const t = await tenant("intel_free");
    for (let i = 0; i < 3; i++) expect((await get(t.key, "/probe/intel")).statusCode).toBe(200);
    const last = await get(t.key, "/probe/intel");
    expect(last.headers["ratelimit-limit"]).toBe("100");
    expect(last.headers["ratelimit-remaining"]).toBe("96");
    // Account routes use no quota (the install's per-key minute still applies).
    const me = await get(t.key, "/tenants/me");
    expect(me.statusCode).toBe(200);
    expect(me.headers["ratelimit-policy"]).toBe("6000;w=60");
    expect((await get(t.key, "/probe/intel")).headers["ratelimit-remaining"]).toBe("95");
    // Metered within a second (one usage event per tenant, product and minute).
    const intelCalls = async () => {
      const usage = (await get(t.key, "/usage")).json();
      return usage.meters.find(
        (m: { product: string; meter: string }) => m.product === "intel" && m.meter === "api_calls",
      );
    };
    await expect.poll(intelCalls, { timeout: 5_000 }).toMatchObject({
      today: 5,
      quota: { limit: 100, per: "day", plan: "intel_free" },
    });
  });

  it("answers 402 to a suspended subscription's routes and 403 without a plan; account routes still work", async () => {
    const t = await tenant("intel_pro");
    expect((await get(t.key, "/probe/intel")).statusCode).toBe(200);
    await subscribe(h.db, { tenantId: t.id, planId: "intel_pro", nowMs: NOW, status: "suspended" });
    h.clock.advanceTo(h.clock.now() + 5_000); // past the entitlements' cache
    const refused = await get(t.key, "/probe/intel");
    expect(refused.statusCode).toBe(402);
    expect(refused.json().error).toMatchObject({ code: "payment_required" });
    expect(refused.json().error.message).toMatch(/intel_pro subscription is suspended/);
    h.expectValid("GET", "/probe/intel", 402, refused.json());
    expect((await get(t.key, "/tenants/me")).statusCode).toBe(200);
    // The platform edition canceled and no RCA plan: RCA routes are not this tenant's.
    await subscribe(h.db, {
      tenantId: t.id,
      planId: "open_source",
      nowMs: NOW,
      status: "canceled",
    });
    h.clock.advanceTo(h.clock.now() + 5_000);
    const none = await get(t.key, "/probe/rca");
    expect(none.statusCode).toBe(403);
    expect(none.json().error.message).toMatch(/no rca plan in force/);
  });
});

describe(`API_PLAN_LIMITS=false (${testDbKind})`, () => {
  it("applies only the install's per-key rate: no quota, no metering", async () => {
    const off = await apiHarness({
      seeded: false,
      modules: MODULES,
      config: { planLimits: false },
    });
    try {
      const made = await createTenant(off.db, {
        name: "private",
        plan: "intel_free",
        actor: "test",
        nowMs: NOW,
      });
      const call = () =>
        off.app.inject({ method: "GET", url: "/probe/intel", headers: { "x-api-key": made.key } });
      const answers = await Promise.all(Array.from({ length: 101 }, call));
      expect(answers.map((a) => a.statusCode)).toEqual(Array(101).fill(200));
      expect(answers[0]?.headers["ratelimit-policy"]).toBe("6000;w=60");
      await off.app.close(); // flushes the meter
      const [row] = await off.db.query<{ n: number }>(
        "SELECT count(*)::int AS n FROM usage_events WHERE meter = 'api_calls'",
      );
      expect(row?.n).toBe(0);
    } finally {
      await off.close();
    }
  });
});

describe("limits shared through Redis", () => {
  let redis: TestRedis;
  let second: Awaited<ReturnType<typeof buildApi>> | null = null;
  let shared: Harness;
  beforeAll(async () => {
    redis = await startTestRedis();
    shared = await apiHarness({ seeded: false, modules: MODULES, redisUrl: redis.url });
  });
  afterEach(async () => {
    await second?.app.close();
    second = null;
  });
  afterAll(async () => {
    await shared?.close();
    await redis?.kill();
  });

  it("counts one quota across two API processes", async () => {
    const other = await buildApi({ ...shared.deps }, apiConfig.parse({}));
    second = other;
    const made = await createTenant(shared.db, {
      name: "pair",
      plan: "intel_free",
      actor: "test",
      nowMs: NOW,
    });
    const call = (app: typeof shared.app) =>
      app.inject({ method: "GET", url: "/probe/intel", headers: { "x-api-key": made.key } });
    const answers = await Promise.all(
      Array.from({ length: 100 }, (_, i) => call(i % 2 === 0 ? shared.app : other.app)),
    );
    expect(answers.map((a) => a.statusCode)).toEqual(Array(100).fill(200));
    expect((await call(other.app)).statusCode).toBe(429);
    expect((await call(shared.app)).json().error.code).toBe("quota_exceeded");
  });

  it("reports a command that timed out as degraded until Redis answers again", async () => {
    const store = new LimitStore({ redisUrl: redis.url, log: silentLogger, now: () => NOW });
    const admin = new Redis(redis.url);
    try {
      await store.ready();
      await store.take("timeout-probe", 60_000);
      expect(store.state.backend).toBe("redis");
      // Every client's commands held for longer than the store's command timeout (500 ms).
      await admin.call("CLIENT", "PAUSE", "1500", "ALL");
      await store.take("timeout-probe", 60_000);
      expect(store.state).toMatchObject({ backend: "memory", degraded: true });
      await expect
        .poll(
          async () => {
            await store.take("timeout-probe", 60_000);
            return store.state;
          },
          { timeout: 10_000, interval: 200 },
        )
        .toEqual({ backend: "redis", degraded: false, error: null });
    } finally {
      admin.disconnect();
      await store.close();
    }
  });

  it("keeps answering through a Redis outage, counting per process, and says so in /ready", async () => {
    const made = await createTenant(shared.db, {
      name: "outage",
      plan: "intel_free",
      actor: "test",
      nowMs: NOW,
    });
    const call = () =>
      shared.app.inject({ method: "GET", url: "/probe/intel", headers: { "x-api-key": made.key } });
    const ready = async () => (await shared.app.inject({ method: "GET", url: "/ready" })).json();
    // (The call first: Redis's answer ends a degradation a command timed out in the test before.)
    expect((await call()).headers["ratelimit-remaining"]).toBe("99");
    expect((await ready()).limits).toEqual({ backend: "redis", degraded: false, error: null });
    await redis.kill();
    const during = await call();
    expect(during.statusCode).toBe(200);
    // Counted in this process from zero: Redis's count is out of reach.
    expect(during.headers["ratelimit-remaining"]).toBe("99");
    const degraded = await shared.app.inject({ method: "GET", url: "/ready" });
    expect(degraded.statusCode).toBe(200);
    expect(degraded.json().limits).toMatchObject({ backend: "memory", degraded: true });
    await redis.restart();
    await expect
      .poll(async () => (await ready()).limits.backend, { timeout: 10_000, interval: 200 })
      .toBe("redis");
    expect((await call()).headers["ratelimit-remaining"]).toBe("99");
  });
});
