import { readFileSync } from "node:fs";
import type { Db } from "@kamiyo/db";
import { createTestDb, testDbKind } from "@kamiyo/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { protocolKey } from "../dedup/protocol-key.ts";
import { report } from "../testing/report.ts";
import type { SourceRecord } from "../types.ts";
import { importRecords, listIncidents } from "./incidents.ts";
import {
  getIncident,
  type IncidentFilter,
  type IncidentPosition,
  type IncidentSort,
  incidentStats,
  listIncidentPage,
  pageStatements,
} from "./queries.ts";

const NOW = Date.UTC(2025, 2, 12);
const EULER_TX = "0xc310a0affe2169d1f6feec1c63dbc7f7c62a887fa48795d327d4d2da2d6b111d";
const RONIN_TX = "0xc28fad5e8d5e0ce6a2eaf67b6687be5d58113e16be590824d6cfa1c94467d0b7";
const BYBIT_TX = "0x46deef0f52e3a983b67abf4714448a41dd7ffd6d32d32da69d62081c68ad7882";
/** A base58 signature in Solana's format (88 characters; case matters). */
const MANGO_SIG =
  "4p7sMUvxNNqEcPb5ZQZt9KyBtxXvvbdmrNxz6GiZBvCqQ2QU4LgKZtb6yD9E4uDgPbpNc2R1PUHyETbxb9AbDtWk";

/** Well-known incidents as two or three sources report them. */
const KNOWN: SourceRecord[] = [
  report({
    source: "defillama",
    protocol: "Ronin Network",
    date: "2022-03-23",
    lossUsd: 624_000_000,
    chains: ["Ronin", "Ethereum"],
    classification: "Access Control",
    technique: "Private Key Compromised",
    txHashes: [RONIN_TX],
  }),
  report({ source: "rekt", protocol: "Ronin", date: "2022-03-23", lossUsd: 540_000_000 }),
  report({
    source: "defillama",
    protocol: "Euler Finance",
    date: "2023-03-13",
    lossUsd: 197_000_000,
    returnedUsd: 240_000_000,
    chains: ["Ethereum"],
    classification: "Protocol Logic",
    technique: "Donation Attack",
    txHashes: [EULER_TX],
  }),
  // Joined to Euler by the transaction hash, under a name with another protocol key.
  report({
    source: "slowmist",
    protocol: "Euler Protocol Exploit",
    date: "2023-03-15",
    lossUsd: 196_000_000,
    txHashes: [EULER_TX],
  }),
  report({
    source: "defillama",
    protocol: "Nomad",
    date: "2022-08-01",
    lossUsd: 190_000_000,
    chains: ["Ethereum", "Moonbeam"],
    classification: "Protocol Logic",
  }),
  report({ source: "rekt", protocol: "Nomad Bridge", date: "2022-08-02", lossUsd: 152_000_000 }),
  report({
    source: "defillama",
    protocol: "Poly Network",
    date: "2021-08-10",
    lossUsd: 611_000_000,
    returnedUsd: 610_000_000,
    chains: ["Ethereum", "BSC", "Polygon"],
    classification: "access control",
  }),
  report({
    source: "defillama",
    protocol: "KyberSwap",
    date: "2023-11-22",
    lossUsd: 48_800_000,
    chains: ["Arbitrum", "Optimism", "Ethereum", "Polygon", "Base"],
    classification: "Protocol Logic",
  }),
  report({
    source: "slowmist",
    protocol: "Mango Markets",
    date: "2022-10-11",
    lossUsd: 114_000_000,
    chains: ["Solana"],
    classification: "Price Manipulation",
    txHashes: [MANGO_SIG],
  }),
  // Bybit in ETH only: no USD loss.
  report({
    source: "slowmist",
    protocol: "Bybit",
    date: "2025-02-21",
    original: { amount: 401_347, unit: "ETH" },
    chains: ["Ethereum"],
    classification: "Access Control",
    txHashes: [BYBIT_TX],
  }),
];

let db: Db;
let big: Db;
/** How many incidents `big` holds. */
const BIG = 5_000;

