import { apiHarness, type Harness } from "@kamiyo/api/testing";
import { testDbKind } from "@kamiyo/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { verifyAuditChain } from "../audit/verify.ts";
import { shieldMigrations } from "../shield-migrations.ts";
import { shieldApi } from "./index.ts";

let h: Harness;

const send = (method: "PUT" | "POST" | "PATCH", url: string, payload: unknown) =>
  h.app.inject({ method, url, payload: payload as Record<string, unknown> });
const check = (bidMicros: number, over: object = {}) =>
  send("POST", "/shield/checks", { clientId: "acme", campaignId: "search", bidMicros, ...over });

beforeAll(async () => {
  h = await apiHarness({ seeded: false, modules: [shieldApi], migrations: [shieldMigrations] });
});
afterAll(async () => h?.close());

describe(`SyncShield over HTTP (${testDbKind})`, () => {
  it("refuses a bad policy with 400 naming the field, saves good ones as versions", async () => {
    const bad = await send("PUT", "/shield/policy", { pacing: { toleranceBps: 20_000 } });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.message).toMatch(/^body "pacing\.toleranceBps": /);
    const deep = await send("PUT", "/shield/policy", {
      campaigns: { search: { roasFloor: { minRoasBps: "3x" } } },
    });
    expect(deep.json().error.message).toMatch(/^body "campaigns\.search\.roasFloor\.minRoasBps"/);
    const unknown = await send("PUT", "/shield/policy", { budgetCap: 1 });
    expect(unknown.statusCode).toBe(400);
    expect(unknown.json().error.message).toContain("budgetCap");
    const v1 = await send("PUT", "/shield/policy", { roasFloor: { minRoasBps: 30_000 } });
    expect(v1.statusCode, v1.body).toBe(201);
    expect(v1.json()).toMatchObject({ version: 1, active: true, createdBy: "local" });
    const v2 = await send("PUT", "/shield/policy?activate=false", { maxBidMicros: 1 });
    expect(v2.json()).toMatchObject({ version: 2, active: false });
    const list = await h.get("/shield/policy", "/shield/policy");
    expect(
      list.data.map((p: { version: number; active: boolean }) => [p.version, p.active]),
    ).toEqual([
      [2, false],
      [1, true],
    ]);
  });

  it("keeps clients and campaigns: 409 for a taken id, 404 for an unknown one, 400 naming the field", async () => {
    expect((await send("POST", "/shield/clients", { id: "acme", name: "Acme" })).statusCode).toBe(
      201,
    );
    expect((await send("POST", "/shield/clients", { id: "acme", name: "Again" })).statusCode).toBe(
      409,
    );
    const badId = await send("POST", "/shield/clients", { id: "a b", name: "x" });
    expect(badId.json().error.message).toMatch(/^body "id"/);
    const made = await send("POST", "/shield/campaigns", {
      id: "search",
      clientId: "acme",
      name: "Search",
      budgetMicros: 10_000_000,
      period: "day",
    });
    expect(made.statusCode, made.body).toBe(201);
    expect(made.json()).toMatchObject({ budgetMicros: 10_000_000, spentMicros: 0, killed: false });
    const noClient = await send("POST", "/shield/campaigns", {
      id: "orphan",
      clientId: "nobody",
      name: "x",
      budgetMicros: 1,
      period: "week",
    });
    expect(noClient.statusCode).toBe(404);
    const float = await send("PATCH", "/shield/campaigns/search", { budgetMicros: 1.5 });
    expect(float.statusCode).toBe(400);
    expect(float.json().error.message).toMatch(/^body "budgetMicros"/);
    const period = await send("PATCH", "/shield/campaigns/search", { period: "year" });
    expect(period.json().error.message).toMatch(/^body "period"/);
    expect((await send("PATCH", "/shield/campaigns/nope", { name: "x" })).statusCode).toBe(404);
    expect((await send("PATCH", "/shield/clients/acme", { name: "Acme Inc" })).json().name).toBe(
      "Acme Inc",
    );
    await h.get("/shield/campaigns/nope", "/shield/campaigns/{id}", 404);
  });

  it("checks bids: allows and reserves, denies with every reason, 400 naming the field", async () => {
    const ok = await check(2_000_000, { predictedLtvMicros: 6_000_000 });
    expect(ok.statusCode, ok.body).toBe(200);
    h.expectValid("POST", "/shield/checks", 200, ok.json());
    expect(ok.json()).toMatchObject({
      verdict: "allow",
      reasons: [],
      policyVersion: 1,
      auditSeq: 1,
    });
    const low = (await check(2_000_000, { predictedLtvMicros: 5_999_999 })).json();
    expect(low).toMatchObject({ verdict: "deny", reasons: [{ code: "roas_below_floor" }] });
    const bad = await check(-5);
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.message).toMatch(/^body "bidMicros"/);
    const both = await check(1, {
      predictedLtvMicros: 1,
      customer: { frequency: 1, recency: 1, T: 2, monetaryValue: 1 },
    });
    expect(both.json().error.message).toMatch(
      /^body "customer": give predictedLtvMicros or customer/,
    );
    expect((await check(1, { campaignId: "nope", predictedLtvMicros: 9 })).statusCode).toBe(404);
    const noModel = await check(1, {
      customer: { frequency: 1, recency: 1, T: 2, monetaryValue: 1 },
    });
    expect(noModel.statusCode).toBe(409);
    const campaign = await h.get("/shield/campaigns/search", "/shield/campaigns/{id}");
    expect(campaign).toMatchObject({
      spentMicros: 2_000_000,
      periodStart: "2025-03-12T00:00:00.000Z",
    });
  });

  it("answers a retried check by its checkId, and releases a reservation once", async () => {
    const first = await check(1_000_000, { predictedLtvMicros: 3_000_000, checkId: "bid-9" });
    expect(first.statusCode, first.body).toBe(200);
    expect(first.json()).toMatchObject({ verdict: "allow", checkId: "bid-9" });
    const retry = await check(1_000_000, { predictedLtvMicros: 3_000_000, checkId: "bid-9" });
    expect(retry.json()).toEqual(first.json());
    const reused = await check(2_000_000, { predictedLtvMicros: 6_000_000, checkId: "bid-9" });
    expect([reused.statusCode, reused.json().error.message]).toEqual([
      409,
      "checkId bid-9 was used for another bid: give each bid its own id",
    ]);
    const spent = async () =>
      (await h.get("/shield/campaigns/search", "/shield/campaigns/{id}")).spentMicros;
    expect(await spent()).toBe(3_000_000);
    const { decisionId, auditSeq } = first.json();
    const release = (over: object = {}) =>
      send("POST", "/shield/releases", { decisionId, auditSeq, reason: "lost", ...over });
    const made = await release();
    expect(made.statusCode, made.body).toBe(201);
    h.expectValid("POST", "/shield/releases", 201, made.json());
    expect(made.json()).toMatchObject({ decisionId, releasedMicros: 1_000_000, reason: "lost" });
    expect(await spent()).toBe(2_000_000);
    const again = await release();
    expect([again.statusCode, again.json()]).toEqual([200, made.json()]);
    expect((await release({ reason: "not_sent" })).statusCode).toBe(409);
    expect((await release({ auditSeq: auditSeq + 1000 })).statusCode).toBe(404);
    const bad = await release({ micros: 0 });
    expect([bad.statusCode, bad.json().error.message]).toEqual([
      400,
      expect.stringMatching(/^body "micros"/),
    ]);
    expect(await spent()).toBe(2_000_000);
  });

  it("checks a batch in order, each answered as alone; a bad item refuses the batch naming it", async () => {
    const spent = async () =>
      (await h.get("/shield/campaigns/search", "/shield/campaigns/{id}")).spentMicros;
    const before = await spent();
    const res = await send("POST", "/shield/checks/batch", {
      checks: [
        { clientId: "acme", campaignId: "search", bidMicros: 1_000_000, predictedLtvMicros: 9e6 },
        { clientId: "acme", campaignId: "nope", bidMicros: 1, predictedLtvMicros: 9 },
        { clientId: "acme", campaignId: "search", bidMicros: 500_000, predictedLtvMicros: 1 },
        {
          clientId: "acme",
          campaignId: "search",
          bidMicros: 500_000,
          predictedLtvMicros: 9e6,
          checkId: "bid-9", // taken by another bid above
        },
      ],
    });
    expect(res.statusCode, res.body).toBe(200);
    h.expectValid("POST", "/shield/checks/batch", 200, res.json());
    const [allowed, unknown, low, reused] = res.json().results;
    expect(allowed.decision).toMatchObject({ verdict: "allow", spentMicros: before });
    expect(unknown).toEqual({
      error: { code: "not_found", message: "no campaign nope of client acme" },
    });
    expect(low.decision).toMatchObject({ verdict: "deny", spentMicros: before + 1_000_000 });
    expect(reused.error.code).toBe("conflict");
    expect(await spent()).toBe(before + 1_000_000);
    const bad = await send("POST", "/shield/checks/batch", {
      checks: [{ clientId: "acme", campaignId: "search", bidMicros: 1 }, { bidMicros: -1 }],
    });
    expect([bad.statusCode, bad.json().error.message]).toEqual([
      400,
      expect.stringMatching(/^body "checks\.1\.clientId"/),
    ]);
    expect((await send("POST", "/shield/checks/batch", { checks: [] })).statusCode).toBe(400);
    expect(await spent()).toBe(before + 1_000_000);
  });

  it("lets concurrent checks through only as far as the budget goes", async () => {
    // 7M left of 10M (2M reserved, 1M of it released, 1M by a batch): 20 bids of 1M, 7 fit.
    const all = await Promise.all(
      Array.from({ length: 20 }, () => check(1_000_000, { predictedLtvMicros: 3_000_000 })),
    );
    const verdicts = all.map((r) => r.json().verdict);
    expect(verdicts.filter((v) => v === "allow")).toHaveLength(7);
    const campaigns = await h.get("/shield/campaigns?client=acme", "/shield/campaigns");
    expect(campaigns.data[0]).toMatchObject({ id: "search", spentMicros: 10_000_000 });
  });

  it("stops a campaign by its kill switch, and lists decisions newest first, paged", async () => {
    const off = await send("PUT", "/shield/campaigns/search/kill-switch", {
      on: true,
      reason: "fraud",
    });
    expect(off.json()).toMatchObject({ id: "search", killed: true, killReason: "fraud" });
    expect((await send("PUT", "/shield/clients/nope/kill-switch", { on: true })).statusCode).toBe(
      404,
    );
    const denied = (await check(1, { predictedLtvMicros: 3 })).json();
    expect(denied.reasons.map((r: { code: string }) => r.code)).toEqual([
      "campaign_killed",
      "budget_exceeded",
    ]);
    const page = await h.get("/shield/decisions?limit=2", "/shield/decisions");
    expect(page.data.map((d: { decisionId: string }) => d.decisionId)).toEqual([
      denied.decisionId,
      expect.any(String),
    ]);
    const rest = await h.get(
      `/shield/decisions?limit=100&cursor=${page.nextCursor}`,
      "/shield/decisions",
    );
    expect(rest.data).toHaveLength(24);
    expect(rest.nextCursor).toBeNull();
    const denials = await h.get(
      "/shield/decisions?verdict=deny&campaign=search",
      "/shield/decisions",
    );
    expect(denials.data.every((d: { verdict: string }) => d.verdict === "deny")).toBe(true);
    expect(denials.data).toHaveLength(16);
    expect(await verifyAuditChain(h.db, h.deps.tenantId)).toMatchObject({ ok: true, records: 27 });
  });
});
