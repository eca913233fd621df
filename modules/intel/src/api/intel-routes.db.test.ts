import { apiHarness, type Harness, NOW } from "@kamiyo/api/testing";
import { testDbKind } from "@kamiyo/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type IncidentFilter,
  type IncidentPosition,
  type IncidentSort,
  importRecords,
  listIncidentPage,
  listIncidentPageJson,
  type SourceRecord,
} from "../index.ts";
import { intelApi } from "./index.ts";
import { toIncidentJson } from "./intel-service.ts";

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const EULER_TX = "0xc310a0affe2169d1f6feec1c63dbc7f7c62a887fa48795d327d4d2da2d6b111d";
const RONIN_TX = "0xc28fad5e8d5e0ce6a2eaf67b6687be5d58113e16be590824d6cfa1c94467d0b7";
const POLY_TX = "0xb1f70464bd95b774c6ce60fc706eb5f9e35cb5f06e6cfe7c17dcda46ffd59581";
const BYBIT_TX = "0x46deef0f52e3a983b67abf4714448a41dd7ffd6d32d32da69d62081c68ad7882";

function rec(
  over: Partial<SourceRecord> &
    Pick<SourceRecord, "source" | "sourceKey" | "protocol" | "date" | "url">,
): SourceRecord {
  return {
    occurredAt: null,
    chains: [],
    classification: null,
    technique: null,
    lossUsd: null,
    original: null,
    returnedUsd: null,
    txHashes: [],
    ...over,
  };
}

/**
 * DeFiLlama: every incident, nearly complete (33 of 36 fields: Nomad and KyberSwap lack
 * transactions, Poly Network a technique).
 */
const llama: SourceRecord[] = [
  rec({
    source: "defillama",
    sourceKey: "ronin-2022-03-23",
    protocol: "Ronin Network",
    date: "2022-03-23",
    lossUsd: 624_000_000,
    chains: ["Ronin", "Ethereum"],
    classification: "Access Control",
    technique: "Private Key Compromised",
    txHashes: [RONIN_TX],
    url: "https://roninblockchain.substack.com/p/community-alert-ronin-validators",
  }),
  rec({
    source: "defillama",
    sourceKey: "euler-2023-03-13",
    protocol: "Euler Finance",
    date: "2023-03-13",
    lossUsd: 197_000_000,
    returnedUsd: 240_000_000,
    chains: ["Ethereum"],
    classification: "Protocol Logic",
    technique: "Donation Attack",
    txHashes: [EULER_TX],
    url: "https://twitter.com/eulerfinance/status/1635218198042918912",
  }),
  rec({
    source: "defillama",
    sourceKey: "nomad-2022-08-01",
    protocol: "Nomad",
    date: "2022-08-01",
    lossUsd: 190_000_000,
    chains: ["Ethereum", "Moonbeam"],
    classification: "Protocol Logic",
    technique: "Faulty Initialization",
    url: "https://medium.com/nomad-xyz-blog/nomad-bridge-hack-root-cause-analysis-875ad2e5aacd",
  }),
  rec({
    source: "defillama",
    sourceKey: "poly-2021-08-10",
    protocol: "Poly Network",
    date: "2021-08-10",
    lossUsd: 611_000_000,
    returnedUsd: 610_000_000,
    chains: ["Ethereum", "BSC", "Polygon"],
    classification: "Access Control",
    txHashes: [POLY_TX],
    url: "https://twitter.com/PolyNetwork2/status/1425073987164381196",
  }),
  rec({
    source: "defillama",
    sourceKey: "kyberswap-2023-11-22",
    protocol: "KyberSwap",
    date: "2023-11-22",
    lossUsd: 48_800_000,
    chains: ["Arbitrum", "Optimism", "Ethereum", "Polygon", "Base"],
    classification: "Protocol Logic",
    technique: "Precision Loss",
    url: "https://blog.kyberswap.com/post-mortem-kyberswap-elastic-exploit/",
  }),
  rec({
    source: "defillama",
    sourceKey: "bybit-2025-02-21",
    protocol: "Bybit",
    date: "2025-02-21",
    lossUsd: 1_460_000_000,
    chains: ["Ethereum"],
    classification: "Access Control",
    technique: "Compromised Signing Interface",
    txHashes: [BYBIT_TX],
    url: "https://announcements.bybit.com/article/incident-update",
  }),
];

