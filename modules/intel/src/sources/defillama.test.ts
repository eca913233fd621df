import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parseDefiLlama } from "./defillama.ts";

// Hand-written in the documented shape (see fixtures/README.md): not an API dump.
const json = readFileSync(
  new URL("../../fixtures/defillama-hacks.sample.json", import.meta.url),
  "utf8",
);
const { records, issues } = parseDefiLlama(json);

describe("parseDefiLlama on the reconstructed sample", () => {
  it("reads all seven records", () => {
    expect(issues).toEqual([]);
    expect(records.map((r) => r.sourceKey)).toEqual([
      "2024-03-22-Super Sushi Samurai",
      "2025-02-21-Bybit",
      "2023-11-22-KyberSwap",
      "2023-03-13-Euler Finance",
      "2022-08-01-Nomad Bridge",
      "2022-03-23-Ronin Bridge",
      "2021-08-10-Poly Network",
    ]);
  });

  it("reads the documented OpenAPI example exactly", () => {
    // date 1711065600 is 2024-03-22 00:00 UTC (rekt.news dates the hack 2024-03-21).
    expect(records[0]).toEqual({
      source: "defillama",
      sourceKey: "2024-03-22-Super Sushi Samurai",
      protocol: "Super Sushi Samurai",
      date: "2024-03-22",
      occurredAt: null,
      chains: ["Blast"],
      classification: "Protocol Logic",
      technique: "Infinite Mint and Dump",
      lossUsd: 4_800_000,
      original: null,
      returnedUsd: null,
      txHashes: [],
      url: "https://rekt.news/sss-rekt/",
    });
  });

  it("keeps returned funds, even above the loss, and drops an empty source", () => {
    const euler = records.find((r) => r.protocol === "Euler Finance");
    expect(euler).toMatchObject({ lossUsd: 197_000_000, returnedUsd: 240_000_000, url: null });
    expect(records.find((r) => r.protocol === "Poly Network")).toMatchObject({
      date: "2021-08-10",
      lossUsd: 611_000_000,
      returnedUsd: 610_000_000,
      chains: ["Ethereum", "BSC", "Polygon"],
    });
    expect(records.find((r) => r.protocol === "Ronin Bridge")).toMatchObject({
      lossUsd: 624_000_000,
      chains: ["Ronin"],
    });
    expect(records.find((r) => r.protocol === "Bybit")?.lossUsd).toBe(1_460_000_000);
    expect(records.find((r) => r.protocol === "KyberSwap")?.chains).toHaveLength(5);
  });
});

describe("parseDefiLlama on malformed input", () => {
  const good = {
    date: 1678665600,
    name: "Euler",
    classification: "Protocol Logic",
    technique: "x",
    amount: 1,
    chain: ["Ethereum"],
    returnedFunds: null,
  };

  it("reports each bad record by index and field, and keeps the rest", () => {
    const rows = [
      good,
      "Euler",
      { ...good, date: "2023-03-13" },
      { ...good, date: 1678665600000 },
      { ...good, name: "" },
      { ...good, amount: -1 },
      { ...good, amount: "4800000" },
      { ...good, returnedFunds: "240M" },
      { ...good, chain: [1] },
      { ...good, name: "Unknown loss", amount: null, chain: "Binance", technique: "" },
      { ...good },
    ];
    const r = parseDefiLlama(JSON.stringify(rows));
    expect(r.issues).toEqual([
      { source: "defillama", at: "record 1", message: "not an object" },
      {
        source: "defillama",
        at: "record 2",
        message: 'date "2023-03-13" is not a unix time in seconds',
      },
      {
        source: "defillama",
        at: "record 3",
        message: "date 1678665600000 is not a unix time in seconds",
      },
      { source: "defillama", at: "record 4", message: "name is missing or empty" },
      {
        source: "defillama",
        at: "record 5",
        message: "amount -1 is not a non-negative number or null",
      },
      {
        source: "defillama",
        at: "record 6",
        message: 'amount "4800000" is not a non-negative number or null',
      },
      {
        source: "defillama",
        at: "record 7",
        message: 'returnedFunds "240M" is not a non-negative number or null',
      },
      { source: "defillama", at: "record 8", message: "chain [1] is not an array of names" },
    ]);
    expect(r.records.map((x) => x.sourceKey)).toEqual([
      "2023-03-13-Euler",
      "2023-03-13-Unknown loss",
      "2023-03-13-Euler#2",
    ]);
    expect(r.records[1]).toMatchObject({ lossUsd: null, chains: ["BSC"], technique: null });
  });

  it("gives one file-level issue for text that is not a JSON array", () => {
    expect(parseDefiLlama("<html>rate limited</html>").issues[0]).toMatchObject({
      source: "defillama",
      at: "file",
    });
    expect(parseDefiLlama('{"hacks":[]}')).toEqual({
      records: [],
      issues: [{ source: "defillama", at: "file", message: "expected a JSON array of hacks" }],
    });
  });
});
