import * as grpc from "@grpc/grpc-js";
import { Authenticator } from "@kamiyo/api";
import { silentLogger, VirtualClock } from "@kamiyo/core";
import type { Db } from "@kamiyo/db";
import { createApiKey } from "@kamiyo/tenancy";
import { createTestDb, testDbKind } from "@kamiyo/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { verifyAuditChain } from "../audit/verify.ts";
import { saveLtvModel } from "../ltv/model-store.ts";
import { createCampaign, createClient, getCampaign } from "../policy/accounts-store.ts";
import { PolicyChecker } from "../policy/policy-checker.ts";
import { savePolicy } from "../policy/policy-store.ts";
import { shieldMigrations } from "../shield-migrations.ts";
import { CDNOW_PUBLISHED_FIT } from "../testing/index.ts";
import { GrpcAccess } from "./grpc-access.ts";
import { type ShieldGrpcServer, startShieldGrpcServer } from "./shield-grpc-server.ts";
import {
  type CheckRequest,
  callSyncShieldCheck,
  callSyncShieldRelease,
  loadSyncShield,
  type ReleaseRequest,
} from "./sync-shield-proto.ts";
import { syncShieldService } from "./sync-shield-service.ts";
import { callSyncValue, loadSyncValue } from "./sync-value-proto.ts";
import { syncValueService } from "./sync-value-service.ts";
import { TenantModels } from "./tenant-models.ts";

const T0 = Date.UTC(2026, 11, 6, 12);
let db: Db;
let server: ShieldGrpcServer;
let shield: grpc.Client;
let value: grpc.Client;
const clock = new VirtualClock(T0);
const keys = { bidder: "", viewer: "", other: "" };

const bearer = (key: string) => {
  const md = new grpc.Metadata();
  md.set("authorization", `Bearer ${key}`);
  return md;
};
const check = (req: Partial<CheckRequest>, key = keys.bidder) =>
  callSyncShieldCheck(
    shield,
    { clientId: "acme", campaignId: "search", bidMicros: 1_000_000, ...req },
    bearer(key),
  );
const failure = (p: Promise<unknown>) =>
  p.then(
    () => ({ code: grpc.status.OK, details: "" }),
    (e: grpc.ServiceError) => ({ code: e.code, details: e.details }),
  );
const key = async (tenantId: string, role: "member" | "viewer", scopes: string[] = []) =>
  (
    await createApiKey(db, {
      tenantId,
      name: "grpc",
      role,
      scopes: scopes as never,
      createdBy: "test",
      nowMs: T0,
    })
  ).key;

beforeAll(async () => {
  db = await createTestDb({ modules: [shieldMigrations] });
  for (const t of ["ten_a", "ten_b"]) {
    await db.query("INSERT INTO tenants (id, name) VALUES ($1, $1)", [t]);
    await createClient(db, t, { id: "acme", name: "Acme" }, T0);
    await createCampaign(
      db,
      t,
      { id: "search", clientId: "acme", name: "S", budgetMicros: 100_000_000, period: "day" },
      T0,
    );
  }
  await savePolicy(
    db,
    "ten_a",
    { roasFloor: { minRoasBps: 30_000 } },
    { createdBy: "t", nowMs: T0 },
  );
  await saveLtvModel(db, "ten_a", CDNOW_PUBLISHED_FIT, { activate: true });
  keys.bidder = await key("ten_a", "member", ["shield:check"]);
  keys.viewer = await key("ten_a", "viewer");
  keys.other = await key("ten_b", "member");
  // As `kamiyo serve` hosts them: one server, both services, one cache of the models.
  const access = new GrpcAccess({
    auth: new Authenticator({ db, clock, log: silentLogger }, []),
    log: silentLogger,
  });
  const models = new TenantModels(db, () => clock.now());
  const checker = new PolicyChecker({ db, now: () => clock.now(), models });
  server = await startShieldGrpcServer({
    services: [syncValueService({ access, models }), syncShieldService({ access, checker })],
    host: "127.0.0.1",
    port: 0,
    log: silentLogger,
  });
  const address = `127.0.0.1:${server.port}`;
  shield = new (loadSyncShield().Client)(address, grpc.credentials.createInsecure());
  value = new (loadSyncValue().Client)(address, grpc.credentials.createInsecure());
});
afterAll(async () => {
  shield?.close();
  value?.close();
  await server?.close();
  await db?.close();
});