/** rekt: loss, technique and article only (Euler also names its chain): 13 of 24 fields. */
const rekt = (protocol: string, date: string, lossUsd: number, technique: string, slug: string) =>
  rec({
    source: "rekt",
    sourceKey: slug,
    protocol,
    date,
    lossUsd,
    technique,
    url: `https://rekt.news/${slug}/`,
  });
const rektEuler = {
  ...rekt("Euler Finance", "2023-03-13", 197_000_000, "Donation Attack", "euler-rekt"),
  chains: ["Ethereum"],
};
const rektLater = [
  rekt("Ronin", "2022-03-23", 540_000_000, "Compromised Validator Keys", "ronin-rekt"),
  rekt("Nomad Bridge", "2022-08-02", 152_000_000, "Faulty Initialization", "nomad-rekt"),
  rekt("Bybit", "2025-02-21", 1_500_000_000, "Compromised Signing Interface", "bybit-rekt"),
];

/** SlowMist: loss, chains, technique, link; no classification (13 of 18 fields). */
const slow = (over: Partial<SourceRecord> & Pick<SourceRecord, "protocol" | "date">) =>
  rec({
    source: "slowmist",
    sourceKey: `${over.date}-${over.protocol}`,
    url: "https://hacked.slowmist.io/",
    ...over,
  });
const slowKyber = slow({
  protocol: "KyberSwap",
  date: "2023-11-22",
  lossUsd: 46_000_000,
  chains: ["Arbitrum", "Optimism", "Ethereum", "Polygon", "Base"],
  technique: "Precision Loss",
});
const slowLater = [
  slow({
    protocol: "Poly Network",
    date: "2021-08-10",
    lossUsd: 610_000_000,
    chains: ["Ethereum", "BSC", "Polygon"],
    technique: "Contract Vulnerability",
  }),
  // In ETH only.
  slow({
    protocol: "Bybit",
    date: "2025-02-21",
    original: { amount: 401_347, unit: "ETH" },
    chains: ["Ethereum"],
    technique: "Compromised Signing Interface",
    txHashes: [BYBIT_TX],
  }),
];

let h: Harness;
beforeAll(async () => {
  h = await apiHarness({ modules: [intelApi] });
  // First seen: SlowMist's KyberSwap 20 days ago; DeFiLlama's six and rekt's Euler 10 days ago;
  // the rest 5 days ago.
  await importRecords(h.db, [slowKyber], NOW - 20 * DAY);
  await importRecords(h.db, [...llama, rektEuler], NOW - 10 * DAY);
  await importRecords(h.db, [...rektLater, ...slowLater], NOW - 5 * DAY);
  await h.db.query(
    `INSERT INTO intel_sources (source, last_attempt_at, last_success_at, attempts, failures)
     VALUES ('defillama', $1, $1, 10, 1), ('slowmist', $2, $2, 4, 2),
            ('defi-hack-chronicle', $1, NULL, 3, 3)`,
    [new Date(NOW - 2 * HOUR), new Date(NOW - 30 * HOUR)],
  );
});
afterAll(async () => {
  await h.close();
});

const get = (url: string, route: string, status = 200) => h.get(url, route, status);

const ids = async (query: string) =>
  (await get(`/exploits${query}`, "/exploits")).data.map((i: { id: string }) => i.id);

const BY_DATE = [
  "exp_20250221_bybit",
  "exp_20231122_kyberswap",
  "exp_20230313_euler",
  "exp_20220801_nomad",
  "exp_20220323_ronin",
  "exp_20210810_poly",
];

