import { readFileSync } from "node:fs";
import type { Db } from "@kamiyo/db";
import { createTestDb, testDbKind } from "@kamiyo/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseDefiHackLabsReadme } from "./sources/defihacklabs-readme.ts";
import { parseDefiLlama } from "./sources/defillama.ts";
import { parseExplorer } from "./sources/explorer.ts";
import { parseRektLeaderboard } from "./sources/rekt.ts";
import { parseSlowMist } from "./sources/slowmist.ts";
import { importRecords, listIncidents } from "./store/incidents.ts";
import type { Incident, SourceRecord } from "./types.ts";

const fixture = (name: string) =>
  readFileSync(new URL(`../fixtures/${name}`, import.meta.url), "utf8");

/** The real data: DeFiHackLabs' Incident Explorer dump and its README incident lists. */
function realRecords(): SourceRecord[] {
  return [
    ...parseExplorer(fixture("incidents.json")).records,
    ...["DeFiHackLabs-README.md.txt", "past-2024-README.md.txt", "past-2025-README.md.txt"].flatMap(
      (f) => parseDefiHackLabsReadme(fixture(f)).records,
    ),
  ];
}

const brief = (i: Incident | undefined) =>
  i && {
    protocol: i.protocol,
    aliases: i.aliases,
    date: i.date,
    chains: i.chains,
    lossUsd: i.lossUsd,
    original: i.original,
    refs: i.references.map((r) => `${r.source}:${r.sourceKey}`),
  };

let db: Db;
let incidents: Map<string, Incident>;
beforeAll(async () => {
  db = await createTestDb();
  await importRecords(db, realRecords(), Date.UTC(2026, 10, 28));
  incidents = new Map((await listIncidents(db)).map((i) => [i.id, i]));
}, 60_000);
afterAll(async () => {
  await db.close();
});

