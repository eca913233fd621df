import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import type { SourceRecord } from "../types.ts";
import { parseExplorer } from "./explorer.ts";

const json = readFileSync(new URL("../../fixtures/incidents.json", import.meta.url), "utf8");
const { records, issues } = parseExplorer(json);
const POC = "https://github.com/SunWeb3Sec/DeFiHackLabs/blob/main/";

function byKey(key: string): SourceRecord | undefined {
  return records.find((r) => r.sourceKey === key);
}

describe("parseExplorer on the real incidents.json (912 rows)", () => {
  it("accounts for every row: 910 records and 2 issues", () => {
    expect(records.length + issues.length).toBe(912);
    // The two issues are exact duplicate rows: 30 repeats 29 (SummerFi 2026-07-06) and 44 repeats
    // 43 (Aztec Escape Hatch 2026-06-22). Nothing else in the file is malformed.
    expect(issues).toEqual([
      {
        source: "defihacklabs-explorer",
        at: "record 30",
        message: "identical to record 29: a duplicated row",
      },
      {
        source: "defihacklabs-explorer",
        at: "record 44",
        message: "identical to record 43: a duplicated row",
      },
    ]);
    expect(records).toHaveLength(910);
  });

  it("keeps repeated keys with different content apart with #2", () => {
    expect(records.filter((r) => r.sourceKey.includes("#")).map((r) => r.sourceKey)).toEqual([
      "20250811-WXC#2",
      "20250625-SiloFinance#2",
      "20250620-Gangsterfinance#2",
      "20250518-KRC#2",
    ]);
    expect(new Set(records.map((r) => r.sourceKey)).size).toBe(records.length);
  });

  it("splits losses into USD, stablecoin and token amounts", () => {
    // 700 USD rows with an amount + 39 stablecoin rows (USDC 15, USDT 18, DAI 3, BUSD 3).
    expect(records.filter((r) => r.lossUsd !== null)).toHaveLength(739);
    expect(records.filter((r) => r.lossUsd !== null && r.original !== null)).toHaveLength(39);
    // 147 token rows (ETH 63, BNB 42, WBNB 27 less one duplicate, …): original only, never priced.
    expect(records.filter((r) => r.lossUsd === null && r.original !== null)).toHaveLength(147);
    // 24 rows have "Lost": null (HYDT, RariCapital, …): an unknown loss, kept as a record.
    expect(records.filter((r) => r.lossUsd === null && r.original === null)).toHaveLength(24);
    expect(byKey("20260807-ZKPanther")?.original).toEqual({ amount: 5_120_000, unit: "ZKP" });
    expect(byKey("20260802-LpdFi")).toMatchObject({
      lossUsd: 693_500,
      original: { amount: 693_500, unit: "USDC" },
    });
    expect(byKey("20201229-Cover Protocol")).toMatchObject({ lossUsd: null, original: null });
  });

  it("canonicalises chains, including chain ids and this file's wrong ids", () => {
    expect(byKey("20260802-LpdFi")?.chains).toEqual(["BSC"]); // "BNB Chain"
    expect(byKey("20260405-Denaria")?.chains).toEqual(["Linea"]); // "59144"
    expect(byKey("20260429-Wasabi Protocol")?.chains).toEqual(["Berachain"]); // "80094"
    expect(byKey("20250522-Cetus")?.chains).toEqual(["Sui"]); // "5"
    expect(byKey("20250211-Zklend")?.chains).toEqual(["Starknet"]); // "920637907288165"
    expect(byKey("20260121-Saga")?.chains).toEqual(["Saga"]); // "5464"
    expect(byKey("20260530-AROS")?.chains).toEqual([]); // "Unknown"
    expect(byKey("20260715-BonzoLend")?.chains).toEqual([]); // null
    expect(byKey("20260724-TripleA")?.chains).toEqual([]); // "Multi-Chain"
  });

  it("reads well-known incidents exactly as the file dates and sizes them", () => {
    // The file dates Ronin on 2022-03-29, the day it was disclosed (the theft was on 03-23).
    expect(byKey("20220329-Ronin Network")).toEqual({
      source: "defihacklabs-explorer",
      sourceKey: "20220329-Ronin Network",
      protocol: "Ronin Network",
      date: "2022-03-29",
      occurredAt: null,
      chains: ["Ethereum"],
      classification: "Bridge Attack",
      technique: null,
      lossUsd: 624_000_000,
      original: null,
      returnedUsd: null,
      txHashes: [],
      url: `${POC}src/test/2022-03/Ronin_exp.sol`,
    });
    expect(byKey("20250221-Bybit")).toMatchObject({
      date: "2025-02-21",
      lossUsd: 1_500_000_000,
      classification: "Social Engineering",
      url: `${POC}src/test/2025-02/Bybit_exp.sol`,
    });
    expect(byKey("20231122-KyberSwap")).toMatchObject({
      date: "2023-11-22",
      lossUsd: 48_000_000,
      url: `${POC}src/test/2023-11/KyberSwap_exp.eth.1.sol`,
    });
    expect(byKey("20220802-Nomad Bridge")).toMatchObject({
      date: "2022-08-02",
      lossUsd: 152_000_000,
    });
    expect(byKey("20210811-Poly Network")).toMatchObject({
      date: "2021-08-11",
      lossUsd: 611_000_000,
    });
    // A leading "/" in Contract is dropped; an empty Contract gives no url.
    expect(byKey("20230707-LUSD")?.url).toBe(`${POC}src/test/2023-07/LUSD_exp.sol`);
    expect(byKey("20240806-Ronin Bridge")?.url).toBeNull();
  });

  it("keeps Euler's two spellings as two records (de-duplication is not the parser's job)", () => {
    const euler = records.filter((r) => r.date === "2023-03-13" && /euler/i.test(r.protocol));
    expect(euler.map((r) => [r.sourceKey, r.classification, r.lossUsd])).toEqual([
      ["20230313-EulerFinance", "Logic Flaw", 200_000_000],
      ["20230313-Euler Finance", "Business Logic Flaw", 200_000_000],
    ]);
  });
});

