import { FetchHttpClient, IoTracker, seededRandom, silentLogger, VirtualClock } from "@kamiyo/core";
import { type Db, DEFAULT_TENANT_ID, getFinding, listFindings } from "@kamiyo/db";
import type { AfterFindings } from "@kamiyo/monitor";
import { Monitor } from "@kamiyo/monitor";
import { createTestDb, testDbKind } from "@kamiyo/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { HlObservation, Trade } from "../observations.ts";
import { MONITOR_PLUGINS, monitorConfig } from "./monitor-config.ts";

const LIQ = {
  address: "0x2e3d94f0562703b25c83308a05046ddaf9a8dd14",
  name: "HLP Liquidator",
  role: "liquidator" as const,
};
const T0 = 1_741_767_000_000;
const config = monitorConfig.parse({
  sources: {
    hyperliquid: { enabled: false },
    binance: { enabled: false },
    coinbase: { enabled: false },
  },
  queueCapacity: 100,
});

function state(time: number, upnl: number, coin = "ETH"): HlObservation {
  return {
    type: "vaultState",
    time,
    vault: LIQ,
    accountValue: 5e7,
    totalNtlPos: 3e8,
    positions: [
      {
        coin,
        szi: 160_234,
        entryPx: 1915,
        positionValue: 3.06e8,
        unrealizedPnl: upnl,
        liquidationPx: null,
        marginUsed: 0,
      },
    ],
  };
}

async function monitorOn(
  db: Db,
  clock: VirtualClock,
  afterFindings?: AfterFindings,
): Promise<Monitor> {
  const io = new IoTracker();
  return Monitor.create(config, {
    afterFindings,
    clock,
    random: seededRandom(1),
    log: silentLogger,
    http: new FetchHttpClient({ userAgent: "test", timeoutMs: 1_000, io }),
    io,
    db,
    tenantId: DEFAULT_TENANT_ID,
    plugins: MONITOR_PLUGINS,
  });
}

let db: Db;
beforeAll(async () => {
  db = await createTestDb();
});
afterAll(async () => {
  await db.close();
});