describe(`importing the DeFiHackLabs data on ${testDbKind}`, () => {
  it("yields one record per real incident: 1,373 reports become 980 incidents", () => {
    // 1,373 reports: 910 explorer rows (912 less 2 exact repeats refused by the parser) and 463
    // README sections (113 + 189 + 161). They become 980 incidents:
    // - 355 reported by both: the README lists copied here cover 2024-01 to 2026-08, and the
    //   explorer lists nearly every one of those too;
    // - 521 in the explorer only: it goes back to 2017, before these README lists begin;
    // - 104 in the READMEs only: 4 dated after the explorer's last entry (2026-08-07), the rest
    //   entries the explorer does not have;
    // - 33 incidents appear twice in the explorer itself under two spellings or dates (Euler
    //   Finance / EulerFinance, UwU Lend / UwULend, …) and 3 twice in the READMEs: each is one.
    expect(incidents.size).toBe(980);
    const sources = (i: Incident) =>
      [...new Set(i.references.map((r) => r.source))].sort().join("+");
    const counts = new Map<string, number>();
    for (const i of incidents.values()) counts.set(sources(i), (counts.get(sources(i)) ?? 0) + 1);
    expect(Object.fromEntries(counts)).toEqual({
      "defihacklabs+defihacklabs-explorer": 355,
      "defihacklabs-explorer": 521,
      defihacklabs: 104,
    });
    const twice = (source: string) =>
      [...incidents.values()].filter(
        (i) => i.references.filter((r) => r.source === source).length > 1,
      ).length;
    expect(twice("defihacklabs-explorer")).toBe(33);
    expect(twice("defihacklabs")).toBe(3);
  });

  it("pins well-known incidents with their merged sources, dates and amounts", () => {
    // Euler, March 2023: incidents.json lists it twice under two spellings; one record.
    expect(brief(incidents.get("exp_20230313_euler"))).toEqual({
      protocol: "Euler Finance",
      aliases: ["EulerFinance"],
      date: "2023-03-13",
      chains: ["Ethereum"],
      lossUsd: 200_000_000,
      original: null,
      refs: [
        "defihacklabs-explorer:20230313-Euler Finance",
        "defihacklabs-explorer:20230313-EulerFinance",
      ],
    });
    // Ronin, March 2022 (the explorer dates it by the disclosure, 29 Mar), and the separate
    // August 2024 Ronin bridge incident: two records, not one.
    expect(brief(incidents.get("exp_20220329_ronin"))).toMatchObject({
      protocol: "Ronin Network",
      date: "2022-03-29",
      lossUsd: 624_000_000,
    });
    expect(brief(incidents.get("exp_20240806_ronin"))).toMatchObject({
      protocol: "Ronin Bridge",
      lossUsd: 11_810_813,
    });
    expect(brief(incidents.get("exp_20220802_nomad"))).toMatchObject({
      lossUsd: 152_000_000,
      chains: ["Ethereum"],
    });
    expect(brief(incidents.get("exp_20210811_poly"))).toMatchObject({
      protocol: "Poly Network",
      lossUsd: 611_000_000,
    });
    expect(brief(incidents.get("exp_20231122_kyberswap"))).toMatchObject({ lossUsd: 48_000_000 });
    // In both lists from here on.
    expect(brief(incidents.get("exp_20250221_bybit"))).toEqual({
      protocol: "Bybit",
      aliases: [],
      date: "2025-02-21",
      chains: ["Ethereum"],
      lossUsd: 1_500_000_000,
      original: null,
      refs: ["defihacklabs:20250221-Bybit", "defihacklabs-explorer:20250221-Bybit"],
    });
    expect(brief(incidents.get("exp_20240102_radiant"))).toMatchObject({
      chains: ["Arbitrum"],
      lossUsd: 4_500_000,
      refs: [
        "defihacklabs:20240102-RadiantCapital",
        "defihacklabs-explorer:20240102-RadiantCapital",
      ],
    });
    // A loss given in tokens with a USD estimate keeps both.
    expect(brief(incidents.get("exp_20240903_penpiexyzio"))).toMatchObject({
      lossUsd: 27_348_259,
      original: { amount: 11_113.6, unit: "ETH" },
    });
    expect(brief(incidents.get("exp_20240610_uwulend"))?.refs).toEqual([
      "defihacklabs:20240610-UwULend",
      "defihacklabs-explorer:20240610-UwU Lend",
      "defihacklabs-explorer:20240610-UwULend",
    ]);
    // Chains the explorer writes as wrong chain ids are corrected (Sui, Starknet).
    expect(brief(incidents.get("exp_20250522_cetus"))).toMatchObject({
      chains: ["Sui"],
      lossUsd: 223_000_000,
    });
    expect(brief(incidents.get("exp_20250211_zklend"))).toMatchObject({
      chains: ["Starknet"],
      lossUsd: 9_500_000,
    });
  });

  it("re-importing the same files changes nothing", async () => {
    const again = await importRecords(db, realRecords(), Date.UTC(2026, 10, 29));
    expect(again).toMatchObject({ incidents: 980, created: [], changed: [] });
  });

  it("with DeFiLlama, rekt.news and SlowMist (reconstructed fixtures) famous incidents merge across five sources", async () => {
    const more = [
      ...parseDefiLlama(fixture("defillama-hacks.sample.json")).records,
      ...parseRektLeaderboard(fixture("rekt-leaderboard.reconstructed.html")).records,
      ...parseSlowMist(fixture("slowmist-hacked.reconstructed.html")).records,
    ];
    const result = await importRecords(db, more, Date.UTC(2026, 10, 30));
    const all = new Map((await listIncidents(db)).map((i) => [i.id, i]));
    const sources = (id: string) => [...new Set(all.get(id)?.references.map((r) => r.source))];
    // Ronin: DeFiLlama, rekt and SlowMist date the attack (23 Mar); the id stays the one first given.
    expect(all.get("exp_20220329_ronin")).toMatchObject({
      date: "2022-03-23",
      lossUsd: 624_000_000,
    });
    expect(sources("exp_20220329_ronin")).toEqual([
      "defillama",
      "rekt",
      "defihacklabs-explorer",
      "slowmist",
    ]);
    expect(all.get("exp_20230313_euler")).toMatchObject({
      lossUsd: 197_000_000,
      returnedUsd: 240_000_000,
    });
    expect(sources("exp_20250221_bybit")).toEqual([
      "defillama",
      "rekt",
      "defihacklabs",
      "defihacklabs-explorer",
      "slowmist",
    ]);
    expect(all.get("exp_20250221_bybit")?.lossUsd).toBe(1_460_000_000);
    expect(result.changed.map((i) => i.id)).toContain("exp_20250221_bybit");
  });
});