describe(`intel routes on ${testDbKind}`, () => {
  it("GET /exploits lists merged incidents newest first, each with its sources and references", async () => {
    const body = await get("/exploits", "/exploits");
    expect(body.data.map((i: { id: string }) => i.id)).toEqual(BY_DATE);
    expect(body.nextCursor).toBeNull();
    expect(body.data[0]).toEqual({
      id: "exp_20250221_bybit",
      protocol: "Bybit",
      aliases: [],
      date: "2025-02-21",
      occurredAt: null,
      chains: ["Ethereum"],
      classification: "Access Control",
      technique: "Compromised Signing Interface",
      // The lower of DeFiLlama's 1.46 and rekt's 1.5 billion; SlowMist gives ETH only.
      lossUsd: 1_460_000_000,
      original: { amount: 401_347, unit: "ETH" },
      lossUnconverted: false,
      returnedUsd: null,
      txHashes: [BYBIT_TX],
      sources: ["defillama", "rekt", "slowmist"],
      // Each report keeps when it was first read (the imports here ran on 2 and 7 March 2025).
      references: [
        {
          source: "defillama",
          sourceKey: "bybit-2025-02-21",
          url: "https://announcements.bybit.com/article/incident-update",
          firstSeenAt: "2025-03-02T09:00:00.000Z",
        },
        {
          source: "rekt",
          sourceKey: "bybit-rekt",
          url: "https://rekt.news/bybit-rekt/",
          firstSeenAt: "2025-03-07T09:00:00.000Z",
        },
        {
          source: "slowmist",
          sourceKey: "2025-02-21-Bybit",
          url: "https://hacked.slowmist.io/",
          firstSeenAt: "2025-03-07T09:00:00.000Z",
        },
      ],
    });
    const nomad = body.data.find((i: { id: string }) => i.id === "exp_20220801_nomad");
    expect(nomad).toMatchObject({
      protocol: "Nomad",
      aliases: ["Nomad Bridge"],
      date: "2022-08-01",
      lossUsd: 152_000_000,
    });
  });

  it("GET /exploits filters by chain, protocol, category, amount, dates and source", async () => {
    expect(await ids("?chain=polygon")).toEqual(["exp_20231122_kyberswap", "exp_20210810_poly"]);
    expect(await ids("?chain=BSC,ronin")).toEqual(["exp_20220323_ronin", "exp_20210810_poly"]);
    expect(await ids("?chain=56")).toEqual(["exp_20210810_poly"]);
    expect(await ids("?chain=eth")).toEqual(BY_DATE);
    expect(await ids("?chain=hyperliquid")).toEqual([]);
    expect(await ids("?protocol=nomad%20bridge")).toEqual(["exp_20220801_nomad"]);
    expect(await ids("?protocol=EulerFinance")).toEqual(["exp_20230313_euler"]);
    expect(await ids("?protocol=Ronin")).toEqual(["exp_20220323_ronin"]);
    expect(await ids("?category=access%20control")).toEqual([
      "exp_20250221_bybit",
      "exp_20220323_ronin",
      "exp_20210810_poly",
    ]);
    expect(await ids("?min_amount=540000000")).toEqual([
      "exp_20250221_bybit",
      "exp_20220323_ronin",
      "exp_20210810_poly",
    ]);
    expect(await ids("?min_amount=100000000&max_amount=200000000")).toEqual([
      "exp_20230313_euler",
      "exp_20220801_nomad",
    ]);
    expect(await ids("?since=2023-01-01")).toEqual(BY_DATE.slice(0, 3));
    // An incident counts at 00:00 UTC of its day: since inclusive, until exclusive.
    expect(await ids("?until=2022-08-01")).toEqual(["exp_20220323_ronin", "exp_20210810_poly"]);
    expect(await ids(`?since=${Date.UTC(2022, 7, 1)}&until=2022-08-02T00:00:00Z`)).toEqual([
      "exp_20220801_nomad",
    ]);
    expect(await ids("?since=2023-03-13T12:00:00Z")).toEqual(BY_DATE.slice(0, 2));
    expect(await ids("?source=rekt")).toEqual([
      "exp_20250221_bybit",
      "exp_20230313_euler",
      "exp_20220801_nomad",
      "exp_20220323_ronin",
    ]);
    expect(await ids("?source=slowmist&chain=bsc&category=Access%20Control")).toEqual([
      "exp_20210810_poly",
    ]);
    expect(await ids("?source=kamiyo")).toEqual([]);
  });

  it("GET /exploits sorts by amount and pages either sort with cursors, no gaps or duplicates", async () => {
    const byAmount = await get("/exploits?sort=amount", "/exploits");
    expect(byAmount.data.map((i: { lossUsd: number }) => i.lossUsd)).toEqual([
      1_460_000_000, 610_000_000, 540_000_000, 197_000_000, 152_000_000, 46_000_000,
    ]);
    for (const sort of ["date", "amount"]) {
      const seen: string[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const page = await get(
          `/exploits?sort=${sort}&limit=4${cursor ? `&cursor=${cursor}` : ""}`,
          "/exploits",
        );
        seen.push(...page.data.map((i: { id: string }) => i.id));
        cursor = page.nextCursor;
        pages++;
      } while (cursor);
      expect(pages).toBe(2);
      expect(seen).toEqual(
        sort === "date" ? BY_DATE : byAmount.data.map((i: { id: string }) => i.id),
      );
    }
    const first = await get("/exploits?limit=2", "/exploits");
    const wrong = await get(`/exploits?sort=amount&cursor=${first.nextCursor}`, "/exploits", 400);
    expect(wrong.error.message).toBe(
      'query parameter "cursor": a cursor of sort=date cannot page sort=amount',
    );
  });

  it("GET /figures counts open findings, exploits tracked and sources, with no key", async () => {
    const count = async (sql: string) => (await h.db.query<{ n: number }>(sql))[0]?.n;
    const body = await get("/figures", "/figures");
    expect(body.figures).toEqual([
      {
        key: "openFindings",
        label: "open findings",
        value: await count("SELECT count(*)::int AS n FROM findings WHERE status = 'open'"),
      },
      {
        key: "exploitsTracked",
        label: "exploits tracked",
        value: await count("SELECT count(*)::int AS n FROM intel_incidents"),
      },
      {
        key: "sources",
        label: "sources",
        value: await count("SELECT count(DISTINCT source)::int AS n FROM intel_reports"),
      },
    ]);
    expect(body.figures.every((f: { value: number }) => f.value > 0)).toBe(true);
  });

  it("GET /exploits refuses bad parameters with a 400 naming them", async () => {
    for (const [q, param] of [
      ["limit=0", "limit"],
      ["limit=201", "limit"],
      ["limit=abc", "limit"],
      ["min_amount=-1", "min_amount"],
      ["max_amount=abc", "max_amount"],
      ["min_amount=5&max_amount=1", "min_amount"],
      ["since=yesterday", "since"],
      ["until=2000", "until"],
      ["since=2024-01-01&until=2023-01-01", "since"],
      ["sort=loss", "sort"],
      ["source=twitter", "source"],
      ["chain=", "chain"],
      ["chain=eth,%00", "chain"],
      ["protocol=%01", "protocol"],
      ["category=", "category"],
      ["cursor=notacursor", "cursor"],
      [`cursor=${Buffer.from("d~2023-13-45~exp_x").toString("base64url")}`, "cursor"],
    ] as const) {
      const body = await get(`/exploits?${q}`, "/exploits", 400);
      expect(body.error.code).toBe("invalid_input");
      expect(body.error.message, q).toContain(`query parameter "${param}"`);
    }
  });

  it("GET /exploits/{id} finds an incident by id or transaction; 404 for none, 400 for neither", async () => {
    const euler = await get("/exploits/exp_20230313_euler", "/exploits/{id}");
    expect(euler).toMatchObject({ protocol: "Euler Finance", returnedUsd: 240_000_000 });
    expect(euler.sources).toEqual(["defillama", "rekt"]);
    const byTx = await get(`/exploits/0x${EULER_TX.slice(2).toUpperCase()}`, "/exploits/{id}");
    expect(byTx).toEqual(euler);
    expect((await get(`/exploits/${RONIN_TX}`, "/exploits/{id}")).id).toBe("exp_20220323_ronin");
    const missing = await get("/exploits/exp_20230313_nothing", "/exploits/{id}", 404);
    expect(missing.error).toMatchObject({
      code: "not_found",
      message: "no incident with id exp_20230313_nothing",
    });
    const tx = `0x${"ab".repeat(32)}`;
    expect((await get(`/exploits/${tx}`, "/exploits/{id}", 404)).error.message).toBe(
      `no incident with transaction ${tx}`,
    );
    // A Solana signature (base58, 88 characters) no incident has.
    const signature =
      "MASi45ub7Qe4ZE36UT5G6cU4ud8Fhhe4deS4F3cw9KTAb8dLcukC7edhDQ7cn5d4gEYkbUrMWeWQLGsCmrG6dLaY";
    await get(`/exploits/${signature}`, "/exploits/{id}", 404);
    for (const bad of ["drop%20table", "0x1234", "EXP_20230313_EULER"]) {
      const body = await get(`/exploits/${bad}`, "/exploits/{id}", 400);
      expect(body.error.message).toContain('path parameter "id"');
    }
  });

  it("GET /stats adds the incidents over exploit_days, or all of them", async () => {
    const all = await get("/stats", "/stats");
    expect(all.days).toBe(30);
    expect(all.exploits).toEqual({
      days: null,
      since: null,
      total: 6,
      lossUsd: 3_005_000_000,
      returnedUsd: 850_000_000,
      byChain: {
        Ethereum: { count: 6, lossUsd: 3_005_000_000 },
        Polygon: { count: 2, lossUsd: 656_000_000 },
        BSC: { count: 1, lossUsd: 610_000_000 },
        Ronin: { count: 1, lossUsd: 540_000_000 },
        Moonbeam: { count: 1, lossUsd: 152_000_000 },
        Arbitrum: { count: 1, lossUsd: 46_000_000 },
        Base: { count: 1, lossUsd: 46_000_000 },
        Optimism: { count: 1, lossUsd: 46_000_000 },
      },
      byCategory: {
        "Access Control": { count: 3, lossUsd: 2_610_000_000 },
        "Protocol Logic": { count: 3, lossUsd: 395_000_000 },
      },
      byMonth: {
        "2021-08": { count: 1, lossUsd: 610_000_000 },
        "2022-03": { count: 1, lossUsd: 540_000_000 },
        "2022-08": { count: 1, lossUsd: 152_000_000 },
        "2023-03": { count: 1, lossUsd: 197_000_000 },
        "2023-11": { count: 1, lossUsd: 46_000_000 },
        "2025-02": { count: 1, lossUsd: 1_460_000_000 },
      },
    });
    expect(Object.keys(all.exploits.byChain)[0]).toBe("Ethereum");
    const recent = await get("/stats?days=7&exploit_days=30", "/stats");
    expect(recent.findings.total).toBe(122);
    expect(recent.exploits).toMatchObject({
      days: 30,
      since: "2025-02-10",
      total: 1,
      lossUsd: 1_460_000_000,
      byMonth: { "2025-02": { count: 1, lossUsd: 1_460_000_000 } },
    });
    for (const q of ["exploit_days=0", "exploit_days=3651", "exploit_days=1.5"])
      expect((await get(`/stats?${q}`, "/stats", 400)).error.message).toContain(
        'query parameter "exploit_days"',
      );
  });

  it("GET /chains keeps the monitored chain first and adds every chain incidents happened on", async () => {
    const chains = await get("/chains", "/chains");
    expect(chains[0]).toEqual({
      chain: "hyperliquid",
      name: "Hyperliquid",
      monitored: true,
      findings30d: 122,
      openFindings: expect.any(Number),
      exploits: { incidents: 0, lossUsd: 0 },
    });
    expect(chains.slice(1, 4)).toEqual([
      {
        chain: "ethereum",
        name: "Ethereum",
        monitored: false,
        findings30d: 0,
        openFindings: 0,
        exploits: { incidents: 6, lossUsd: 3_005_000_000 },
      },
      {
        chain: "polygon",
        name: "Polygon",
        monitored: false,
        findings30d: 0,
        openFindings: 0,
        exploits: { incidents: 2, lossUsd: 656_000_000 },
      },
      {
        chain: "bsc",
        name: "BSC",
        monitored: false,
        findings30d: 0,
        openFindings: 0,
        exploits: { incidents: 1, lossUsd: 610_000_000 },
      },
    ]);
    expect(chains).toHaveLength(9);
  });

  it("GET /sources/rankings scores each source by the documented definitions", async () => {
    const body = await get("/sources/rankings", "/sources/rankings");
    expect(body.computedAt).toBe(new Date(NOW).toISOString());
    expect(body.totalIncidents).toBe(6);
    expect(body.sources).toEqual([
      {
        source: "defillama",
        // (5/6 + 33/36 + 4/6 + 6/6) / 4
        score: 0.8542,
        // First on all but KyberSwap, which SlowMist reported 10 days earlier.
        timeliness: 0.8333,
        completeness: 0.9167,
        // Ronin (624 vs merged 540 million) and Nomad (190 vs 152) are off by more than 10%.
        agreement: 0.6667,
        coverage: 1,
        freshness: new Date(NOW - 2 * HOUR).toISOString(),
        ageHours: 2,
        errorRate: 0.1,
        reports: 6,
        incidents: 6,
      },
      {
        source: "slowmist",
        // (1/3 + 13/18 + 2/2 + 3/6) / 4
        score: 0.6389,
        timeliness: 0.3333,
        completeness: 0.7222,
        // Bybit in ETH only does not count.
        agreement: 1,
        coverage: 0.5,
        freshness: new Date(NOW - 30 * HOUR).toISOString(),
        ageHours: 30,
        errorRate: 0.5,
        reports: 3,
        incidents: 3,
      },
      {
        source: "rekt",
        // (1/4 + 13/24 + 4/4 + 4/6) / 4
        score: 0.6146,
        // Only Euler, seen in the same import as DeFiLlama's (a tie counts).
        timeliness: 0.25,
        completeness: 0.5417,
        agreement: 1,
        coverage: 0.6667,
        // Never synced: the last time one of its reports was seen.
        freshness: new Date(NOW - 5 * DAY).toISOString(),
        ageHours: 120,
        errorRate: null,
        reports: 4,
        incidents: 4,
      },
      {
        source: "defi-hack-chronicle",
        // Synced, always failing, no reports: only coverage (0) to score.
        score: 0,
        timeliness: null,
        completeness: null,
        agreement: null,
        coverage: 0,
        freshness: null,
        ageHours: null,
        errorRate: 1,
        reports: 0,
        incidents: 0,
      },
    ]);
  });

  it.each<[IncidentSort, IncidentFilter, number]>([
    ["date", {}, 2],
    ["amount", {}, 2],
    ["amount", {}, 5],
    ["date", { chains: ["ethereum"] }, 1],
    ["amount", { source: "rekt" }, 1],
  ])(
    "%s pages of %j by %i, serialised by the database, equal the decoded rows re-encoded",
    async (sort, filter, limit) => {
      let after: IncidentPosition | undefined;
      let items = 0;
      do {
        const json = await listIncidentPageJson(h.db, filter, { sort, limit, after });
        const decoded = await listIncidentPage(h.db, filter, { sort, limit, after });
        expect(JSON.parse(`[${json.items}]`)).toEqual(decoded.incidents.map(toIncidentJson));
        expect(json.next).toEqual(decoded.next);
        items += decoded.incidents.length;
        after = json.next ?? undefined;
      } while (after);
      expect(items).toBeGreaterThan(limit);
    },
  );
});