describe(`monitor pipeline on ${testDbKind}`, () => {
  it("stores findings, and writes what is pending when stopped", async () => {
    const clock = new VirtualClock(T0);
    const m = await monitorOn(db, clock);
    const stored: number[] = [];
    m.onFindingsStored((count) => stored.push(count));
    m.start();
    m.emit(state(T0, -3_000_000));
    await m.whenIdle();
    await m.stop();
    // Told once the finding is committed: readers caching what they read know to read again.
    expect(stored).toEqual([1]);
    const [f] = await listFindings(db, DEFAULT_TENANT_ID, { detector: "hlp", limit: 10 });
    expect(f).toMatchObject({ kind: "inherited-position", severity: "critical", status: "open" });
    const rows = await db.query<{ n: number }>("SELECT count(*)::int AS n FROM vault_states");
    expect(rows[0]?.n).toBe(1);
  });

  it("keeps the same finding after a restart when the condition continues", async () => {
    // BTC, an hour before the other tests' ETH episode: a finding of its own.
    const run = async (t: number, upnl: number): Promise<string[]> => {
      const m = await monitorOn(db, new VirtualClock(t));
      const changes: string[] = [];
      m.onChange((c) => changes.push(`${c.change}:${c.finding.id}`));
      m.start();
      m.emit(state(t, upnl, "BTC"));
      await m.whenIdle();
      await m.stop();
      return changes;
    };
    const [opened] = await run(T0 - 3_600_000, -3_000_000);
    expect(opened).toMatch(/^opened:fnd_/);
    const id = opened?.slice("opened:".length) ?? "";
    expect(await run(T0 - 3_600_000 + 60_000, -3_500_000)).toEqual([`updated:${id}`]);
    expect((await getFinding(db, DEFAULT_TENANT_ID, id))?.occurrences).toBe(2);
  });

  it("isolates a detector that throws on a bad observation and counts it", async () => {
    const m = await monitorOn(db, new VirtualClock(T0));
    m.start();
    m.emit({
      type: "vaultState",
      time: T0,
      vault: LIQ,
      accountValue: 1,
      totalNtlPos: 1,
    } as unknown as HlObservation);
    m.emit(state(T0 + 1, -3_000_000));
    await m.whenIdle();
    const h = m.health();
    await m.stop();
    expect(h.stats.detectorErrors).toBeGreaterThanOrEqual(1);
    expect(h.stats.storeErrors).toBe(1);
    expect(h.stats.observations.vaultState).toBe(2);
  });

  it("runs the after-findings step in the findings' transaction; its failure loses no finding", async () => {
    await db.exec("CREATE TABLE IF NOT EXISTS after_findings_probe (finding_id text)");
    const seen: string[] = [];
    const ok = await monitorOn(db, new VirtualClock(T0 + 200_000), async (tx, fs) => {
      // Sees the findings written earlier in the same transaction.
      const [row] = await tx.query<{ n: number }>(
        "SELECT count(*)::int AS n FROM findings WHERE id = $1",
        [fs[0]?.id],
      );
      seen.push(`${fs.length}:${row?.n}`);
      await tx.query("INSERT INTO after_findings_probe VALUES ($1)", [fs[0]?.id]);
    });
    ok.start();
    ok.emit(state(T0 + 200_000, -4_500_000));
    await ok.whenIdle();
    await ok.stop();
    expect(seen).toEqual(["1:1"]);

    const failing = await monitorOn(db, new VirtualClock(T0 + 300_000), async (tx) => {
      await tx.query("INSERT INTO after_findings_probe VALUES ('rolled back')");
      throw new Error("router down");
    });
    failing.start();
    failing.emit(state(T0 + 300_000, -5_000_000));
    await failing.whenIdle();
    await failing.stop();
    const probes = await db.query<{ finding_id: string }>("SELECT * FROM after_findings_probe");
    expect(probes.map((p) => p.finding_id)).not.toContain("rolled back");
    expect(probes.length).toBe(1);
    const [f] = await listFindings(db, DEFAULT_TENANT_ID, { detector: "hlp", limit: 1 });
    expect(f?.dataAt).toBe(T0 + 300_000);
  });

  it("drops a batch the database refuses instead of retrying it forever", async () => {
    const m = await monitorOn(db, new VirtualClock(T0));
    m.start();
    // A role the schema's CHECK constraint refuses (SQLSTATE 23514).
    m.emit({
      ...state(T0 + 120_000, -3_000_000),
      vault: { ...LIQ, address: "0x1111111111111111111111111111111111111111", role: "janitor" },
    } as unknown as HlObservation);
    await m.whenIdle();
    m.emit(state(T0 + 240_000, -3_000_000));
    await m.whenIdle();
    const h = m.health();
    await m.stop();
    expect(h.stats.store?.droppedRows).toBeGreaterThanOrEqual(1);
    const rows = await db.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM vault_states WHERE ts = $1",
      [new Date(T0 + 240_000)],
    );
    expect(rows[0]?.n).toBe(1);
  });

  it("stores the liquidations the detector classified, with its LIQ_CONFIRM_MS (5 s, not 2 s)", async () => {
    const t = T0 + 1_000_000;
    const clock = new VirtualClock(t);
    const io = new IoTracker();
    const m = await Monitor.create(
      monitorConfig.parse({
        ...config,
        detectors: { liquidations: { config: { confirmMs: 5_000 } } },
      }),
      {
        clock,
        random: seededRandom(1),
        log: silentLogger,
        http: new FetchHttpClient({ userAgent: "test", timeoutMs: 1_000, io }),
        io,
        db,
        tenantId: DEFAULT_TENANT_ID,
        plugins: MONITOR_PLUGINS,
      },
    );
    const trade = (tid: number, sz: number): Trade => ({
      coin: "BTC",
      side: "B",
      px: 100_000,
      sz,
      time: t,
      tid,
      hash: `0x${tid}`,
      buyer: LIQ.address,
      seller: "0x5555555555555555555555555555555555555555",
    });
    m.start();
    m.emit({ type: "vaultFamily", time: t, parent: LIQ.address, members: [LIQ], discovered: true });
    // Two public trades the liquidator bought; no position yet, so either would grow it.
    m.emit({ type: "trades", time: t, coin: "BTC", trades: [trade(1, 20), trade(2, 12)] });
    await m.whenIdle();
    // At 3 s the vault's own fill of trade 1 arrives: an ordinary order, not a liquidation. A
    // classifier waiting 2 s would already have stored trade 1 as a backstop takeover.
    for (const at of [t + 1_000, t + 2_000, t + 3_000]) {
      clock.advanceTo(at);
      await m.whenIdle();
    }
    m.emit({
      type: "fills",
      time: t + 3_000,
      user: LIQ.address,
      snapshot: false,
      fills: [
        {
          ...trade(1, 20),
          startPosition: 0,
          dir: "Open Long",
          closedPnl: 0,
          oid: 9,
          crossed: true,
          fee: 0,
          liquidation: null,
        },
      ],
    });
    await m.whenIdle();
    for (const at of [t + 4_000, t + 5_000, t + 6_000]) {
      clock.advanceTo(at);
      await m.whenIdle();
    }
    await m.stop();
    const rows = await db.query<{ id: string; method: string }>(
      "SELECT id, method FROM liquidations WHERE coin = 'BTC' ORDER BY id",
    );
    const findings = await listFindings(db, DEFAULT_TENANT_ID, {
      detector: "liquidations",
      limit: 10,
    });
    const large = findings.filter((f) => f.kind === "large-liquidation");
    expect(large.map((f) => f.evidence.tradeId)).toEqual(["BTC:2"]);
    expect(rows).toEqual([{ id: "BTC:2", method: "backstop" }]);
  });

  it("drops and counts observations beyond the queue's capacity", async () => {
    const m = await monitorOn(db, new VirtualClock(T0));
    m.start();
    let accepted = 0;
    for (let i = 0; i < 1_000; i++) if (m.emit({ type: "oiCap", time: T0, coins: [] })) accepted++;
    await m.whenIdle();
    const h = m.health();
    await m.stop();
    expect(accepted).toBe(100);
    expect(h.stats.queue.dropped).toBe(900);
    expect(h.stats.observations.oiCap).toBe(100);
  });
});
