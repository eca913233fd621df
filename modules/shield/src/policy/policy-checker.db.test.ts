import { AppError } from "@kamiyo/core";
import { type Db, tenantDb } from "@kamiyo/db";
import { createTestDb, testDbKind } from "@kamiyo/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { verifyAuditChain } from "../audit/verify.ts";
import { LtvPredictor } from "../ltv/ltv-predictor.ts";
import { saveLtvModel } from "../ltv/model-store.ts";
import { shieldMigrations } from "../shield-migrations.ts";
import { CDNOW_PUBLISHED_FIT } from "../testing/index.ts";
import {
  createCampaign,
  createClient,
  getCampaign,
  setKillSwitch,
  updateCampaign,
} from "./accounts-store.ts";
import type { Decision } from "./decision.ts";
import { listDecisions } from "./decisions.ts";
import { checkBid, PolicyChecker } from "./policy-checker.ts";
import { PolicyError } from "./policy-document.ts";
import { listPolicies, savePolicy } from "./policy-store.ts";

const DAY = 86_400_000;
const T0 = Date.UTC(2026, 11, 6, 12);
let db: Db;
let now = T0;
const clock = () => now;
let tenants = 0;

/** A tenant with client `acme`, its campaign `search` ($10 a day) and `policy` active. */
async function tenant(policy: unknown = {}, budgetMicros = 10_000_000): Promise<string> {
  const id = `ten_policy_${++tenants}`;
  await db.query("INSERT INTO tenants (id, name) VALUES ($1, $1)", [id]);
  await createClient(db, id, { id: "acme", name: "Acme" }, T0);
  await createCampaign(
    db,
    id,
    { id: "search", clientId: "acme", name: "Search", budgetMicros, period: "day" },
    T0,
  );
  await savePolicy(db, id, policy, { createdBy: "test", nowMs: T0 });
  return id;
}
const bid = (bidMicros: number, over: object = {}) => ({
  clientId: "acme",
  campaignId: "search",
  bidMicros,
  ...over,
});
const spent = async (t: string) => (await getCampaign(db, t, "search", now))?.spentMicros;
const decisionRecords = async (t: string) =>
  (
    await tenantDb(db, t).query<{ body: Decision }>(
      "SELECT body FROM shield_audit_records WHERE kind = 'decision' ORDER BY seq",
    )
  ).map((r) => r.body);

beforeAll(async () => {
  db = await createTestDb({ modules: [shieldMigrations] });
});
afterAll(async () => db?.close());

