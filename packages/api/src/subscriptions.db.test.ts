import { recordUsage } from "@kamiyo/billing";
import { testDbKind } from "@kamiyo/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { apiHarness, createOperatorKey, type Harness, NOW } from "./testing/api-harness.ts";

let h: Harness;
let operator = "";

beforeAll(async () => {
  h = await apiHarness({ seeded: false });
  operator = await createOperatorKey(h.db);
});
afterAll(async () => h?.close());

function call(key: string, method: string, url: string, payload?: object) {
  return h.app.inject({
    method: method as "GET",
    url,
    headers: { "x-api-key": key },
    ...(payload ? { payload } : {}),
  });
}

describe(`subscriptions (${testDbKind})`, () => {
  it("gives every tenant a platform edition, and another product's plan beside it", async () => {
    const made = await call(operator, "POST", "/admin/tenants", {
      name: "acme",
      plan: "intel_pro",
    });
    expect(made.statusCode, made.body).toBe(201);
    expect(made.json().tenant.plan).toBe("open_source");
    const me = (await call(made.json().apiKey, "GET", "/tenants/me")).json();
    expect(me.subscriptions).toEqual([
      expect.objectContaining({ product: "platform", plan: "open_source", status: "active" }),
      expect.objectContaining({ product: "intel", plan: "intel_pro", status: "active" }),
    ]);
    h.expectValid("GET", "/tenants/me", 200, me);
    // Monthly periods from the day it subscribed (12 March 2025 09:00 UTC).
    expect(me.subscriptions[1]).toMatchObject({
      currentPeriodStart: "2025-03-12T09:00:00.000Z",
      currentPeriodEnd: "2025-04-12T09:00:00.000Z",
      trialEndsAt: null,
      cancelAtPeriodEnd: false,
    });
  });

  it("lets the operator move a tenant to another plan, and refuses one the catalog lacks", async () => {
    const made = (await call(operator, "POST", "/admin/tenants", { name: "globex" })).json();
    const id = made.tenant.id;
    const moved = await call(operator, "PATCH", `/admin/tenants/${id}`, { plan: "cloud_pro" });
    expect(moved.statusCode, moved.body).toBe(200);
    expect(moved.json().plan).toBe("cloud_pro");
    await call(operator, "PATCH", `/admin/tenants/${id}`, { plan: "rca_basic" });
    const me = (await call(made.apiKey, "GET", "/tenants/me")).json();
    expect(me.subscriptions.map((s: { plan: string }) => s.plan)).toEqual([
      "cloud_pro",
      "rca_basic",
    ]);
    const bad = await call(operator, "PATCH", `/admin/tenants/${id}`, { plan: "gold" });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.message).toContain("plan");
    const empty = await call(operator, "PATCH", `/admin/tenants/${id}`, {});
    expect(empty.statusCode).toBe(400);
    expect(empty.json().error.message).toContain("give status, plan or both");
    // A tenant's own key cannot change its plan.
    expect(
      (await call(made.apiKey, "PATCH", `/admin/tenants/${id}`, { plan: "cloud_enterprise" }))
        .statusCode,
    ).toBe(403);
  });

  it("lets a tenant read its subscriptions and never write them, even in raw SQL as the app role", async () => {
    const made = (await call(operator, "POST", "/admin/tenants", { name: "initech" })).json();
    const asApp = (sql: string) =>
      h.db.transaction(async (tx) => {
        await tx.query("SELECT set_config('app.tenant_id', $1, true)", [made.tenant.id]);
        await tx.query("SELECT set_config('role', 'kamiyo_app', true)");
        return tx.query<{ plan_id: string }>(sql);
      });
    expect(await asApp("SELECT plan_id FROM subscriptions")).toEqual([{ plan_id: "open_source" }]);
    await expect(
      asApp("UPDATE subscriptions SET plan_id = 'cloud_enterprise' RETURNING plan_id"),
    ).rejects.toThrow(/permission denied/);
  });

  it("carries the editions tenants had before subscriptions over into them", async () => {
    const [row] = await h.db.query<{ plan_id: string; status: string }>(
      "SELECT plan_id, status FROM subscriptions WHERE tenant_id = 'ten_default' AND product = 'platform'",
    );
    expect(row).toEqual({ plan_id: "open_source", status: "active" });
  });

  it("estimates the period's bill so far, all products or one, for the tenant's own usage only", async () => {
    const made = (
      await call(operator, "POST", "/admin/tenants", { name: "umbrella", plan: "rca_basic" })
    ).json();
    const other = (
      await call(operator, "POST", "/admin/tenants", { name: "hooli", plan: "rca_basic" })
    ).json();
    const use = (tenantId: string, meter: "events_ingested" | "rca_queries", value: number) =>
      recordUsage(
        h.db,
        [{ tenantId, product: "rca", meter, value, eventAt: NOW, idempotencyKey: `${meter}` }],
        NOW,
      );
    // 130,000 events today against rca_basic's 100,000 a day: 30,000 over at $0.10 per 1,000.
    await use(made.tenant.id, "events_ingested", 130_000);
    await use(other.tenant.id, "rca_queries", 5_000);
    const rca = await h.app.inject({
      method: "GET",
      url: "/invoices/upcoming?product=rca",
      headers: { "x-api-key": made.apiKey },
    });
    expect(rca.statusCode, rca.body).toBe(200);
    h.expectValid("GET", "/invoices/upcoming", 200, rca.json());
    expect(rca.json()).toMatchObject({
      currency: "usd",
      totalCents: 9_900 + 300,
      asOf: new Date(NOW).toISOString(),
      lines: [
        { kind: "fee", product: "rca", plan: "rca_basic", amountCents: 9_900 },
        { kind: "overage", meter: "events_ingested", quantity: 30_000, amountCents: 300 },
      ],
    });
    // The platform edition is free: all products' estimate is the same here.
    const all = await call(made.apiKey, "GET", "/invoices/upcoming");
    expect(all.json().totalCents).toBe(10_200);
    const bad = await call(made.apiKey, "GET", "/invoices/upcoming?product=gold");
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.message).toContain("product");
  });
});
