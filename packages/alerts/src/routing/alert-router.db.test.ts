import { subscribe } from "@kamiyo/billing";
import type { Finding, Severity } from "@kamiyo/core";
import { type Db, upsertFindings } from "@kamiyo/db";
import { createTestDb, testDbKind } from "@kamiyo/testing";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type ChannelFilter, newChannel, saveChannel } from "../store/channels.ts";
import { claimDue, RECORDED_ONLY } from "../store/outbox.ts";
import type { Alert } from "../types.ts";
import { AlertRouter } from "./alert-router.ts";
import { routingConfig } from "./routing-config.ts";

const T0 = Date.UTC(2025, 2, 26, 14, 0);
const MIN = 60_000;
let db: Db;
let tenant = "";
let n = 0;

beforeAll(async () => {
  db = await createTestDb();
});
afterAll(async () => {
  await db.close();
});
beforeEach(async () => {
  tenant = `ten_router${++n}`;
  await db.query("INSERT INTO tenants (id, name) VALUES ($1, $1)", [tenant]);
});

function finding(over: Partial<Finding> = {}): Finding {
  return {
    id: "fnd_0m8k2w3c0aaaaaaaaaaaa",
    tenantId: tenant,
    detector: "oracle",
    kind: "deviation",
    subject: { type: "asset", id: "JELLY" },
    key: "",
    severity: "medium",
    status: "open",
    title: "JELLY mark 0.6% above Binance for 30 s",
    evidence: { deviationPct: 0.6 },
    firstDataAt: T0 - 30_000,
    dataAt: T0,
    detectedAt: T0,
    updatedAt: T0,
    resolvedAt: null,
    occurrences: 1,
    ...over,
  };
}

async function channel(id: string, filter: ChannelFilter = {}): Promise<void> {
  await saveChannel(
    db,
    newChannel({
      tenantId: tenant,
      id,
      kind: "webhook",
      name: id,
      origin: "config",
      config: { url: `https://hooks.example.com/${id}` },
      filter,
      nowMs: T0,
    }),
    null,
  );
}

/** Writes findings and routes them in one transaction, as the monitor's store does. */
async function route(router: AlertRouter, at: number, ...fs: Finding[]) {
  return db.transaction(async (tx) => {
    await upsertFindings(tx, fs);
    return router.route(tx, tenant, fs, at);
  });
}

async function sent(): Promise<{ type: string; title: string; channel: string; body: Alert }[]> {
  return db.query(
    `SELECT a.type, a.title, d.channel_id AS channel, a.body FROM alerts a
     JOIN deliveries d ON d.tenant_id = a.tenant_id AND d.alert_id = a.id
     WHERE a.tenant_id = $1 ORDER BY a.created_at, a.id, d.channel_id`,
    [tenant],
  );
}

const router = (over: Partial<ReturnType<typeof routingConfig.parse>> = {}) =>
  new AlertRouter(routingConfig.parse({ ...over }));

