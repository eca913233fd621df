import { IoTracker, type Logger, silentLogger, VirtualClock } from "@kamiyo/core";
import type { Db } from "@kamiyo/db";
import { type Incident, importRecords, type SourceRecord } from "@kamiyo/intel";
import { createTestDb, testDbKind } from "@kamiyo/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { IncidentFeed } from "./incident-feed.ts";

/** Radiant Capital's exploit, as the DeFi-Hack-Chronicle times it. */
const ATTACK = Date.parse("2024-10-15T23:01:06Z");
const IMPORTED = Date.parse("2024-11-20T10:00:00Z");

let db: Db;
beforeAll(async () => {
  db = await createTestDb();
});
afterAll(async () => {
  await db.close();
});

function record(protocol: string, occurredAt: number | null, lossUsd: number): SourceRecord {
  return {
    source: occurredAt === null ? "defillama" : "defi-hack-chronicle",
    sourceKey: protocol,
    protocol,
    date: "2024-10-16",
    occurredAt: occurredAt === null ? null : new Date(occurredAt).toISOString(),
    chains: ["Arbitrum"],
    classification: "Access Control",
    technique: null,
    lossUsd,
    original: null,
    returnedUsd: null,
    txHashes: [],
    url: null,
  };
}

describe(`incident feed on ${testDbKind}`, () => {
  it("hands on each timed incident once per stored version, leaves out day-only and too old ones, and skips one whose time is refused", async () => {
    await importRecords(
      db,
      [
        record("Radiant Capital", ATTACK, 53e6),
        record("Too Early", ATTACK - 5 * 60_000, 1e6),
        record("Day Only", null, 2e6),
      ],
      IMPORTED,
    );
    const queued: string[] = [];
    const warnings: string[] = [];
    const log: Logger = { ...silentLogger, warn: (_o: unknown, msg: string) => warnings.push(msg) };
    const feed = new IncidentFeed(
      { db, clock: new VirtualClock(ATTACK - 30_000), io: new IoTracker(), log },
      {
        queueIncident: (i: Incident) => {
          if (i.protocol === "Bad Time") throw new Error("occurredAt is not within a day");
          queued.push(`${i.protocol} ${i.lossUsd}`);
          return "queued";
        },
      },
      { everyMs: 10_000, latenessMs: 60_000 },
    );
    expect(await feed.poll()).toBe(1);
    expect(queued).toEqual(["Radiant Capital 53000000"]);
    // A second look re-reads the last minute of writes but hands nothing on twice.
    expect(await feed.poll()).toBe(0);
    // A revised loss is a new version; an incident whose time is refused is logged and skipped.
    await importRecords(
      db,
      [record("Radiant Capital", ATTACK, 50e6), record("Bad Time", ATTACK + 60_000, 1e6)],
      IMPORTED + 5_000,
    );
    expect(await feed.poll()).toBe(1);
    expect(queued).toEqual(["Radiant Capital 53000000", "Radiant Capital 50000000"]);
    expect(warnings).toEqual(["exploit incident with an unusable attack time skipped"]);
  });
});