describe(`the policy check (${testDbKind})`, () => {
  it("reserves an allowed bid, records each decision in the audit trail, and the chain verifies", async () => {
    const t = await tenant();
    const checker = new PolicyChecker({ db, now: clock });
    const first = await checker.check(t, bid(6_000_000, { predictedLtvMicros: 20_000_000 }));
    expect(first).toMatchObject({
      verdict: "allow",
      reasons: [],
      policyVersion: 1,
      spentMicros: 0,
      budgetMicros: 10_000_000,
      period: "day",
      periodStart: "2026-12-06T00:00:00.000Z",
      at: new Date(T0).toISOString(),
      auditSeq: 1,
      predictedLtvMicros: 20_000_000,
      ltvModelVersion: null,
    });
    expect(first.decisionId).toMatch(/^dec_[0-9a-z]{27}$/);
    expect(await spent(t)).toBe(6_000_000);
    const second = await checker.check(t, bid(5_000_000));
    expect(second).toMatchObject({
      verdict: "deny",
      spentMicros: 6_000_000,
      reasons: [{ code: "budget_exceeded" }],
    });
    expect(await spent(t)).toBe(6_000_000);
    const records = await decisionRecords(t);
    expect(records).toEqual([
      {
        decisionId: first.decisionId,
        clientId: "acme",
        campaignId: "search",
        bidMicros: 6_000_000,
        predictedLtvMicros: 20_000_000,
        ltvModelVersion: null,
        policyVersion: 1,
        verdict: "allow",
        reasons: [],
        spentMicros: 0,
        budgetMicros: 10_000_000,
        period: "day",
        periodStart: "2026-12-06T00:00:00.000Z",
      },
      expect.objectContaining({ decisionId: second.decisionId, verdict: "deny" }),
    ]);
    expect(await verifyAuditChain(db, t)).toMatchObject({ ok: true, records: 2 });
    const page = await listDecisions(db, t, { limit: 1 });
    expect(page.items.map((d) => d.decisionId)).toEqual([second.decisionId]);
    expect(page.items[0]).toEqual(second);
    const older = await listDecisions(db, t, { limit: 5, before: page.nextCursor as number });
    expect(older).toEqual({ items: [first], nextCursor: null });
    // A new day is a new period: the budget is whole again.
    now = T0 + DAY;
    expect((await checker.check(t, bid(5_000_000))).verdict).toBe("allow");
    now = T0;
  });

  it("lets two concurrent bids through a budget that fits one only once, batched or not", async () => {
    const t = await tenant({}, 10_000_000);
    const one = new PolicyChecker({ db, now: clock });
    const batched = await Promise.all([one.check(t, bid(6_000_000)), one.check(t, bid(6_000_000))]);
    expect(batched.map((d) => d.verdict).sort()).toEqual(["allow", "deny"]);
    // Two checkers (two processes' worth): two transactions racing, serialised by the tenant's lock.
    now = T0 + DAY;
    const racing = await Promise.all([
      new PolicyChecker({ db, now: clock }).check(t, bid(6_000_000)),
      new PolicyChecker({ db, now: clock }).check(t, bid(6_000_000)),
      checkBid(db, t, bid(6_000_000), { now: clock }),
    ]);
    expect(racing.map((d) => d.verdict).sort()).toEqual(["allow", "deny", "deny"]);
    expect(await spent(t)).toBe(6_000_000);
    // Many at once: exactly as many as fit, and every one recorded.
    now = T0 + 2 * DAY;
    const many = await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        (i % 2 ? one : new PolicyChecker({ db, now: clock })).check(t, bid(300_000)),
      ),
    );
    expect(many.filter((d) => d.verdict === "allow")).toHaveLength(33);
    expect(await spent(t)).toBe(9_900_000);
    expect(await verifyAuditChain(db, t)).toMatchObject({ ok: true, records: 45 });
    now = T0;
  });

  it("commits a decision and its reservation together: a failed commit leaves neither", async () => {
    const t = await tenant();
    await createCampaign(
      db,
      t,
      { id: "doomed", clientId: "acme", name: "D", budgetMicros: 10_000_000, period: "day" },
      T0,
    );
    // A check at COMMIT (deferred) that refuses the doomed campaign's records: the transaction
    // fails after the reservation and the append ran.
    await db.exec(`
      CREATE OR REPLACE FUNCTION refuse_doomed() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF NEW.body->>'campaignId' = 'doomed' THEN RAISE EXCEPTION 'refused at commit'; END IF;
        RETURN NULL;
      END $$;
      CREATE CONSTRAINT TRIGGER refuse_doomed AFTER INSERT ON shield_audit_records
        DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION refuse_doomed();`);
    try {
      const checker = new PolicyChecker({ db, now: clock });
      await expect(checker.check(t, bid(1_000_000, { campaignId: "doomed" }))).rejects.toThrow(
        /refused at commit/,
      );
      expect((await getCampaign(db, t, "doomed", now))?.spentMicros).toBe(0);
      expect(await decisionRecords(t)).toEqual([]);
      // Its batch-mates fail with it (one transaction); the next batch commits.
      const both = await Promise.allSettled([
        checker.check(t, bid(1_000_000)),
        checker.check(t, bid(1_000_000, { campaignId: "doomed" })),
      ]);
      expect(both.map((r) => r.status)).toEqual(["rejected", "rejected"]);
      expect(await spent(t)).toBe(0);
      expect((await checker.check(t, bid(1_000_000))).auditSeq).toBe(1);
      expect(await spent(t)).toBe(1_000_000);
    } finally {
      await db.exec("DROP TRIGGER refuse_doomed ON shield_audit_records");
    }
  });

  it("denies on a kill switch, the ROAS floor and pacing, with the policy version that decided", async () => {
    const t = await tenant({ roasFloor: { minRoasBps: 30_000 } });
    const checker = new PolicyChecker({ db, now: clock });
    const low = await checker.check(t, bid(1_000_000, { predictedLtvMicros: 2_999_999 }));
    expect(low.reasons.map((r) => r.code)).toEqual(["roas_below_floor"]);
    const v2 = await savePolicy(
      db,
      t,
      { pacing: { toleranceBps: 0 } },
      { createdBy: "test", nowMs: T0 },
    );
    expect(v2).toMatchObject({ version: 2, active: true });
    // Noon: half the day's $10 is open.
    const paced = await checker.check(t, bid(5_000_001, { predictedLtvMicros: 1 }));
    expect(paced).toMatchObject({ policyVersion: 2, reasons: [{ code: "pacing_ahead" }] });
    await setKillSwitch(db, t, { kind: "client", id: "acme" }, { on: true, reason: "audit" }, T0);
    const killed = await checker.check(t, bid(1_000));
    expect(killed.reasons).toEqual([
      { code: "client_killed", message: "client acme is stopped: audit" },
    ]);
    await setKillSwitch(db, t, { kind: "client", id: "acme" }, { on: false }, T0);
    await setKillSwitch(db, t, { kind: "campaign", id: "search" }, { on: true }, T0);
    expect((await checker.check(t, bid(1_000))).reasons.map((r) => r.code)).toEqual([
      "campaign_killed",
    ]);
    await setKillSwitch(db, t, { kind: "campaign", id: "search" }, { on: false }, T0);
    await updateCampaign(db, t, "search", { budgetMicros: 20_000_000 }, T0);
    expect(await checker.check(t, bid(9_000_000))).toMatchObject({
      verdict: "allow",
      budgetMicros: 20_000_000,
    });
    expect(await spent(t)).toBe(9_000_000);
  });

  it("predicts the LTV from the customer's summary with the tenant's active model", async () => {
    const t = await tenant({ roasFloor: { minRoasBps: 20_000 } }, 100_000_000);
    const checker = new PolicyChecker({ db, now: clock });
    const customer = { frequency: 2, recency: 30.43, T: 38.86, monetaryValue: 22.35 };
    await expect(checker.check(t, bid(1_000_000, { customer }))).rejects.toMatchObject({
      code: "conflict",
      message: expect.stringContaining("no active LTV model"),
    });
    const saved = await saveLtvModel(db, t, CDNOW_PUBLISHED_FIT, { activate: true });
    const ltv = new LtvPredictor(saved).predict(customer).ltv as number;
    const micros = Math.round(ltv * 1_000_000);
    const fresh = new PolicyChecker({ db, now: clock });
    const d = await fresh.check(t, bid(Math.floor(micros / 2), { customer }));
    expect(d).toMatchObject({ verdict: "allow", predictedLtvMicros: micros, ltvModelVersion: 1 });
    const over = await fresh.check(t, bid(Math.floor(micros / 2) + 1, { customer }));
    expect(over.reasons.map((r) => r.code)).toEqual(["roas_below_floor"]);
    await expect(
      fresh.check(t, bid(1, { customer: { ...customer, recency: 40 } })),
    ).rejects.toMatchObject({
      code: "invalid_input",
      message: "customer.recency: 40 is after T 38.86",
    });
  });

  it("refuses what it cannot decide, recording nothing: bad input, unknown campaign, no policy", async () => {
    const t = await tenant();
    const checker = new PolicyChecker({ db, now: clock });
    await expect(checker.check(t, bid(0))).rejects.toMatchObject({
      code: "invalid_input",
      message: expect.stringMatching(/^bidMicros: /),
    });
    await expect(checker.check(t, bid(1.5))).rejects.toThrow(/^bidMicros: /);
    await expect(
      checker.check(
        t,
        bid(1, {
          predictedLtvMicros: 1,
          customer: { frequency: 0, recency: 0, T: 1, monetaryValue: 0 },
        }),
      ),
    ).rejects.toThrow(/^customer: give predictedLtvMicros or customer, not both/);
    await expect(checker.check(t, bid(1, { campaignId: "nope" }))).rejects.toMatchObject({
      code: "not_found",
    });
    await expect(checker.check(t, bid(1, { clientId: "other" }))).rejects.toThrow(
      "no campaign search of client other",
    );
    // Another tenant's campaign is no campaign of this one.
    const other = await tenant();
    await tenantDb(db, other).query("DELETE FROM shield_policies");
    await expect(checker.check(other, bid(1))).rejects.toMatchObject({ code: "conflict" });
    await expect(checker.check(`${t}_none`, bid(1))).rejects.toBeInstanceOf(AppError);
    expect(await decisionRecords(t)).toEqual([]);
    expect(await decisionRecords(other)).toEqual([]);
  });

  it("validates a policy when saved, naming the field, and keeps one active version", async () => {
    const t = await tenant({ maxBidMicros: 5 });
    await expect(
      savePolicy(db, t, { roasFloor: { minRoasBps: -1 } }, { createdBy: "test", nowMs: T0 }),
    ).rejects.toThrow(PolicyError);
    await savePolicy(db, t, {}, { createdBy: "test", nowMs: T0, activate: false });
    const versions = await listPolicies(db, t);
    expect(versions.map((v) => [v.version, v.active])).toEqual([
      [2, false],
      [1, true],
    ]);
    expect(versions[1]?.document).toEqual({ maxBidMicros: 5 });
  });
});

