import {
  type Alert,
  type ExploitIncident,
  incidentAlertsHook,
  newChannel,
  saveChannel,
} from "@kamiyo/alerts";
import type { Db } from "@kamiyo/db";
import { type Incident, importRecords, listIncidents, type SourceRecord } from "@kamiyo/intel";
import { createTestDb, testDbKind } from "@kamiyo/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

/**
 * End to end: intel's import hands its new and changed incidents to alerts in its own
 * transaction. Here, where both packages are dependencies, so that neither depends on the other.
 */

// Compile-time: intel's Incident is assignable to the incident alerts carry.
const asExploit = (i: Incident): ExploitIncident => i;

const NOW = Date.UTC(2023, 2, 20, 8, 0);
const TENANT = "ten_e2e";
let db: Db;

beforeAll(async () => {
  db = await createTestDb();
  await db.query("INSERT INTO tenants (id, name) VALUES ($1, $1)", [TENANT]);
  await saveChannel(
    db,
    newChannel({
      tenantId: TENANT,
      id: "chn_big_eth",
      kind: "webhook",
      name: "big Ethereum exploits",
      origin: "api",
      config: { url: "https://hooks.example.com/exploits" },
      filter: { chains: ["Ethereum"], minAmountUsd: 10_000_000 },
      secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
      nowMs: NOW,
    }),
    null,
  );
});
afterAll(async () => {
  await db.close();
});

function rec(over: Partial<SourceRecord> & Pick<SourceRecord, "source" | "sourceKey">) {
  return {
    protocol: "Euler Finance",
    date: "2023-03-13",
    occurredAt: null,
    chains: ["Ethereum"],
    classification: "Protocol Logic",
    technique: null,
    lossUsd: 197_000_000,
    original: null,
    returnedUsd: null,
    txHashes: ["0xc310a0affe2169d1f6feec1c63dbc7f7c62a887fa48795d327d4d2da2d6b111d"],
    url: null,
    ...over,
  } satisfies SourceRecord;
}

async function alerts(): Promise<
  { type: string; title: string; body: Alert; deliveries: number }[]
> {
  return db.query(
    `SELECT a.type, a.title, a.body, count(d.id)::int AS deliveries FROM alerts a
     LEFT JOIN deliveries d ON d.tenant_id = a.tenant_id AND d.alert_id = a.id
     WHERE a.tenant_id = $1 GROUP BY a.tenant_id, a.id ORDER BY a.created_at, a.id`,
    [TENANT],
  );
}

describe(`intel import → incident alerts on ${testDbKind}`, () => {
  it("stores the alerts of new and materially changed incidents with the import", async () => {
    const first = await importRecords(
      db,
      [rec({ source: "defillama", sourceKey: "euler" })],
      NOW,
      incidentAlertsHook(NOW),
    );
    expect(first.created.map((i) => i.protocol)).toEqual(["Euler Finance"]);
    const [incident] = await listIncidents(db);
    if (!incident) throw new Error("no incident stored");
    const { lossUnconverted: _, ...carried } = incident;
    expect(await alerts()).toEqual([
      {
        type: "exploit.created",
        title: "Euler Finance: $197M lost on Ethereum (Protocol Logic)",
        body: expect.objectContaining({ severity: "critical", incident: carried }),
        deliveries: 1,
      },
    ]);
    expect(asExploit(incident).id).toBe(incident.id);

    // The same report again changes nothing; a second source with a larger loss is material.
    await importRecords(
      db,
      [rec({ source: "defillama", sourceKey: "euler" })],
      NOW + 1_000,
      incidentAlertsHook(NOW + 1_000),
    );
    const second = await importRecords(
      db,
      [rec({ source: "rekt", sourceKey: "euler-rekt", lossUsd: 240_000_000 })],
      NOW + 2_000,
      incidentAlertsHook(NOW + 2_000),
    );
    expect(second.changed.map((i) => i.id)).toEqual([incident.id]);
    expect((await alerts()).map((a) => `${a.type} ${a.deliveries}`)).toEqual([
      "exploit.created 1",
      "exploit.updated 1",
    ]);
  });

  it("rolls the import back, alerts included, when the hook fails", async () => {
    const before = await alerts();
    const failing = async (...args: Parameters<ReturnType<typeof incidentAlertsHook>>) => {
      await incidentAlertsHook(NOW + 3_000)(...args);
      throw new Error("outbox unavailable");
    };
    const nomad = rec({
      source: "defillama",
      sourceKey: "nomad",
      protocol: "Nomad Bridge",
      date: "2023-03-18",
      lossUsd: 152_000_000,
      txHashes: [],
    });
    await expect(importRecords(db, [nomad], NOW + 3_000, failing)).rejects.toThrow(
      "outbox unavailable",
    );
    expect((await listIncidents(db)).map((i) => i.protocol)).toEqual(["Euler Finance"]);
    expect(await alerts()).toEqual(before);
    // Retried with a working hook, the incident and its alert arrive together.
    await importRecords(db, [nomad], NOW + 4_000, incidentAlertsHook(NOW + 4_000));
    expect((await alerts()).map((a) => a.title).at(-1)).toBe(
      "Nomad Bridge: $152M lost on Ethereum (Protocol Logic)",
    );
  });
});