beforeAll(async () => {
  [db, big] = await Promise.all([createTestDb(), createTestDb()]);
  await importRecords(db, KNOWN, NOW);
  // Many incidents sharing dates and losses (ties the keyset must break by id), a seventh without
  // a USD loss, one chain in 50 rare.
  const chains = ["Ethereum", "BSC", "Arbitrum", "Polygon", "Base", "Solana"];
  const records = Array.from({ length: BIG }, (_, i) =>
    report({
      source: i % 3 === 0 ? "rekt" : "defillama",
      sourceKey: `k${i}`,
      // Same length: no name is another with more words (which clustering would join).
      protocol: `Proto${String(i).padStart(5, "0")}`,
      date: new Date(Date.UTC(2016, 0, 1) + (i % 1_500) * 86_400_000).toISOString().slice(0, 10),
      lossUsd: i % 7 === 0 ? null : 1_000 * (1 + (i % 40)),
      chains: [i % 50 === 0 ? "Celo" : (chains[i % 6] as string)],
      classification: i % 4 === 0 ? "Access Control" : "Protocol Logic",
      txHashes: [`0x${i.toString(16).padStart(64, "0")}`],
    }),
  );
  await importRecords(big, records, NOW);
  await big.query("ANALYZE intel_incidents");
}, 120_000);
afterAll(async () => {
  await Promise.all([db?.close(), big?.close()]);
});

const ids = async (filter: IncidentFilter, sort: IncidentSort = "date") =>
  (await listIncidentPage(db, filter, { sort, limit: 100 })).incidents.map((i) => i.id);

/** Every page of a listing, `limit` at a time. */
async function allPages(q: Db, filter: IncidentFilter, sort: IncidentSort, limit: number) {
  const out: string[] = [];
  let after: IncidentPosition | undefined;
  let pages = 0;
  for (;;) {
    const page = await listIncidentPage(q, filter, { sort, limit, after });
    expect(page.incidents.length).toBeLessThanOrEqual(limit);
    out.push(...page.incidents.map((i) => i.id));
    pages++;
    if (!page.next) return { ids: out, pages };
    after = page.next;
  }
}

