import { describe, expect, it } from "vitest";
import { report } from "../testing/report.ts";
import type { SourceRecord } from "../types.ts";
import { cluster, reportKey, toIncidents } from "./cluster.ts";
import { mergeRecords } from "./merge.ts";
import { protocolKey } from "./protocol-key.ts";

const EULER_TX = "0xc310a0affe2169d1f6feec1c63dbc7f7c62a887fa48795d327d4d2da2d6b111d";

describe("protocol keys", () => {
  it("ignore spacing, case, generic words and version tags", () => {
    expect(protocolKey("Euler Finance")).toBe("euler");
    expect(protocolKey("EulerFinance")).toBe("euler");
    expect(protocolKey("Nomad Bridge")).toBe("nomad");
    expect(protocolKey("Ronin Network")).toBe("ronin");
    expect(protocolKey("Poly Network")).toBe("poly");
    expect(protocolKey("KyberSwap")).toBe("kyberswap");
    expect(protocolKey("Radiant Capital")).toBe("radiant");
    expect(protocolKey("Compound V2")).toBe("compound");
    // A name that is only a generic word keeps it.
    expect(protocolKey("Bridge")).toBe("bridge");
  });
});

describe("de-duplication", () => {
  it("merges one incident reported under two spellings and by two sources into one record", () => {
    const records = [
      report({
        source: "defihacklabs-explorer",
        protocol: "EulerFinance",
        date: "2023-03-13",
        lossUsd: 197_000_000,
      }),
      report({
        source: "defihacklabs-explorer",
        protocol: "Euler Finance",
        date: "2023-03-13",
        lossUsd: 196_000_000,
      }),
      report({
        source: "defillama",
        protocol: "Euler Finance",
        date: "2023-03-13",
        lossUsd: 197_000_000,
        returnedUsd: 240_000_000,
        classification: "Protocol Logic",
        chains: ["Ethereum"],
        txHashes: [EULER_TX],
      }),
      report({
        source: "rekt",
        protocol: "Euler Finance",
        date: "2023-03-14",
        lossUsd: 197_000_000,
        sourceKey: "euler-rekt",
      }),
    ];
    const [incident, ...rest] = toIncidents(cluster(records));
    expect(rest).toEqual([]);
    expect(incident).toMatchObject({
      id: "exp_20230313_euler",
      protocol: "Euler Finance",
      aliases: ["EulerFinance"],
      date: "2023-03-13",
      lossUsd: 197_000_000,
      returnedUsd: 240_000_000,
      classification: "Protocol Logic",
      chains: ["Ethereum"],
      txHashes: [EULER_TX],
    });
    expect(incident?.references.map((r) => r.source)).toEqual([
      "defillama",
      "rekt",
      "defihacklabs-explorer",
      "defihacklabs-explorer",
    ]);
  });

  it("keeps incidents of one protocol apart when their dates or losses differ", () => {
    const records = [
      report({
        source: "defihacklabs-explorer",
        protocol: "Ronin Network",
        date: "2022-03-29",
        lossUsd: 624_000_000,
      }),
      report({
        source: "defihacklabs-explorer",
        protocol: "Ronin Bridge",
        date: "2024-08-06",
        lossUsd: 12_000_000,
      }),
      report({
        source: "rekt",
        protocol: "Radiant Capital",
        date: "2024-01-02",
        lossUsd: 4_500_000,
      }),
      report({
        source: "rekt",
        protocol: "Radiant Capital",
        date: "2024-10-16",
        lossUsd: 53_000_000,
      }),
      // Same protocol and day, losses far apart: two incidents.
      report({ source: "slowmist", protocol: "Foo", date: "2024-05-01", lossUsd: 10_000 }),
      report({ source: "defillama", protocol: "Foo", date: "2024-05-01", lossUsd: 9_000_000 }),
    ];
    expect(toIncidents(cluster(records)).map((i) => i.id)).toEqual([
      "exp_20241016_radiant",
      "exp_20240806_ronin",
      "exp_20240501_foo",
      "exp_20240501_foo_2",
      "exp_20240102_radiant",
      "exp_20220329_ronin",
    ]);
  });

  it("joins reports that share a transaction hash whatever they call the protocol", () => {
    const records = [
      report({
        source: "defihacklabs",
        protocol: "Euler",
        date: "2023-03-13",
        txHashes: [EULER_TX],
      }),
      report({
        source: "slowmist",
        protocol: "Euler Protocol Exploit",
        date: "2023-03-15",
        txHashes: [EULER_TX],
      }),
    ];
    expect(cluster(records)).toHaveLength(1);
  });

  it("takes the median USD loss, flags a token-only loss, and never converts it", () => {
    const m = mergeRecords([
      report({ source: "defillama", protocol: "X", date: "2024-01-01", lossUsd: 1_000_000 }),
      report({ source: "rekt", protocol: "X", date: "2024-01-01", lossUsd: 1_100_000 }),
      report({ source: "slowmist", protocol: "X", date: "2024-01-01", lossUsd: 5_000_000 }),
    ]);
    expect(m.lossUsd).toBe(1_100_000);
    const tokens = mergeRecords([
      report({
        source: "defihacklabs-explorer",
        protocol: "Y",
        date: "2024-01-01",
        original: { amount: 112, unit: "ETH" },
      }),
    ]);
    expect(tokens).toMatchObject({
      lossUsd: null,
      original: { amount: 112, unit: "ETH" },
      lossUnconverted: true,
    });
  });

  it("obeys an operator's merge and split, which survive a re-sync with new reports", () => {
    const a = report({
      source: "defillama",
      protocol: "Alpha Homora",
      date: "2021-02-13",
      lossUsd: 37_500_000,
    });
    const b = report({
      source: "rekt",
      protocol: "Cream Finance",
      date: "2021-02-13",
      lossUsd: 37_500_000,
    });
    const c = report({
      source: "slowmist",
      protocol: "Alpha Homora",
      date: "2021-02-14",
      lossUsd: 37_000_000,
    });
    expect(cluster([a, b, c])).toHaveLength(2);
    const merged = cluster([a, b, c], [{ kind: "merge", a: reportKey(a), b: reportKey(b) }]);
    expect(merged).toHaveLength(1);
    const split = cluster([a, c], [{ kind: "split", a: reportKey(a), b: reportKey(c) }]);
    expect(split).toHaveLength(2);
  });

  it("keeps an incident's id when a new source reports it, and gives the bigger part the id when split", () => {
    const a = report({
      source: "defihacklabs-explorer",
      protocol: "Nomad Bridge",
      date: "2022-08-02",
      lossUsd: 152_000_000,
    });
    const first = toIncidents(cluster([a]));
    expect(first[0]?.id).toBe("exp_20220802_nomad");
    const previous = new Map(
      first.flatMap((i) => i.references.map((r) => [`${r.source}:${r.sourceKey}`, i.id] as const)),
    );
    // DefiLlama dates it a day earlier: the merged date moves, the id stays.
    const b = report({
      source: "defillama",
      protocol: "Nomad",
      date: "2022-08-01",
      lossUsd: 190_000_000,
    });
    const again = toIncidents(cluster([a, b]), previous);
    expect(again).toHaveLength(1);
    expect(again[0]).toMatchObject({ id: "exp_20220802_nomad", date: "2022-08-01" });
  });

  it("clusters 10,000 reports quickly enough to re-run on every sync", () => {
    const records: SourceRecord[] = [];
    for (let i = 0; i < 5_000; i++) {
      const date = new Date(Date.UTC(2018, 0, 1) + i * 86_400_000 * 0.7).toISOString().slice(0, 10);
      const base = { protocol: `Protocol ${i % 900} Finance`, date, lossUsd: 1_000 + i * 97 };
      records.push(report({ source: "defillama", ...base }));
      records.push(
        report({
          source: "rekt",
          ...base,
          protocol: `Protocol${i % 900}`,
          lossUsd: base.lossUsd * 1.05,
        }),
      );
    }
    const incidents = toIncidents(cluster(records));
    expect(incidents).toHaveLength(5_000);
    expect(incidents.every((i) => i.references.length === 2)).toBe(true);
  });
});