describe(`SyncShield over gRPC (${testDbKind})`, () => {
  it("checks a bid beside SyncValue on one server: allow, deny with reasons, LTV from the model", async () => {
    const allowed = await check({ predictedLtvMicros: 3_000_000 });
    expect(allowed).toMatchObject({
      verdict: "allow",
      reasons: [],
      policyVersion: 1,
      predictedLtvMicros: 3_000_000,
      spentMicros: 0,
      budgetMicros: 100_000_000,
      period: "day",
      periodStart: "2026-12-06T00:00:00.000Z",
      auditSeq: 1,
    });
    expect(allowed.ltvModelVersion).toBeUndefined();
    const denied = await check({ predictedLtvMicros: 2_999_999 });
    expect(denied.verdict).toBe("deny");
    expect(denied.reasons).toEqual([{ code: "roas_below_floor", message: expect.any(String) }]);
    const customer = { frequency: 2, recency: 30.43, T: 38.86, monetaryValue: 22.35 };
    const predicted = await check({ customer, bidMicros: 10_000_000 });
    expect(predicted).toMatchObject({ verdict: "allow", ltvModelVersion: 1 });
    expect(predicted.predictedLtvMicros).toBeGreaterThan(30_000_000);
    const none = await check({ bidMicros: 1 });
    expect(none.reasons.map((r) => r.code)).toEqual(["ltv_missing"]);
    expect((await getCampaign(db, "ten_a", "search", T0))?.spentMicros).toBe(11_000_000);
    expect(await verifyAuditChain(db, "ten_a")).toMatchObject({ ok: true, records: 4 });
    // The same port still serves SyncValue.
    const p = await callSyncValue<{ modelVersion: number }>(
      value,
      "Predict",
      customer,
      bearer(keys.viewer),
    );
    expect(p.modelVersion).toBe(1);
  });

  it("answers what it cannot decide with the status that says why, naming the field", async () => {
    expect(await failure(check({ bidMicros: 0 }))).toEqual({
      code: grpc.status.INVALID_ARGUMENT,
      details: expect.stringMatching(/^bidMicros: /),
    });
    expect(await failure(check({ campaignId: "no such" }))).toMatchObject({
      code: grpc.status.INVALID_ARGUMENT,
      details: expect.stringMatching(/^campaignId: /),
    });
    expect(await failure(check({ campaignId: "display" }))).toEqual({
      code: grpc.status.NOT_FOUND,
      details: "no campaign display of client acme",
    });
    expect(await failure(check({}, keys.other))).toMatchObject({
      code: grpc.status.FAILED_PRECONDITION,
      details: expect.stringContaining("no active policy"),
    });
    expect(await failure(check({}, keys.viewer))).toEqual({
      code: grpc.status.PERMISSION_DENIED,
      details: "this key (role viewer) lacks the shield:check scope",
    });
    expect(await failure(check({}, "kmy_live_nonsense"))).toMatchObject({
      code: grpc.status.UNAUTHENTICATED,
    });
  });

  it("answers a retried check by its id, and releases a reservation once", async () => {
    const before = (await getCampaign(db, "ten_a", "search", T0))?.spentMicros ?? 0;
    const first = await check({ predictedLtvMicros: 9_000_000, checkId: "rtb-1" });
    expect(first).toMatchObject({ verdict: "allow", checkId: "rtb-1" });
    expect(await check({ predictedLtvMicros: 9_000_000, checkId: "rtb-1" })).toEqual(first);
    expect(await failure(check({ predictedLtvMicros: 1, checkId: "rtb-1" }))).toMatchObject({
      code: grpc.status.FAILED_PRECONDITION,
      details: expect.stringContaining("checkId rtb-1 was used for another bid"),
    });
    const release = (req: Partial<ReleaseRequest>, key = keys.bidder) =>
      callSyncShieldRelease(
        shield,
        { decisionId: first.decisionId, auditSeq: first.auditSeq, reason: "not_sent", ...req },
        bearer(key),
      );
    expect(await release({ micros: 400_000, reason: "settled_lower" })).toMatchObject({
      releasedMicros: 400_000,
      replayed: false,
    });
    expect(await release({ micros: 400_000, reason: "settled_lower" })).toMatchObject({
      replayed: true,
    });
    expect((await getCampaign(db, "ten_a", "search", T0))?.spentMicros).toBe(before + 600_000);
    expect(await failure(release({ reason: "lost" }))).toMatchObject({
      code: grpc.status.FAILED_PRECONDITION,
    });
    expect(await failure(release({ reason: "bored" }))).toMatchObject({
      code: grpc.status.INVALID_ARGUMENT,
      details: expect.stringMatching(/^reason: /),
    });
    // Another tenant's key finds no such decision in its own trail.
    expect(await failure(release({}, keys.other))).toMatchObject({ code: grpc.status.NOT_FOUND });
    expect(await failure(release({}, keys.viewer))).toMatchObject({
      code: grpc.status.PERMISSION_DENIED,
    });
  });

  it("keeps tenants apart: B's key checks B's campaign of the same name, never A's", async () => {
    await savePolicy(db, "ten_b", {}, { createdBy: "t", nowMs: T0 });
    const before = (await getCampaign(db, "ten_a", "search", T0))?.spentMicros;
    const b = await check({ bidMicros: 7_000_000 }, keys.other);
    expect(b).toMatchObject({ verdict: "allow", policyVersion: 1, spentMicros: 0, auditSeq: 1 });
    expect((await getCampaign(db, "ten_b", "search", T0))?.spentMicros).toBe(7_000_000);
    expect((await getCampaign(db, "ten_a", "search", T0))?.spentMicros).toBe(before);
  });
});
