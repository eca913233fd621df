import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import type { ParseResult, SourceRecord } from "../types.ts";
import { parseDefiHackLabsReadme } from "./defihacklabs-readme.ts";

const POC = "https://github.com/SunWeb3Sec/DeFiHackLabs/blob/main/src/test/";

function fixture(name: string): { markdown: string; result: ParseResult } {
  const markdown = readFileSync(new URL(`../../fixtures/${name}`, import.meta.url), "utf8");
  return { markdown, result: parseDefiHackLabsReadme(markdown) };
}

const files = {
  current: fixture("DeFiHackLabs-README.md.txt"),
  y2024: fixture("past-2024-README.md.txt"),
  y2025: fixture("past-2025-README.md.txt"),
};

function find(result: ParseResult, key: string): SourceRecord | undefined {
  return result.records.find((r) => r.sourceKey === key);
}

describe("parseDefiHackLabsReadme on the real READMEs", () => {
  it.each([
    ["DeFiHackLabs-README.md.txt", files.current, 113],
    ["past-2024-README.md.txt", files.y2024, 189],
    ["past-2025-README.md.txt", files.y2025, 161],
  ])("%s: one record per ### YYYYMMDD heading, no issues", (_name, file, count) => {
    const headings = file.markdown.split("\n").filter((l) => /^### \d{8}/.test(l)).length;
    expect(headings).toBe(count);
    expect(file.result.records).toHaveLength(count);
    expect(file.result.issues).toEqual([]);
    // Every section links its PoC.
    expect(file.result.records.every((r) => r.url?.startsWith(POC))).toBe(true);
  });

  it("skips the linked index at the top of README.md", () => {
    // The index has "[20260820 FlashstakeV2](#…)" links; only the section further down is read.
    expect(files.current.result.records.filter((r) => r.protocol === "FlashstakeV2")).toHaveLength(
      1,
    );
    expect(files.current.result.records[0]?.sourceKey).toBe("20260820-FlashstakeV2");
  });

  it("reads a token loss with a USD estimate: both", () => {
    expect(find(files.current.result, "20260803-AIC")).toEqual({
      source: "defihacklabs",
      sourceKey: "20260803-AIC",
      protocol: "AIC",
      date: "2026-08-03",
      occurredAt: null,
      chains: [],
      classification: "Pair skim / reserve-mismatch exploit (flash-swap leveraged)",
      technique: null,
      lossUsd: 21_500, // "~32.36 BNB (~$21.5K)"
      original: { amount: 32.36, unit: "BNB" },
      returnedUsd: null,
      txHashes: [],
      url: `${POC}2026-08/AIC_exp.sol`,
    });
  });

  it("reads a token-only loss without pricing it", () => {
    expect(find(files.current.result, "20260109-Truebit")).toMatchObject({
      lossUsd: null, // "8540ETH"
      original: { amount: 8540, unit: "ETH" },
      classification: "OverFlow",
    });
    expect(find(files.y2024.result, "20240323-CGT")).toMatchObject({
      lossUsd: null, // "996B (CGT token)"
      original: { amount: 996_000_000_000, unit: "CGT" },
    });
  });

  it("reads the slug-style heading, an #### Lost line, a root-relative PoC link and a tx link", () => {
    // "### 20240924-MARA---price-manipulation", "### Lost: ~8.8 WBNB (~5.3K USD)",
    // "[MARA_exp.sol](/../../src/test/2024-09/MARA_exp.sol)", a bscscan tx in the references.
    expect(find(files.y2024.result, "20240924-MARA")).toMatchObject({
      protocol: "MARA",
      date: "2024-09-24",
      classification: "price manipulation",
      chains: ["BSC"],
      lossUsd: 5_300,
      original: { amount: 8.8, unit: "WBNB" },
      txHashes: ["0x0fe3716431f8c2e43217c3ca6d25eed87e14d0fbfa9c9ee8ce4cef2e5ec4583c"],
      url: `${POC}2024-09/MARA_exp.sol`,
    });
    expect(find(files.y2024.result, "20241210-LABUBU Token")).toMatchObject({
      lossUsd: 12_048, // "#### Lost: 17.4 BNB (~ $12,048)"
      original: { amount: 17.4, unit: "BNB" },
    });
  });

  it("takes chains from explorer hosts and fork hints", () => {
    expect(find(files.y2025.result, "20250227-Venus_ZKSync")).toMatchObject({
      chains: ["Zksync"],
      txHashes: ["0x35a0172fb6bd450ceb29aa67dc85221826dfd0b7528375400b4ccf15c1eed0d8"],
      original: { amount: 86.72, unit: "WETH" },
    });
    expect(find(files.current.result, "20260530-AROS")).toMatchObject({
      chains: ["BSC"],
      lossUsd: 295_000,
      txHashes: ["0xe89fe640ec5241edfca7d8dcae77a0a4270dee15e4bbd043fc60e393aabf41e1"],
    });
    // "forge test … --fork-url https://rpc.ankr.com/eth"
    expect(find(files.current.result, "20260414-Saturn Protocol")?.chains).toEqual(["Ethereum"]);
  });

  it("reads USD losses written as bare numbers and with a spaced suffix", () => {
    expect(find(files.y2025.result, "20250221-Bybit")).toMatchObject({
      date: "2025-02-21",
      lossUsd: 1_500_000_000, // "1.5B"
      classification: "Phishing attack",
      url: `${POC}2025-02/Bybit_exp.sol`,
    });
    expect(find(files.y2024.result, "20241223-Moonhacker")?.lossUsd).toBe(318_900); // "318.9 k"
  });

  it("keeps a repeated heading as a second record with #2", () => {
    const skp = files.current.result.records.filter((r) => r.protocol === "SKP Token");
    expect(skp.map((r) => [r.sourceKey, r.lossUsd, r.url])).toEqual([
      ["20260526-SKP Token", 212_000, `${POC}2026-05/SKP_exp.sol`],
      ["20260526-SKP Token#2", 212_195, `${POC}2026-05/SKP_exp2.sol`],
    ]);
  });
});

describe("parseDefiHackLabsReadme on malformed input", () => {
  const markdown = [
    "## List of Past DeFi Incidents", //  1
    "[20230313 Euler](#20230313-euler---logic)", //  2
    "", //  3
    "### 20230313 Euler - Logic", //  4
    "### Lost: $197M", //  5
    "```sh", //  6
    "forge test --contracts ./src/test/2023-03/Euler_exp.sol -vvv", //  7
    "# a comment inside the fence", //  8
    "```", //  9
    "https://etherscan.io/tx/0xc310a0affe2169d1f6feec1c63dbc7f7c62a887fa48795d327d4d2da2d6b111d", // 10
    "", // 11
    "### 20231345 Broken - Bad date", // 12
    "### Lost: 1 ETH", // 13
    "---", // 14
    "### 20230101  - No name", // 15
    "### 20230102 NoType", // 16
    "### Lost: Unclear", // 17
    "---", // 18
    "### View Gas Reports", // 19
    "https://bscscan.com/tx/0xd97b93f633aee356d992b49193e60a571b8c466bf46aaf072368f975dc11841c", // 20
  ].join("\n");
  const result = parseDefiHackLabsReadme(markdown);

  it("reports each bad heading by line and keeps the other sections", () => {
    expect(result.issues).toEqual([
      {
        source: "defihacklabs",
        at: "line 12",
        message: "heading date 20231345 is not a calendar day",
      },
      {
        source: "defihacklabs",
        at: "line 15",
        message: "heading has no protocol name after the date",
      },
    ]);
    expect(result.records.map((r) => r.sourceKey)).toEqual(["20230313-Euler", "20230102-NoType"]);
  });

  it("does not let a fence comment or a later chapter leak into a section", () => {
    expect(result.records[0]).toMatchObject({
      lossUsd: 197_000_000,
      chains: ["Ethereum"],
      txHashes: ["0xc310a0affe2169d1f6feec1c63dbc7f7c62a887fa48795d327d4d2da2d6b111d"],
      url: `${POC}2023-03/Euler_exp.sol`,
    });
    expect(result.records[1]).toMatchObject({
      classification: null,
      lossUsd: null,
      chains: [],
      txHashes: [],
      url: null,
    });
  });

  it("gives nothing for text with no incident headings", () => {
    expect(parseDefiHackLabsReadme("# Just a title\n\nNo incidents.")).toEqual({
      records: [],
      issues: [],
    });
  });
});