describe(`retried checks and released reservations (${testDbKind})`, () => {
  const checkIds = (t: string) =>
    tenantDb(db, t).query<{ check_id: string }>("SELECT check_id FROM shield_check_ids");

  it("answers a retried check with the decision made, reserving once, and refuses its id for another bid", async () => {
    const t = await tenant();
    const checker = new PolicyChecker({ db, now: clock });
    const first = await checker.check(t, bid(4_000_000, { checkId: "req-1" }));
    expect(first).toMatchObject({ verdict: "allow", checkId: "req-1", auditSeq: 1 });
    // Retried later, from another process, and twice at once in one batch: the same answer.
    now = T0 + 60_000;
    const again = await new PolicyChecker({ db, now: clock }).check(
      t,
      bid(4_000_000, { checkId: "req-1" }),
    );
    expect(again).toEqual(first);
    const twins = await Promise.all([
      checker.check(t, bid(3_000_000, { checkId: "req-2" })),
      checker.check(t, bid(3_000_000, { checkId: "req-2" })),
    ]);
    expect(twins[1]).toEqual(twins[0]);
    expect(await spent(t)).toBe(7_000_000);
    expect(await decisionRecords(t)).toHaveLength(2);
    // The same id with another bid: refused, nothing recorded; a denial is answered again too.
    await expect(checker.check(t, bid(1, { checkId: "req-1" }))).rejects.toMatchObject({
      code: "conflict",
      message: "checkId req-1 was used for another bid: give each bid its own id",
    });
    const denied = await checker.check(t, bid(5_000_000, { checkId: "req-3" }));
    expect(denied.verdict).toBe("deny");
    expect(await checker.check(t, bid(5_000_000, { checkId: "req-3" }))).toEqual(denied);
    expect(await decisionRecords(t)).toHaveLength(3);
    // 24 hours on, an id is new again, and the hourly clean-up deletes those past their time.
    now = T0 + DAY + 120_000;
    const later = new PolicyChecker({ db, now: clock });
    const reused = await later.check(t, bid(1_000_000, { checkId: "req-1" }));
    expect(reused.decisionId).not.toBe(first.decisionId);
    expect((await checkIds(t)).map((r) => r.check_id)).toEqual(["req-1"]);
    expect(await verifyAuditChain(db, t)).toMatchObject({ ok: true, records: 4 });
    now = T0;
  });

  it("gives back what an allowed decision reserved, once, recorded in the trail", async () => {
    const t = await tenant();
    const checker = new PolicyChecker({ db, now: clock });
    const a = await checker.check(t, bid(6_000_000));
    const b = await checker.check(t, bid(3_000_000));
    expect(await spent(t)).toBe(9_000_000);
    const release = (over: object) =>
      checker.release(t, { decisionId: a.decisionId, auditSeq: a.auditSeq, ...over });
    const made = await release({ reason: "not_sent" });
    expect(made).toEqual({
      replayed: false,
      release: {
        decisionId: a.decisionId,
        decisionSeq: 1,
        auditSeq: 3,
        clientId: "acme",
        campaignId: "search",
        periodStart: "2026-12-06T00:00:00.000Z",
        releasedMicros: 6_000_000,
        reason: "not_sent",
        at: new Date(T0).toISOString(),
      },
    });
    expect(await spent(t)).toBe(3_000_000);
    // What it gave back is spendable again: a bid that did not fit now does.
    expect((await checker.check(t, bid(7_000_000))).verdict).toBe("allow");
    // Asked again the same: the same release, nothing more given back; otherwise refused.
    expect(await release({ reason: "not_sent" })).toEqual({ ...made, replayed: true });
    await expect(release({ reason: "lost" })).rejects.toMatchObject({
      code: "conflict",
      message: `decision ${a.decisionId} was released already (6000000 micros, not_sent)`,
    });
    // A part of it: the bid cost less than it reserved.
    const partB = await checker.release(t, {
      decisionId: b.decisionId,
      auditSeq: b.auditSeq,
      micros: 1_000_000,
      reason: "settled_lower",
    });
    expect(partB.release.releasedMicros).toBe(1_000_000);
    expect(await spent(t)).toBe(9_000_000);
    const [row] = await tenantDb(db, t).query<{ bids: number }>(
      "SELECT bids FROM shield_campaign_spend",
    );
    expect(Number(row?.bids)).toBe(2);
    const kinds = await tenantDb(db, t).query<{ kind: string }>(
      "SELECT kind FROM shield_audit_records ORDER BY seq",
    );
    expect(kinds.map((k) => k.kind)).toEqual([
      "decision",
      "decision",
      "release",
      "decision",
      "release",
    ]);
    expect(await verifyAuditChain(db, t)).toMatchObject({ ok: true, records: 5 });
  });

  it("refuses releases that do not match an allowed decision, giving back nothing", async () => {
    const t = await tenant();
    const checker = new PolicyChecker({ db, now: clock });
    const allowed = await checker.check(t, bid(2_000_000));
    const denied = await checker.check(t, bid(20_000_000));
    const release = (over: object) =>
      checker.release(t, {
        decisionId: allowed.decisionId,
        auditSeq: allowed.auditSeq,
        reason: "lost",
        ...over,
      });
    await expect(release({ auditSeq: denied.auditSeq })).rejects.toMatchObject({
      code: "not_found",
      message: `no decision ${allowed.decisionId} at audit seq ${denied.auditSeq}`,
    });
    await expect(
      release({ decisionId: denied.decisionId, auditSeq: denied.auditSeq }),
    ).rejects.toMatchObject({
      code: "conflict",
      message: expect.stringMatching(/reserved nothing/),
    });
    await expect(release({ micros: 2_000_001 })).rejects.toMatchObject({
      code: "invalid_input",
      message: `micros: 2000001 is more than decision ${allowed.decisionId} reserved (2000000)`,
    });
    await expect(release({ reason: "forgot" })).rejects.toMatchObject({
      code: "invalid_input",
      message: expect.stringMatching(/^reason: /),
    });
    // Another tenant's key cannot release this tenant's decision: it is not in its trail.
    const other = await tenant();
    await expect(
      checker.release(other, {
        decisionId: allowed.decisionId,
        auditSeq: allowed.auditSeq,
        reason: "lost",
      }),
    ).rejects.toMatchObject({ code: "not_found" });
    expect(await spent(t)).toBe(2_000_000);
    expect(await verifyAuditChain(db, t)).toMatchObject({ ok: true, records: 2 });
  });
});
