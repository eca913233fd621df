import { readFileSync } from "node:fs";
import type { Db } from "@kamiyo/db";
import { createTestDb, testDbKind } from "@kamiyo/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseChronicle } from "../sources/chronicle.ts";
import { report } from "../testing/report.ts";
import { addOverride, importRecords, listIncidents, timedIncidentsChanged } from "./incidents.ts";

let db: Db;
beforeAll(async () => {
  db = await createTestDb();
});
afterAll(async () => {
  await db.close();
});

const T0 = Date.UTC(2026, 10, 28);

describe(`incident store on ${testDbKind}`, () => {
  it("stores merged incidents, keeps ids across syncs, reports what is new or materially changed, and applies overrides", async () => {
    const nomad = report({
      source: "defihacklabs-explorer",
      protocol: "Nomad Bridge",
      date: "2022-08-02",
      lossUsd: 152_000_000,
      chains: ["Ethereum"],
    });
    const kyber = report({
      source: "defihacklabs-explorer",
      protocol: "KyberSwap",
      date: "2023-11-22",
      lossUsd: 48_000_000,
    });
    const first = await importRecords(db, [nomad, kyber], T0);
    expect(first).toMatchObject({ reports: 2, incidents: 2 });
    expect(first.created.map((i) => i.id).sort()).toEqual([
      "exp_20220802_nomad",
      "exp_20231122_kyberswap",
    ]);

    // The same file again: nothing new, nothing changed.
    const again = await importRecords(db, [nomad, kyber], T0 + 1_000);
    expect(again).toMatchObject({ created: [], changed: [] });

    // DefiLlama joins Nomad with an earlier date and a larger loss: same id, a material change.
    const llama = report({
      source: "defillama",
      protocol: "Nomad",
      date: "2022-08-01",
      lossUsd: 190_000_000,
      classification: "Protocol Logic",
    });
    const third = await importRecords(db, [llama], T0 + 2_000);
    expect(third.created).toEqual([]);
    expect(third.changed.map((i) => i.id)).toEqual(["exp_20220802_nomad"]);
    const stored = await listIncidents(db);
    expect(stored.find((i) => i.id === "exp_20220802_nomad")).toMatchObject({
      date: "2022-08-01",
      protocol: "Nomad",
      aliases: ["Nomad Bridge"],
      classification: "Protocol Logic",
      chains: ["Ethereum"],
      references: [
        {
          source: "defillama",
          sourceKey: "2022-08-01-Nomad",
          firstSeenAt: new Date(T0 + 2_000).toISOString(),
        },
        {
          source: "defihacklabs-explorer",
          sourceKey: "2022-08-02-Nomad Bridge",
          firstSeenAt: new Date(T0).toISOString(),
        },
      ],
    });

    // An operator splits them; the decision holds on the next sync.
    await addOverride(
      db,
      {
        kind: "split",
        a: "defillama:2022-08-01-Nomad",
        b: "defihacklabs-explorer:2022-08-02-Nomad Bridge",
        comment: "test",
        createdBy: "ops",
      },
      T0,
    );
    const fourth = await importRecords(db, [], T0 + 3_000);
    expect(fourth.incidents).toBe(3);
    const ids = (await listIncidents(db)).map((i) => i.id).sort();
    expect(ids).toEqual(["exp_20220801_nomad", "exp_20220802_nomad", "exp_20231122_kyberswap"]);
  });

  it("keeps the Chronicle's attack time through the merge and the store; the feed's query reads only timed incidents", async () => {
    const file = "20201026-HarvestFinance.json";
    const text = readFileSync(new URL(`../../fixtures/${file}`, import.meta.url), "utf8");
    const [chronicle] = parseChronicle(text, file).records;
    expect(chronicle?.occurredAt).toBe("2020-10-26T02:59:55.000Z");
    const llama = report({
      source: "defillama",
      protocol: "Harvest Finance",
      date: "2020-10-26",
      lossUsd: 24_000_000,
    });
    const t = T0 + 86_400_000;
    await importRecords(db, [llama, chronicle as NonNullable<typeof chronicle>], t);
    const harvest = (await listIncidents(db)).find((i) => i.protocol === "Harvest Finance");
    expect(harvest?.references.map((r) => r.source)).toEqual(["defillama", "defi-hack-chronicle"]);
    expect(harvest?.occurredAt).toBe("2020-10-26T02:59:55.000Z");
    const since = Date.parse("2020-01-01T00:00:00Z");
    const changed = await timedIncidentsChanged(db, null, since);
    expect(changed.map((c) => c.incident.id)).toEqual([harvest?.id]);
    expect(changed[0]?.updatedAt).toBe(t);
    // Nothing after the last one read; nothing with an attack time before `occurredSince`.
    const cursor = { updatedAt: t, id: harvest?.id ?? "" };
    expect(await timedIncidentsChanged(db, cursor, since)).toEqual([]);
    expect(await timedIncidentsChanged(db, null, Date.parse("2021-01-01T00:00:00Z"))).toEqual([]);
  });
});