describe("parseExplorer on malformed input", () => {
  const good = {
    date: "20230313",
    name: "EulerFinance",
    type: "Logic Flaw",
    Lost: 1,
    lossType: "USD",
    Contract: "",
    chain: "Ethereum",
  };

  it("reports each bad row by index and field, and keeps the rest", () => {
    const rows = [
      good,
      42,
      { ...good, date: "20230230" },
      { ...good, date: 20230313 },
      { ...good, name: "  " },
      { ...good, name: "Negative", Lost: -5 },
      { ...good, name: "Text", Lost: "NaN" },
      { ...good, name: "NoUnit", lossType: "" },
      { ...good, name: "Tokens", Lost: 3, lossType: "ETH" },
    ];
    const r = parseExplorer(JSON.stringify(rows));
    expect(r.records.map((x) => x.protocol)).toEqual(["EulerFinance", "Tokens"]);
    expect(r.issues).toEqual([
      { source: "defihacklabs-explorer", at: "record 1", message: "not an object" },
      {
        source: "defihacklabs-explorer",
        at: "record 2",
        message: 'date "20230230" is not a YYYYMMDD calendar day',
      },
      {
        source: "defihacklabs-explorer",
        at: "record 3",
        message: "date 20230313 is not a YYYYMMDD calendar day",
      },
      { source: "defihacklabs-explorer", at: "record 4", message: "name is missing or empty" },
      {
        source: "defihacklabs-explorer",
        at: "record 5",
        message: "Lost -5 is not a non-negative number",
      },
      {
        source: "defihacklabs-explorer",
        at: "record 6",
        message: 'Lost "NaN" is not a non-negative number',
      },
      {
        source: "defihacklabs-explorer",
        at: "record 7",
        message: "lossType is missing for a Lost amount",
      },
    ]);
  });

  it("gives one file-level issue for text that is not a JSON array", () => {
    const notJson = parseExplorer("{not json");
    expect(notJson.records).toEqual([]);
    expect(notJson.issues).toHaveLength(1);
    expect(notJson.issues[0]).toMatchObject({ source: "defihacklabs-explorer", at: "file" });
    expect(notJson.issues[0]?.message).toMatch(/^not valid JSON/);
    expect(parseExplorer('{"date":"20230313"}').issues).toEqual([
      {
        source: "defihacklabs-explorer",
        at: "file",
        message: "expected a JSON array of incidents",
      },
    ]);
  });
});
