import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import type { SourceRecord } from "../types.ts";
import { parseChronicle } from "./chronicle.ts";

const FILES = [
  "20160617-TheDAO.json",
  "20201026-HarvestFinance.json",
  "20240903-Penpie.json",
  "20241016-RadiantCapital.json",
  "20260401-Drift-Protocol.json",
];

function read(file: string): string {
  return readFileSync(new URL(`../../fixtures/${file}`, import.meta.url), "utf8");
}

const parsed = FILES.map((f) => parseChronicle(read(f), f));
const records = parsed.flatMap((p) => p.records);
const byKey = (key: string): SourceRecord | undefined => records.find((r) => r.sourceKey === key);

describe("parseChronicle on the real records", () => {
  it("reads all five files without issues", () => {
    expect(parsed.flatMap((p) => p.issues)).toEqual([]);
    expect(records.map((r) => [r.sourceKey, r.date, r.lossUsd])).toEqual([
      ["TheDAO-20160617", "2016-06-17", 55_700_000],
      ["HarvestFinance-20201026", "2020-10-26", 24_000_000],
      ["Penpie-20240903", "2024-09-03", 27_000_000],
      ["RadiantCapital-20241016", "2024-10-16", 53_000_000],
      ["DriftProtocol-20260401", "2026-04-01", 285_257_820],
    ]);
  });

  it("reads The DAO: one-asset breakdown as original, all tx hashes, first reference", () => {
    const dao = byKey("TheDAO-20160617");
    expect(dao).toMatchObject({
      source: "defi-hack-chronicle",
      protocol: "The DAO",
      chains: ["Ethereum"],
      classification: "Reentrancy",
      technique: null,
      original: { amount: 3_600_000, unit: "ETH" },
      returnedUsd: null,
      url: "https://blog.ethereum.org/2016/06/17/critical-update-re-dao-vulnerability",
    });
    expect(dao?.txHashes).toHaveLength(8);
    expect(dao?.txHashes[0]).toBe(
      "0x0ec3f2488a93839524add10ea229e773f6bc891b4eb4794c3337d4495263790b",
    );
  });

  it("joins categories, and leaves original empty for several or unquantified assets", () => {
    expect(byKey("HarvestFinance-20201026")).toMatchObject({
      classification: "Flashloan / Price Manipulation",
      original: null, // USDC + USDT
    });
    // Penpie's breakdown has "[uncertain]" amounts; its total is still known.
    expect(byKey("Penpie-20240903")).toMatchObject({
      chains: ["Ethereum", "Arbitrum"],
      original: null,
    });
    expect(byKey("Penpie-20240903")?.txHashes).toHaveLength(10);
    // Radiant's single breakdown row is {asset "MULTI", amount "multiple"}.
    expect(byKey("RadiantCapital-20241016")).toMatchObject({
      chains: ["Arbitrum", "BSC"],
      original: null,
    });
  });

  it("keeps Solana signatures as written next to lower-cased EVM hashes", () => {
    const drift = byKey("DriftProtocol-20260401");
    expect(drift?.chains).toEqual(["Solana", "Ethereum"]);
    expect(drift?.classification).toBe("Social Engineering / Access Control");
    expect(drift?.txHashes).toHaveLength(6);
    expect(drift?.txHashes[0]).toBe(
      "2HvMSgDEfKhNryYZKhjowrBY55rUx5MWtcWkG9hqxZCFBaTiahPwfynP1dxBSRk9s5UTVc8LFeS4Btvkm9pc2C4H",
    );
    expect(drift?.txHashes[5]).toBe(
      "0x14cd918f2c1ffcd9a96f9d2ccd1988469fd246a3ed4e3565d2fa5b5b91238ba1",
    );
  });
});

describe("parseChronicle on malformed input", () => {
  const dao = JSON.parse(read("20160617-TheDAO.json")) as Record<string, unknown>;
  const variant = (over: Record<string, unknown>): string => JSON.stringify({ ...dao, ...over });

  it("names the file and the field, one issue per bad file, other files still parse", () => {
    const inputs: [string, string][] = [
      ["a.json", "{oops"],
      ["b.json", "[]"],
      ["c.json", variant({ protocol: " " })],
      ["d.json", variant({ date: "2016-06-31" })],
      ["e.json", variant({ estimatedLoss: { totalUSD: "55.7M", breakdown: [] } })],
      ["f.json", variant({ estimatedLoss: { totalUSD: "[uncertain]", breakdown: [] } })],
    ];
    const results = inputs.map(([file, json]) => parseChronicle(json, file));
    const issues = results.flatMap((r) => r.issues);
    expect(issues.map((i) => i.at)).toEqual([
      "file a.json",
      "file b.json",
      "file c.json",
      "file d.json",
      "file e.json",
    ]);
    expect(issues.every((i) => i.source === "defi-hack-chronicle")).toBe(true);
    expect(issues[0]?.message).toMatch(/^not valid JSON/);
    expect(issues.slice(1).map((i) => i.message)).toEqual([
      "expected one hack record (a JSON object)",
      "protocol is missing or empty",
      'date "2016-06-31" is not a YYYY-MM-DD calendar day',
      'estimatedLoss.totalUSD "55.7M" is not a decimal string or "[uncertain]"',
    ]);
    // "[uncertain]" is an unknown loss, not an error.
    expect(results[5]?.records[0]).toMatchObject({ lossUsd: null, protocol: "The DAO" });
  });
});
