import type { Finding } from "@kamiyo/core";
import { type Db, upsertFindings } from "@kamiyo/db";
import { createTestDb, testDbKind } from "@kamiyo/testing";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { EULER, TOKEN_LOSS } from "../channels/fixtures/alerts.ts";
import { type ChannelFilter, newChannel, saveChannel } from "../store/channels.ts";
import { claimDue } from "../store/outbox.ts";
import type { Alert, ExploitIncident } from "../types.ts";
import { AlertRouter } from "./alert-router.ts";
import {
  incidentAlertsHook,
  incidentMatches,
  incidentSeverity,
  incidentTitle,
  routeIncidents,
} from "./incident-alerts.ts";
import { routingConfig } from "./routing-config.ts";

const T0 = Date.UTC(2026, 10, 28, 12, 0);
let db: Db;
let n = 0;
let a = "";
let b = "";

beforeAll(async () => {
  db = await createTestDb();
});
afterAll(async () => {
  await db.close();
});
beforeEach(async () => {
  // Each test sees only its own tenants' channels (routing goes to every tenant).
  await db.query("UPDATE alert_channels SET enabled = false");
  n++;
  a = `ten_inc_a${n}`;
  b = `ten_inc_b${n}`;
  for (const t of [a, b]) await db.query("INSERT INTO tenants (id, name) VALUES ($1, $1)", [t]);
});

async function channel(tenantId: string, id: string, filter: ChannelFilter = {}): Promise<void> {
  await saveChannel(
    db,
    newChannel({
      tenantId,
      id,
      kind: "webhook",
      name: id,
      origin: "api",
      config: { url: `https://hooks.example.com/${id}` },
      filter,
      secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
      nowMs: T0,
    }),
    null,
  );
}

/** A BSC exploit of unknown USD loss (severity info). */
const SMALL: ExploitIncident = { ...TOKEN_LOSS, chains: ["BSC"] };

const route = (
  incidents: ExploitIncident[],
  type: "exploit.created" | "exploit.updated",
  at = T0,
  dailyCap?: number,
) => db.transaction((tx) => routeIncidents(tx, incidents, type, at, { dailyCap }));

interface Sent {
  tenant: string;
  type: string;
  fingerprint: string | null;
  title: string;
  channels: string[];
  body: Alert;
}

async function sent(...tenants: string[]): Promise<Sent[]> {
  return db.query<Sent>(
    `SELECT a.tenant_id AS tenant, a.type, a.fingerprint, a.title, a.body,
       coalesce(array_agg(d.channel_id ORDER BY d.channel_id)
         FILTER (WHERE d.channel_id IS NOT NULL), '{}') AS channels
     FROM alerts a LEFT JOIN deliveries d ON d.tenant_id = a.tenant_id AND d.alert_id = a.id
     WHERE a.tenant_id = ANY($1::text[])
     GROUP BY a.tenant_id, a.id ORDER BY a.tenant_id, a.created_at, a.id`,
    [tenants],
  );
}

/** Alerts as sorted lines (alerts decided at one time have no order among them). */
const lines = (rows: Sent[]) =>
  rows
    .map((r) => `${r.tenant === a ? "a" : "b"} ${r.type} ${r.title} → ${r.channels.join(",")}`)
    .sort();

describe("incident alert rules", () => {
  it("grades severity by loss", () => {
    expect(
      [250e6, 100e6, 99e6, 10e6, 1e6, 999_999, 0, null].map((l) => incidentSeverity(l)),
    ).toEqual(["critical", "critical", "high", "high", "medium", "low", "low", "info"]);
  });

  it("titles an incident by protocol, loss, chains and class", () => {
    expect(incidentTitle(EULER, "exploit.created")).toBe(
      "Euler Finance: $197M lost on Ethereum (Protocol Logic)",
    );
    expect(incidentTitle(EULER, "exploit.updated")).toBe(
      "Updated: Euler Finance: $197M lost on Ethereum (Protocol Logic)",
    );
    expect(incidentTitle(TOKEN_LOSS, "exploit.created")).toBe(
      "SmallSwap: 1,234.5 BNB lost on BSC, Ethereum (Reentrancy)",
    );
    const bare = { ...TOKEN_LOSS, original: null, technique: null, chains: [] };
    expect(incidentTitle(bare, "exploit.created")).toBe("SmallSwap: exploited, loss unknown");
    const many = { ...EULER, lossUsd: 1_250_000_000, chains: ["A", "B", "C", "D", "E"] };
    expect(incidentTitle(many, "exploit.created")).toBe(
      "Euler Finance: $1.25B lost on A, B and 3 more chains (Protocol Logic)",
    );
  });

  it("matches filters to incidents: names case-insensitive, unknown loss never passes a minimum", () => {
    const yes: ChannelFilter[] = [
      {},
      { chains: ["ethereum", "Solana"] },
      { protocols: ["EULER"] },
      { protocols: ["euler finance"] },
      { categories: ["protocol logic"] },
      { minAmountUsd: 197_000_000 },
      { minSeverity: "critical" },
    ];
    const no: ChannelFilter[] = [
      { chains: ["BSC"] },
      { protocols: ["Eul"] },
      { categories: ["Access Control"] },
      { minAmountUsd: 197_000_001 },
      { detectors: ["oracle"] },
      { kinds: ["deviation"] },
      { subjects: ["ETH"] },
      { chains: ["Ethereum"], detectors: ["oracle"] },
    ];
    for (const f of yes) expect(incidentMatches(f, EULER), JSON.stringify(f)).toBe(true);
    for (const f of no) expect(incidentMatches(f, EULER), JSON.stringify(f)).toBe(false);
    expect(incidentMatches({ minAmountUsd: 0 }, TOKEN_LOSS)).toBe(false);
    expect(incidentMatches({ minSeverity: "low" }, TOKEN_LOSS)).toBe(false);
    expect(incidentMatches({ minSeverity: "info" }, TOKEN_LOSS)).toBe(true);
    expect(incidentMatches({ categories: ["reentrancy"] }, TOKEN_LOSS)).toBe(false);
  });
});