describe(`incident queries on ${testDbKind}`, () => {
  it("list newest first by default, and filter by chain, protocol or alias, category, amount, date and source", async () => {
    expect(await ids({})).toEqual([
      "exp_20250221_bybit",
      "exp_20231122_kyberswap",
      "exp_20230313_euler",
      "exp_20221011_mango",
      "exp_20220801_nomad",
      "exp_20220323_ronin",
      "exp_20210810_poly",
    ]);
    // Any of the chains, named as sources and users write them.
    expect(await ids({ chains: ["bsc", "ronin"] })).toEqual([
      "exp_20220323_ronin",
      "exp_20210810_poly",
    ]);
    expect(await ids({ chains: ["sol"] })).toEqual(["exp_20221011_mango"]);
    expect(await ids({ chains: ["unknown"] })).toEqual([]);
    // By protocol key (spacing, case, generic words, version tags), or by an alias's key.
    expect(await ids({ protocol: "EulerFinance" })).toEqual(["exp_20230313_euler"]);
    expect(await ids({ protocol: "euler v2" })).toEqual(["exp_20230313_euler"]);
    expect(await ids({ protocol: "Euler protocol-exploit" })).toEqual(["exp_20230313_euler"]);
    expect(await ids({ protocol: "NOMAD BRIDGE" })).toEqual(["exp_20220801_nomad"]);
    expect(await ids({ protocol: "Eul" })).toEqual([]);
    expect(await ids({ protocol: "!!!" })).toEqual([]);
    expect(await ids({ category: "ACCESS CONTROL" })).toEqual([
      "exp_20250221_bybit",
      "exp_20220323_ronin",
      "exp_20210810_poly",
    ]);
    expect(await ids({ minAmount: 540_000_000 })).toEqual([
      "exp_20220323_ronin",
      "exp_20210810_poly",
    ]);
    expect(await ids({ minAmount: 100_000_000, maxAmount: 196_000_000 })).toEqual([
      "exp_20230313_euler",
      "exp_20221011_mango",
      "exp_20220801_nomad",
    ]);
    // since inclusive, until exclusive.
    expect(await ids({ since: "2022-08-01", until: "2023-03-13" })).toEqual([
      "exp_20221011_mango",
      "exp_20220801_nomad",
    ]);
    expect(await ids({ source: "slowmist" })).toEqual([
      "exp_20250221_bybit",
      "exp_20230313_euler",
      "exp_20221011_mango",
    ]);
    expect(
      await ids({ source: "slowmist", chains: ["ethereum"], category: "access control" }),
    ).toEqual(["exp_20250221_bybit"]);
  });

  it("sorts by amount, largest first, incidents without a USD loss last", async () => {
    const page = await listIncidentPage(db, {}, { sort: "amount", limit: 100 });
    expect(page.incidents.map((i) => [i.id, i.lossUsd])).toEqual([
      ["exp_20210810_poly", 611_000_000],
      ["exp_20220323_ronin", 540_000_000],
      ["exp_20230313_euler", 196_000_000],
      ["exp_20220801_nomad", 152_000_000],
      ["exp_20221011_mango", 114_000_000],
      ["exp_20231122_kyberswap", 48_800_000],
      ["exp_20250221_bybit", null],
    ]);
    expect(page.next).toBeNull();
    const two = await listIncidentPage(db, {}, { sort: "amount", limit: 6 });
    expect(two.next).toEqual({ sort: "amount", lossUsd: 48_800_000, id: "exp_20231122_kyberswap" });
    const rest = await listIncidentPage(
      db,
      {},
      { sort: "amount", limit: 6, after: two.next ?? undefined },
    );
    expect(rest.incidents.map((i) => i.id)).toEqual(["exp_20250221_bybit"]);
    expect(rest.next).toBeNull();
    await expect(
      listIncidentPage(db, {}, { sort: "date", limit: 6, after: two.next ?? undefined }),
    ).rejects.toThrow(/amount order/);
  });

  it("returns merged incidents with every field", async () => {
    const [bybit] = (await listIncidentPage(db, { protocol: "bybit" }, { sort: "date", limit: 1 }))
      .incidents;
    expect(bybit).toEqual({
      id: "exp_20250221_bybit",
      protocol: "Bybit",
      aliases: [],
      date: "2025-02-21",
      occurredAt: null,
      chains: ["Ethereum"],
      classification: "Access Control",
      technique: null,
      lossUsd: null,
      original: { amount: 401_347, unit: "ETH" },
      lossUnconverted: true,
      returnedUsd: null,
      txHashes: [BYBIT_TX],
      references: [
        {
          source: "slowmist",
          sourceKey: "2025-02-21-Bybit",
          url: null,
          firstSeenAt: "2025-03-12T00:00:00.000Z",
        },
      ],
    });
    const euler = (await listIncidents(db)).find((i) => i.id === "exp_20230313_euler");
    expect(await getIncident(db, "exp_20230313_euler")).toEqual(euler);
  });

  it("finds an incident by id or by a transaction hash (EVM in any case, Solana exactly)", async () => {
    expect((await getIncident(db, EULER_TX))?.id).toBe("exp_20230313_euler");
    expect((await getIncident(db, `0x${EULER_TX.slice(2).toUpperCase()}`))?.id).toBe(
      "exp_20230313_euler",
    );
    expect((await getIncident(db, RONIN_TX))?.protocol).toBe("Ronin Network");
    expect((await getIncident(db, MANGO_SIG))?.id).toBe("exp_20221011_mango");
    expect(await getIncident(db, MANGO_SIG.toLowerCase())).toBeNull();
    expect(await getIncident(db, `0x${"0".repeat(64)}`)).toBeNull();
    expect(await getIncident(db, "exp_20230313_nothing")).toBeNull();
  });

  it("totals incidents, losses and returns by chain, category and month, over a look-back or all", async () => {
    const all = await incidentStats(db, undefined, NOW);
    expect(all).toMatchObject({
      days: null,
      since: null,
      total: 7,
      // 611 + 540 + 196 + 152 + 114 + 48.8 million; Bybit has no USD figure.
      lossUsd: 1_661_800_000,
      returnedUsd: 850_000_000,
    });
    expect(all.byChain).toEqual({
      Ethereum: { count: 6, lossUsd: 1_547_800_000 },
      Polygon: { count: 2, lossUsd: 659_800_000 },
      BSC: { count: 1, lossUsd: 611_000_000 },
      Ronin: { count: 1, lossUsd: 540_000_000 },
      Moonbeam: { count: 1, lossUsd: 152_000_000 },
      Solana: { count: 1, lossUsd: 114_000_000 },
      Arbitrum: { count: 1, lossUsd: 48_800_000 },
      Base: { count: 1, lossUsd: 48_800_000 },
      Optimism: { count: 1, lossUsd: 48_800_000 },
    });
    expect(Object.keys(all.byChain)).toEqual([
      "Ethereum",
      "Polygon",
      "BSC",
      "Ronin",
      "Moonbeam",
      "Solana",
      "Arbitrum",
      "Base",
      "Optimism",
    ]);
    // Classifications case-insensitively, under the capitalised spelling on a tie.
    expect(all.byCategory).toEqual({
      "Access Control": { count: 3, lossUsd: 1_151_000_000 },
      "Protocol Logic": { count: 3, lossUsd: 396_800_000 },
      "Price Manipulation": { count: 1, lossUsd: 114_000_000 },
    });
    expect(Object.keys(all.byMonth)).toEqual([
      "2021-08",
      "2022-03",
      "2022-08",
      "2022-10",
      "2023-03",
      "2023-11",
      "2025-02",
    ]);
    expect(all.byMonth["2023-03"]).toEqual({ count: 1, lossUsd: 196_000_000 });
    // 730 days before 2025-03-12 is 2023-03-13: Euler's day counts.
    const two = await incidentStats(db, 730, NOW);
    expect(two).toMatchObject({ days: 730, since: "2023-03-13", total: 3, lossUsd: 244_800_000 });
    const month = await incidentStats(db, 30, NOW);
    expect(month).toMatchObject({
      total: 1,
      lossUsd: 0,
      byChain: { Ethereum: { count: 1, lossUsd: 0 } },
    });
    const none = await incidentStats(db, 1, Date.UTC(2030, 0, 1));
    expect(none).toEqual({
      days: 1,
      since: "2029-12-31",
      total: 0,
      lossUsd: 0,
      returnedUsd: 0,
      byChain: {},
      byCategory: {},
      byMonth: {},
    });
  });

  it(`pages ${BIG} incidents in both sorts with no gaps or duplicates, filtered or not`, async () => {
    const cases: [IncidentFilter, IncidentSort, number][] = [
      [{}, "date", 97],
      [{}, "amount", 97],
      [{ chains: ["Solana", "Celo"] }, "date", 50],
      [{ chains: ["ethereum"], minAmount: 20_000 }, "amount", 33],
      [{ category: "access control", since: "2017-01-01", until: "2019-01-01" }, "amount", 7],
      [{ source: "rekt" }, "amount", 200],
    ];
    for (const [filter, sort, limit] of cases) {
      const whole = (await listIncidentPage(big, filter, { sort, limit: BIG + 1 })).incidents;
      const paged = await allPages(big, filter, sort, limit);
      // More than one page, so paging and the order check below have something to check.
      expect(whole.length, JSON.stringify(filter)).toBeGreaterThan(limit);
      expect(paged.ids, JSON.stringify(filter)).toEqual(whole.map((i) => i.id));
      expect(new Set(paged.ids).size).toBe(paged.ids.length);
      expect(paged.pages).toBe(Math.max(1, Math.ceil(whole.length / limit)));
      // The order is the documented one.
      for (let k = 1; k < whole.length; k++) {
        const a = whole[k - 1];
        const b = whole[k];
        if (!a || !b) continue;
        if (sort === "date") expect(a.date >= b.date).toBe(true);
        else
          expect(b.lossUsd === null || (a.lossUsd !== null && a.lossUsd >= b.lossUsd)).toBe(true);
      }
      const [count] = await big.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM (${pageStatements(filter, sort)[0]?.sql}) AS page`,
        pageStatements(filter, sort)[0]?.params,
      );
      expect(paged.ids.length).toBe(count?.n);
    }
    // Nulls included: the unfiltered amount sort ends with the incidents without a USD loss.
    const amount = (await listIncidentPage(big, {}, { sort: "amount", limit: BIG + 1 })).incidents;
    expect(amount.filter((i) => i.lossUsd === null)).toHaveLength(Math.ceil(BIG / 7));
    expect(amount.at(-1)?.lossUsd).toBeNull();
  });

  it("walks the date and loss indexes, and finds transactions through the GIN index", async () => {
    const plan = async (sql: string, params: readonly unknown[]) =>
      (await big.query<{ "QUERY PLAN": string }>(`EXPLAIN ${sql}`, params))
        .map((r) => r["QUERY PLAN"])
        .join("\n");
    const pagePlan = async (
      filter: IncidentFilter,
      sort: IncidentSort,
      after?: IncidentPosition,
      which = 0,
    ) => {
      const s = pageStatements(filter, sort, after)[which];
      if (!s) throw new Error("no such statement");
      return plan(`${s.sql} LIMIT 51`, s.params);
    };
    const cases: [Promise<string>, RegExp][] = [
      [pagePlan({}, "date"), /Index (Only )?Scan using intel_incidents_by_date/],
      [
        pagePlan({}, "date", { sort: "date", date: "2018-01-01", id: "exp_20180101_proto00001" }),
        /Index (Only )?Scan using intel_incidents_by_date[\s\S]*Index Cond: \(ROW\(date, id\) </,
      ],
      [pagePlan({}, "amount"), /Index Scan using intel_incidents_by_loss/],
      [
        pagePlan({}, "amount", { sort: "amount", lossUsd: 20_000, id: "exp_20180101_proto00001" }),
        /Index Scan using intel_incidents_by_loss[\s\S]*Index Cond: \(ROW\(loss_usd, id\) </,
      ],
      [
        pagePlan(
          {},
          "amount",
          { sort: "amount", lossUsd: 20_000, id: "exp_20180101_proto00001" },
          1,
        ),
        /Index Scan using intel_incidents_by_loss[\s\S]*Index Cond: \(loss_usd IS NULL\)/,
      ],
      [
        pagePlan({}, "amount", { sort: "amount", lossUsd: null, id: "exp_20180101_proto00001" }),
        /Index Scan using intel_incidents_by_loss[\s\S]*Index Cond: \(\(loss_usd IS NULL\) AND/,
      ],
      [
        pagePlan({ since: "2019-06-01" }, "date"),
        /intel_incidents_by_date[\s\S]*Index Cond: \(date >=/,
      ],
      [
        pagePlan({ minAmount: 35_000 }, "amount"),
        /intel_incidents_by_loss[\s\S]*Index Cond: \(loss_usd >=/,
      ],
      // A protocol: its key's index or an alias key's, never a scan over every alias.
      [
        pagePlan({ protocol: "Euler Finance" }, "date"),
        /intel_incidents_by_protocol_key[\s\S]*intel_incidents_by_alias_key|intel_incidents_by_alias_key[\s\S]*intel_incidents_by_protocol_key/,
      ],
      // A common chain: walk the date index and filter; a rare one: the chains GIN index.
      [pagePlan({ chains: ["Ethereum"] }, "date"), /intel_incidents_by_(date|chain)/],
      [pagePlan({ chains: ["Celo"] }, "date"), /Bitmap Index Scan on intel_incidents_by_chain/],
      [
        plan("SELECT id FROM intel_incidents WHERE tx_hashes @> ARRAY[$1::text]", [
          `0x${"7".padStart(64, "0")}`,
        ]),
        /Bitmap Index Scan on intel_incidents_by_tx/,
      ],
    ];
    for (const [p, expected] of cases) {
      const text = await p;
      expect(text, text).toMatch(expected);
      expect(text, text).not.toContain("Seq Scan");
    }
  });
});

describe(`protocol keys in SQL on ${testDbKind}`, () => {
  it("are the keys intel computes, name for name (and for every DeFiHackLabs protocol)", async () => {
    const defiHackLabs = (
      JSON.parse(
        readFileSync(new URL("../../fixtures/incidents.json", import.meta.url), "utf8"),
      ) as { name: string }[]
    ).map((i) => i.name);
    expect(defiHackLabs.length).toBeGreaterThan(900);
    const names = [
      ...defiHackLabs,
      "Euler",
      "Euler Finance",
      "EulerFinance",
      "Euler V2",
      "Euler Protocol Exploit",
      "Eul",
      "Nomad Bridge",
      "Nomad",
      "Bridge",
      "Bridge Finance",
      "Finance",
      "DAO",
      "DAO v2",
      "Ronin Network",
      "Ronin Bridge v3",
      "Money Markets",
      "v2",
      "Ünion Finance",
      "Union",
      "LpdFi (LOOPSDAO)",
      "LpdFi",
      "Ｅｕｌｅｒ",
    ];
    const rows = await db.query<{ key: string }>(
      "SELECT protocol_key(n) AS key FROM unnest($1::text[]) WITH ORDINALITY AS t (n, k) ORDER BY k",
      [names],
    );
    expect(rows.map((r) => r.key)).toEqual(names.map(protocolKey));
  });
});