describe(`alert routing on ${testDbKind}`, () => {
  it("sends an opened finding to the channels whose filter takes it, once", async () => {
    await channel("chn_all");
    await channel("chn_high", { minSeverity: "high" });
    await channel("chn_btc", { subjects: ["BTC"] });
    const r = router();
    const f = finding();
    expect(await route(r, T0, f)).toMatchObject({ sent: 1, deliveries: 1 });
    // The same state again, and more occurrences at the same severity: duplicates.
    await route(r, T0 + 10_000, f);
    await route(r, T0 + 20_000, { ...f, occurrences: 3, updatedAt: T0 + 20_000 });
    expect((await sent()).map((s) => `${s.type} ${s.channel}`)).toEqual(["finding.opened chn_all"]);
  });

  it("sends nothing while the tenant is suspended for failed payments, and resumes once it paid", async () => {
    await channel("chn_all");
    await subscribe(db, { tenantId: tenant, planId: "intel_pro", nowMs: T0, status: "suspended" });
    const r = router();
    expect(await route(r, T0, finding())).toMatchObject({ sent: 0, deliveries: 0 });
    expect(await sent()).toEqual([]);
    await subscribe(db, { tenantId: tenant, planId: "intel_pro", nowMs: T0, status: "active" });
    const escalated = finding({ severity: "critical", updatedAt: T0 + 60_000 });
    expect(await route(r, T0 + 60_000, escalated)).toMatchObject({ sent: 1 });
  });

  it("in record mode stores the same alerts with deliveries no worker claims, and says what it held and when it is due", async () => {
    await channel("chn_all");
    const r = new AlertRouter(routingConfig.parse({}), { deliveries: "record" });
    const f = finding();
    const first = await route(r, T0, f);
    expect(first).toMatchObject({ sent: 1, deliveries: 1, nextFlushAt: null });
    expect(first.stored.map((s) => [s.alert.type, s.deliveries.map((d) => d.channel.id)])).toEqual([
      ["finding.opened", ["chn_all"]],
    ]);
    const rows = await db.query<{ id: string; status: string; last_error: string }>(
      "SELECT id, status, last_error FROM deliveries WHERE tenant_id = $1",
      [tenant],
    );
    expect(rows).toEqual([
      { id: first.stored[0]?.deliveries[0]?.id, status: "cancelled", last_error: RECORDED_ONLY },
    ]);
    const claimed = await claimDue(db, "worker", T0 + 60 * MIN, 60_000, 100, null);
    expect(claimed.filter((c) => c.tenantId === tenant)).toEqual([]);
    // A second finding on the subject within the group window is held until the window ends.
    const held = await route(r, T0 + MIN, finding({ id: "fnd_0m8k2w3c0bbbbbbbbbbbb", kind: "x" }));
    expect(held).toMatchObject({ sent: 0, held: 1, stored: [], nextFlushAt: T0 + 5 * MIN });
    const flushed = await db.transaction((tx) => r.flushDue(tx, T0 + 5 * MIN));
    expect(flushed.stored.map((s) => s.alert.findings.map((x) => x.id))).toEqual([
      ["fnd_0m8k2w3c0bbbbbbbbbbbb"],
    ]);
  });

  it("announces an escalation at once and a resolution once", async () => {
    await channel("chn_all");
    await channel("chn_high", { minSeverity: "high" });
    const r = router();
    const f = finding();
    await route(r, T0, f);
    await route(r, T0 + MIN, { ...f, severity: "critical", updatedAt: T0 + MIN });
    const resolved = { ...f, severity: "critical" as Severity, status: "resolved" as const };
    await route(r, T0 + 2 * MIN, resolved);
    await route(r, T0 + 3 * MIN, resolved);
    expect((await sent()).map((s) => `${s.type} ${s.channel} ${s.title}`)).toEqual([
      "finding.opened chn_all JELLY mark 0.6% above Binance for 30 s",
      "finding.escalated chn_all Escalated to critical: JELLY mark 0.6% above Binance for 30 s",
      "finding.escalated chn_high Escalated to critical: JELLY mark 0.6% above Binance for 30 s",
      "finding.resolved chn_all Resolved: JELLY mark 0.6% above Binance for 30 s",
      "finding.resolved chn_high Resolved: JELLY mark 0.6% above Binance for 30 s",
    ]);
  });

  it("keeps a flapping condition quiet within the cooldown unless it comes back worse", async () => {
    await channel("chn_all");
    const r = router({ cooldownMs: 15 * MIN, groupWindowMs: 0 });
    const first = finding();
    await route(r, T0, first);
    await route(r, T0 + MIN, { ...first, status: "resolved" });
    const again = finding({ id: "fnd_0m8k2w3c0bbbbbbbbbbbb", detectedAt: T0 + 2 * MIN });
    expect(await route(r, T0 + 2 * MIN, again)).toMatchObject({ sent: 0 });
    await route(r, T0 + 3 * MIN, { ...again, status: "resolved" });
    const worse = finding({
      id: "fnd_0m8k2w3c0cccccccccccc",
      severity: "high",
      detectedAt: T0 + 4 * MIN,
    });
    await route(r, T0 + 4 * MIN, worse);
    const later = finding({ id: "fnd_0m8k2w3c0dddddddddddd", detectedAt: T0 + 40 * MIN });
    await route(r, T0 + 40 * MIN, later);
    expect((await sent()).map((s) => `${s.type} ${s.body.findings[0]?.id}`)).toEqual([
      `finding.opened ${first.id}`,
      `finding.resolved ${first.id}`,
      `finding.opened ${worse.id}`,
      `finding.opened ${later.id}`,
    ]);
  });

  it("records nothing for a silenced finding but keeps its state", async () => {
    await channel("chn_all");
    await db.query(
      `INSERT INTO silences (tenant_id, id, matchers, comment, created_by, starts_at, ends_at, created_at)
       VALUES ($1, 'sil_1', '{"subject":"JELLY"}', 'known listing', 'ops', $2, $3, $2)`,
      [tenant, new Date(T0 - MIN), new Date(T0 + 10 * MIN)],
    );
    const r = router();
    const f = finding();
    expect(await route(r, T0, f)).toMatchObject({ sent: 0, silenced: 1 });
    // After the silence the same episode is not announced late; a worse state is.
    await route(r, T0 + 11 * MIN, { ...f, occurrences: 2 });
    await route(r, T0 + 12 * MIN, { ...f, severity: "high" });
    expect((await sent()).map((s) => s.type)).toEqual(["finding.escalated"]);
  });

  it("groups findings on one detector and subject within the window; critical ones go at once", async () => {
    await channel("chn_all");
    const r = router({ groupWindowMs: 5 * MIN });
    await route(r, T0, finding());
    const second = finding({ id: "fnd_0m8k2w3c0eeeeeeeeeeee", kind: "mark-ema", key: "ema" });
    const third = finding({ id: "fnd_0m8k2w3c0ffffffffffff", kind: "binance", key: "bn" });
    expect(await route(r, T0 + MIN, second)).toMatchObject({ sent: 0, held: 1 });
    expect(await route(r, T0 + 2 * MIN, third)).toMatchObject({ sent: 0, held: 1 });
    const critical = finding({
      id: "fnd_0m8k2w3c0gggggggggggg",
      kind: "coinbase",
      key: "cb",
      severity: "critical",
    });
    expect(await route(r, T0 + 3 * MIN, critical)).toMatchObject({ sent: 1 });
    expect((await db.transaction((tx) => r.flushDue(tx, T0 + 4 * MIN))).deliveries).toBe(0);
    expect((await db.transaction((tx) => r.flushDue(tx, T0 + 5 * MIN))).deliveries).toBe(1);
    const alerts = await sent();
    expect(alerts.map((s) => `${s.type} ${s.body.findings.length}`)).toEqual([
      "finding.opened 1",
      "finding.opened 1",
      "finding.opened 2",
    ]);
    expect(alerts[2]?.title).toMatch(/^2 oracle findings on JELLY/);
  });

  it("summarises a storm instead of flooding", async () => {
    await channel("chn_all");
    const r = router({ stormThreshold: 3, stormWindowMs: 5 * MIN, groupWindowMs: 0 });
    for (let i = 0; i < 10; i++)
      await route(
        r,
        T0 + i * 1_000,
        finding({
          id: `fnd_0m8k2w3c0storm${i.toString().padStart(7, "0")}`,
          subject: { type: "asset", id: `COIN${i}` },
          severity: i % 2 ? "high" : "medium",
        }),
      );
    expect((await db.transaction((tx) => r.flushDue(tx, T0 + 10 * MIN))).deliveries).toBe(1);
    const alerts = await sent();
    expect(alerts.length).toBe(4);
    expect(alerts[3]?.body.summary).toMatchObject({
      reason: "storm",
      suppressed: { high: 4, medium: 3 },
    });
    expect(alerts[3]?.title).toBe("Alert storm: 7 alerts summarised (4 high, 3 medium)");
  });

  it("holds alerts past the daily cap, says so once, and summarises them at midnight UTC", async () => {
    await channel("chn_all");
    const r = router({ dailyCap: 2, groupWindowMs: 0 });
    for (let i = 0; i < 5; i++)
      await route(
        r,
        T0 + i * 1_000,
        finding({
          id: `fnd_0m8k2w3c0capxx${i.toString().padStart(7, "0")}`,
          subject: { type: "asset", id: `COIN${i}` },
          severity: "critical",
        }),
      );
    const midnight = Date.UTC(2025, 2, 27);
    expect((await db.transaction((tx) => r.flushDue(tx, midnight - 1))).deliveries).toBe(0);
    expect((await db.transaction((tx) => r.flushDue(tx, midnight))).deliveries).toBe(1);
    const alerts = await sent();
    expect(alerts.map((s) => s.type)).toEqual([
      "finding.opened",
      "finding.opened",
      "alerts.summary",
      "alerts.summary",
    ]);
    expect(alerts[2]?.title).toMatch(/^Daily alert cap of 2 reached/);
    expect(alerts[3]?.body.summary).toMatchObject({
      reason: "daily-cap",
      suppressed: { critical: 3 },
    });
  });

  it("takes the daily cap from the tenant's plan: cloud_basic's 100, not the install's 1,000", async () => {
    await channel("chn_all");
    await subscribe(db, { tenantId: tenant, planId: "cloud_basic", nowMs: T0 });
    const r = router({ dailyCap: 1_000, groupWindowMs: 0 });
    const fs = Array.from({ length: 101 }, (_, i) =>
      finding({
        id: `fnd_0m8k2w3c0plan${i.toString().padStart(8, "0")}`,
        subject: { type: "asset", id: `COIN${i}` },
        severity: "critical",
      }),
    );
    expect(await route(r, T0, ...fs)).toMatchObject({ sent: 100, held: 1 });
    const notice = (await sent()).find((s) => s.type === "alerts.summary");
    expect(notice?.title).toMatch(/^Daily alert cap of 100 reached/);
  });

  it("remembers what it announced across a restart (a new router on the same database)", async () => {
    await channel("chn_all");
    const f = finding();
    await route(router(), T0, f);
    await route(router(), T0 + MIN, { ...f, occurrences: 2 });
    await route(router(), T0 + 2 * MIN, { ...f, status: "resolved" });
    expect((await sent()).map((s) => s.type)).toEqual(["finding.opened", "finding.resolved"]);
  });
});
