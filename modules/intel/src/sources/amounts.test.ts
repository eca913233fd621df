import { describe, expect, it } from "vitest";
import { parseDecimalString, parseLoss, parseNumber, unitKind } from "./amounts.ts";

describe("parseNumber", () => {
  it.each([
    ["1,234", 1234],
    ["1,115,903.66", 1115903.66],
    ["4,5", 4.5],
    ["0,0067", 0.0067],
    ["17814,86", 17814.86],
    ["1.234,5", 1234.5],
    ["1.234.567", 1234567],
    ["52000", 52000],
    ["5.", 5],
  ])("reads %s", (text, n) => expect(parseNumber(text)).toBe(n));

  it("refuses what is not a number", () => {
    expect(parseNumber("1,2,3")).toBeNull();
    expect(parseNumber("abc")).toBeNull();
    expect(parseNumber("-5")).toBeNull();
  });
});

describe("units", () => {
  it("tell USD, USD stablecoins and other tokens apart", () => {
    expect(unitKind("USD")).toBe("usd");
    expect(unitKind("US$")).toBe("usd");
    expect(unitKind("usdc")).toBe("stablecoin");
    expect(unitKind("$BUSD")).toBe("stablecoin");
    expect(unitKind("BSC-USD")).toBe("stablecoin");
    expect(unitKind("USDe")).toBe("stablecoin");
    // Yield-bearing wrappers and bridged shares are not worth a dollar each.
    expect(unitKind("cUSDC")).toBe("token");
    expect(unitKind("sUSDe")).toBe("token");
    expect(unitKind("WBNB")).toBe("token");
  });

  it("read decimal strings strictly", () => {
    expect(parseDecimalString("55700000")).toBe(55_700_000);
    expect(parseDecimalString("164.35")).toBe(164.35);
    expect(parseDecimalString("[uncertain]")).toBeNull();
    expect(parseDecimalString("1e6")).toBeNull();
    expect(parseDecimalString("multiple")).toBeNull();
  });
});

describe("parseLoss (DeFiHackLabs 'Lost:' texts, all taken from the READMEs)", () => {
  it.each([
    // USD, with every suffix, spacing and marker seen.
    ["$1.3M", 1_300_000, null],
    ["$12.9 K", 12_900, null],
    ["~ $10.1K", 10_100, null],
    ["$~182K USD", 182_000, null],
    ["~137,000 US$", 137_000, null],
    ["~3.3Million $", 3_300_000, null],
    ["500,000+ USD", 500_000, null],
    [">10700USD(WINR token)", 10_700, null],
    // Bare numbers are USD in DeFiHackLabs' convention; European decimal commas.
    ["1.5B", 1_500_000_000, null],
    ["~4,5M", 4_500_000, null],
    ["318.9 k", 318_900, null],
    ["0 (Disclosure only; no exploit occurred)", 0, null],
    // Stablecoins count as USD and keep their unit.
    ["~$212,195 USDT", 212_195, { amount: 212_195, unit: "USDT" }],
    ["11k BSC-USD", 11_000, { amount: 11_000, unit: "BSC-USD" }],
    ["$~5K $BUSD", 5_000, { amount: 5_000, unit: "BUSD" }],
    ["～590k USDT", 590_000, { amount: 590_000, unit: "USDT" }],
    [
      "~605K USDT (single tx; ~$8.2M cumulative across ~13 txs)",
      605_000,
      { amount: 605_000, unit: "USDT" },
    ],
    // Tokens: no price is ever guessed.
    ["8540ETH", null, { amount: 8540, unit: "ETH" }],
    ["~ 18 eth", null, { amount: 18, unit: "ETH" }],
    ["127.86K mOCEAN", null, { amount: 127_860, unit: "mOCEAN" }],
    ["74 $WBNB", null, { amount: 74, unit: "WBNB" }],
    ["$~150 BNB", null, { amount: 150, unit: "BNB" }],
    ["996B (CGT token)", null, { amount: 996_000_000_000, unit: "CGT" }],
    ["~3.4 ETH (WIF token)", null, { amount: 3.4, unit: "ETH" }],
    [
      "~0.5453 WETH drained (28.25% of reward pool reserve); attacker net profit ~0.4285 ETH",
      null,
      { amount: 0.5453, unit: "WETH" },
    ],
    // A token amount with a USD estimate: the estimate is lossUsd, the token is original.
    ["~32.36 BNB (~$21.5K)", 21_500, { amount: 32.36, unit: "BNB" }],
    ["~8.8 WBNB (~5.3K USD)", 5_300, { amount: 8.8, unit: "WBNB" }],
    ["17.4 BNB (~ $12,048)", 12_048, { amount: 17.4, unit: "BNB" }],
    ["11,113.6 ETH (~$27,348,259 USD)", 27_348_259, { amount: 11_113.6, unit: "ETH" }],
    // A USD figure restated in one token fills original.
    ["~$1.24K (2.13 BNB)", 1_240, { amount: 2.13, unit: "BNB" }],
    ["~501K US$ (133.7 WETH)", 501_000, { amount: 133.7, unit: "WETH" }],
    ["~ 95.5 K (1.14015390 WBTC)", 95_500, { amount: 1.1401539, unit: "WBTC" }],
    ["~$2.19M (this PoC reproduces the 908.99 ETH leg)", 2_190_000, null],
    ["~9.6K USD (~$8,174 recovered value on-chain)", 9_600, null],
    // Several assets: a USD total when one is given, else nothing.
    ["32,695.76 STRONG + 383,447.17 STRNGR (~$72K)", 72_000, null],
    ["4.1M VUSD, 7.35M XCN, 5K DAI, 0.23 WBTC, 50K USDT (>$3.8M USD)", 3_800_000, null],
    ["205K USDT + 36 BNB", null, null],
    ["3.25 cbETH and 0.22 WETH", null, null],
    ["~$45K USD (62.5 BNB + ~1.196M JOE)", 45_000, null],
    ["~ 353.8 K (17814,86 USDC, 1,4085 WBTC, 119,87 WETH)", 353_800, null],
    // No amount.
    ["Unclear", null, null],
    ["unknown", null, null],
    ["N/A (purely educational; worst-case impact would have been ~$2M)", null, null],
    ["", null, null],
  ])("%s", (text, lossUsd, original) => {
    expect(parseLoss(text)).toEqual({ lossUsd, original });
  });

  it("sums several assets when all are USD or stablecoins", () => {
    expect(parseLoss("1,000 USDC + 2,500 USDT")).toEqual({ lossUsd: 3_500, original: null });
    expect(parseLoss("$0.1 + 0.2 USDC")).toEqual({ lossUsd: 0.3, original: null });
  });

  it("does not read a token written with a stray $ as a USD estimate", () => {
    expect(parseLoss("2 ETH ($~150 BNB)")).toEqual({
      lossUsd: null,
      original: { amount: 2, unit: "ETH" },
    });
  });
});