describe(`incident alerts on ${testDbKind}`, () => {
  it("sends each tenant one alert per incident to the channels whose filters take it", async () => {
    await channel(a, "chn_a_all");
    await channel(a, "chn_a_eth", { chains: ["ethereum"] });
    await channel(a, "chn_a_big", { minAmountUsd: 100_000_000 });
    await channel(a, "chn_a_euler", { protocols: ["euler"] });
    await channel(a, "chn_a_logic", { categories: ["Protocol Logic"] });
    await channel(a, "chn_a_high", { minSeverity: "high" });
    await channel(a, "chn_a_oracle", { detectors: ["oracle"] });
    await channel(b, "chn_b_bsc", { chains: ["BSC"] });
    await channel(b, "chn_b_min", { minAmountUsd: 1 });
    await channel(b, "chn_b_findings", { subjects: ["JELLY"], chains: ["BSC"] });
    const r = await route([EULER, SMALL], "exploit.created");
    expect(r).toEqual({ sent: 4, held: 0, duplicates: 0, deliveries: 9 });
    expect(lines(await sent(a, b))).toEqual([
      "a exploit.created Euler Finance: $197M lost on Ethereum (Protocol Logic) → chn_a_all,chn_a_big,chn_a_eth,chn_a_euler,chn_a_high,chn_a_logic",
      "a exploit.created SmallSwap: 1,234.5 BNB lost on BSC (Reentrancy) → chn_a_all",
      "b exploit.created Euler Finance: $197M lost on Ethereum (Protocol Logic) → chn_b_min",
      "b exploit.created SmallSwap: 1,234.5 BNB lost on BSC (Reentrancy) → chn_b_bsc",
    ]);
    const euler = (await sent(a)).find((r) => r.fingerprint === `exploit:${EULER.id}`);
    expect(euler?.body).toMatchObject({ severity: "critical", findings: [], incident: EULER });
  });

  it("sends an incident's creation once, and every update it is given", async () => {
    await channel(a, "chn_a_all");
    await channel(b, "chn_b_eth", { chains: ["Ethereum"] });
    await route([EULER, SMALL], "exploit.created");
    // Routed again (a retried import, a second process): nothing new.
    expect(await route([EULER, SMALL, EULER], "exploit.created", T0 + 1_000)).toEqual({
      sent: 0,
      held: 0,
      duplicates: 3,
      deliveries: 0,
    });
    const moved = { ...EULER, lossUsd: 240_000_000 };
    await route([moved], "exploit.updated", T0 + 2_000);
    await route([{ ...moved, chains: ["Ethereum", "Arbitrum"] }], "exploit.updated", T0 + 3_000);
    expect(lines(await sent(a, b))).toEqual([
      "a exploit.created Euler Finance: $197M lost on Ethereum (Protocol Logic) → chn_a_all",
      "a exploit.created SmallSwap: 1,234.5 BNB lost on BSC (Reentrancy) → chn_a_all",
      "a exploit.updated Updated: Euler Finance: $240M lost on Ethereum (Protocol Logic) → chn_a_all",
      "a exploit.updated Updated: Euler Finance: $240M lost on Ethereum, Arbitrum (Protocol Logic) → chn_a_all",
      "b exploit.created Euler Finance: $197M lost on Ethereum (Protocol Logic) → chn_b_eth",
      "b exploit.updated Updated: Euler Finance: $240M lost on Ethereum (Protocol Logic) → chn_b_eth",
      "b exploit.updated Updated: Euler Finance: $240M lost on Ethereum, Arbitrum (Protocol Logic) → chn_b_eth",
    ]);
  });

  it("leaves pending outbox rows that the delivery worker claims with the incident", async () => {
    await channel(a, "chn_a_eth", { chains: ["Ethereum"] });
    await route([EULER], "exploit.created");
    const rows = await db.query<{ status: string; next_attempt_at: Date; attempts: number }>(
      "SELECT status, next_attempt_at, attempts FROM deliveries WHERE tenant_id = $1",
      [a],
    );
    expect(rows).toEqual([{ status: "pending", next_attempt_at: new Date(T0), attempts: 0 }]);
    const claimed = await db.transaction((tx) => claimDue(tx, "w1", T0, 30_000, 100, null));
    const mine = claimed.filter((c) => c.tenantId === a);
    expect(mine).toHaveLength(1);
    expect(mine[0]?.channel.id).toBe("chn_a_eth");
    expect(mine[0]?.alert).toMatchObject({ type: "exploit.created", incident: EULER });
  });

  it("counts toward the daily cap with finding alerts, then holds and summarises at midnight", async () => {
    await channel(a, "chn_a_all");
    await channel(a, "chn_a_oracle", { detectors: ["oracle"] });
    const config = routingConfig.parse({ dailyCap: 3, groupWindowMs: 0 });
    const router = new AlertRouter(config);
    const finding: Finding = {
      id: "fnd_0m8k2w3c0incidentcap1",
      tenantId: a,
      detector: "oracle",
      kind: "deviation",
      subject: { type: "asset", id: "JELLY" },
      key: "",
      severity: "high",
      status: "open",
      title: "JELLY mark 5% above Binance",
      evidence: {},
      firstDataAt: T0,
      dataAt: T0,
      detectedAt: T0,
      updatedAt: T0,
      resolvedAt: null,
      occurrences: 1,
    };
    await db.transaction(async (tx) => {
      await upsertFindings(tx, [finding]);
      return router.route(tx, a, [finding], T0);
    });
    const four = [EULER, SMALL, { ...EULER, id: "exp_x3" }, { ...SMALL, id: "exp_x4" }];
    expect(await route(four, "exploit.created", T0 + 1_000, config.dailyCap)).toEqual({
      sent: 2,
      held: 2,
      duplicates: 0,
      // Two alerts to chn_a_all, and the cap notice to both channels.
      deliveries: 4,
    });
    const [day] = await db.query<{ sent: number }>(
      "SELECT sent FROM alert_days WHERE tenant_id = $1",
      [a],
    );
    expect(day?.sent).toBe(3);
    const midnight = Date.UTC(2026, 10, 29);
    expect(
      (await db.transaction((tx) => router.flushDue(tx, midnight))).deliveries,
    ).toBeGreaterThanOrEqual(1);
    const rows = await sent(a);
    expect(rows.map((r) => `${r.type} → ${r.channels.join(",")}`).sort()).toEqual([
      "alerts.summary → chn_a_all",
      "alerts.summary → chn_a_all,chn_a_oracle",
      "exploit.created → chn_a_all",
      "exploit.created → chn_a_all",
      "finding.opened → chn_a_all,chn_a_oracle",
    ]);
    const notice = rows.find((r) => r.type === "alerts.summary" && r.channels.length === 2);
    expect(notice?.title).toMatch(/^Daily alert cap of 3 reached/);
    expect(rows.at(-1)?.body.summary).toMatchObject({
      reason: "daily-cap",
      suppressed: { critical: 1, info: 1 },
    });
  });

  it("routes an import's new and changed incidents through the hook, recent ones only by default", async () => {
    await channel(a, "chn_a_all");
    const now = Date.UTC(2023, 3, 1);
    const old = { ...SMALL, id: "exp_old", date: "2023-02-01" };
    const changed = { ...SMALL, id: "exp_changed", date: "2023-03-20" };
    await db.transaction((tx) =>
      incidentAlertsHook(now)(tx, { created: [EULER, old], changed: [changed] }),
    );
    expect((await sent(a)).map((r) => `${r.type} ${r.body.incident?.id}`).sort()).toEqual([
      `exploit.created ${EULER.id}`,
      "exploit.updated exp_changed",
    ]);
    await db.transaction((tx) =>
      incidentAlertsHook(now, { maxAgeDays: null })(tx, { created: [EULER, old], changed: [] }),
    );
    expect((await sent(a)).map((r) => r.body.incident?.id).sort()).toEqual([
      "exp_20230313_eulerfinance",
      "exp_changed",
      "exp_old",
    ]);
  });
});
