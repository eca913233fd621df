import { describe, expect, it } from "vitest";
import { type CorrelatorConfig, correlatorConfig } from "./config.ts";
import { correlationSeverity, liquidationTotals } from "./measures.ts";
import {
  bridgeExploitChain,
  flashLoanCascade,
  liquidationCascade,
  oracleArbitrage,
} from "./patterns.ts";
import { event, exploit, liquidation, MIN, T0 } from "./test-helpers.ts";

const c: CorrelatorConfig = correlatorConfig.parse({});
const W0 = T0 - 5 * MIN;

describe("liquidation cascade", () => {
  it("holds for 3 liquidations over $1M across coins", () => {
    const m = liquidationCascade(
      [
        liquidation(T0, 400_000, { coin: "BTC" }),
        liquidation(T0 + MIN, 400_000, { coin: "ETH" }),
        liquidation(T0 + 2 * MIN, 400_000, { coin: "SOL" }),
      ],
      W0,
      c,
    );
    expect(m).toMatchObject({ eventCount: 3, totalUsd: 1_200_000, protocols: ["hyperliquid"] });
  });

  it("needs 3 liquidations and strictly more than $1M", () => {
    expect(liquidationCascade([liquidation(T0, 2e6), liquidation(T0, 2e6)], W0, c)).toBeNull();
    const three = (last: number) =>
      [400_000, 300_000, last].map((usd, i) => liquidation(T0 + i, usd));
    expect(liquidationCascade(three(299_000), W0, c)).toBeNull(); // $999k
    expect(liquidationCascade(three(300_000), W0, c)).toBeNull(); // exactly $1M
    expect(liquidationCascade(three(300_001), W0, c)?.totalUsd).toBe(1_000_001);
  });

  it("needs several protocols only when configured to", () => {
    const hl = [1, 2, 3].map((i) => liquidation(T0 + i, 500_000));
    const strict = { ...c, liquidationMinProtocols: 2 };
    expect(liquidationCascade(hl, W0, strict)).toBeNull();
    const mixed = [...hl.slice(0, 2), liquidation(T0 + 3, 500_000, {}, "gmx")];
    expect(liquidationCascade(mixed, W0, strict)?.protocols).toEqual(["gmx", "hyperliquid"]);
  });

  it("counts a liquidation seen as a raw event and as a finding once", () => {
    const raw = liquidation(T0, 2_240_000, { coin: "BTC", id: "BTC:100" });
    const finding = event({ id: "fnd_large", usd: 2_240_000, ref: "BTC:100" });
    expect(liquidationTotals([raw, finding])).toMatchObject({ count: 1, usd: 2_240_000 });
  });

  it("never sums overlapping aggregates of one coin: the largest figure counts", () => {
    // The liquidations detector's findings for six BTC backstops: one large, a burst, a cascade.
    const large = event({ id: "large", usd: 2_240_000, ref: "BTC:100" });
    const burst = event({ id: "burst", aggregate: true, count: 5, usd: 1_657_500 });
    const cascade = event({ id: "cascade", aggregate: true, count: 6, usd: 3_897_500 });
    const eth = event({ id: "eth", asset: "ETH", aggregate: true, count: 5, usd: 600_000 });
    expect(liquidationTotals([large, burst, cascade, eth])).toMatchObject({
      count: 11,
      usd: 4_497_500,
    });
  });

  it("leaves out an aggregate whose span starts before the window", () => {
    const old = event({ aggregate: true, count: 20, usd: 5e6, spanStart: W0 - 1 });
    expect(liquidationCascade([old], W0, c)).toBeNull();
    expect(liquidationCascade([{ ...old, spanStart: W0 }], W0, c)?.eventCount).toBe(20);
  });
});

describe("oracle arbitrage", () => {
  const both = event({
    category: "oracle_deviation",
    asset: "ETH",
    counterVenues: ["binance", "coinbase"],
  });
  const binanceOnly = event({
    category: "oracle_deviation",
    asset: "ETH",
    counterVenues: ["binance"],
  });
  const move = event({ category: "price_manipulation", asset: "ETH" });

  it("holds for deviations against two venues with a manipulation on the asset", () => {
    const m = oracleArbitrage([both, move], W0, c);
    expect(m?.extra).toMatchObject({
      comparisons: ["binance~hyperliquid", "coinbase~hyperliquid"],
      deviations: 1,
      manipulations: 1,
    });
  });

  it("holds for two protocols' oracles deviating on the asset", () => {
    const gmx = event({
      category: "oracle_deviation",
      asset: "ETH",
      protocol: "gmx",
      venue: "gmx",
      counterVenues: ["chainlink"],
    });
    expect(oracleArbitrage([binanceOnly, gmx], W0, c)?.protocols).toEqual(["gmx", "hyperliquid"]);
  });

  it("does not hold for one deviation finding alone, one venue pair, or the same pair twice", () => {
    expect(oracleArbitrage([both], W0, c)).toBeNull();
    expect(oracleArbitrage([binanceOnly, move], W0, c)).toBeNull();
    expect(oracleArbitrage([binanceOnly, { ...binanceOnly, id: "again" }], W0, c)).toBeNull();
  });
});

describe("flash-loan cascade", () => {
  it("holds for flash-loan exploits on two protocols", () => {
    const m = flashLoanCascade(
      [
        exploit(T0, "harvest-finance", ["Ethereum"], ["flash_loan"], 24e6),
        exploit(T0 + MIN, "cheese-bank", ["Ethereum"], ["flash_loan"], null),
      ],
      W0,
      c,
    );
    expect(m).toMatchObject({ eventCount: 2, totalUsd: 24e6, extra: { unknownLosses: 1 } });
  });

  it("does not hold for the same protocol twice or a non-flash-loan exploit", () => {
    const a = exploit(T0, "harvest-finance", ["Ethereum"], ["flash_loan"]);
    expect(flashLoanCascade([a, { ...a, id: "second", time: T0 + 1 }], W0, c)).toBeNull();
    expect(flashLoanCascade([a, exploit(T0, "radiant", ["BSC"], [])], W0, c)).toBeNull();
  });
});

describe("bridge exploit chain", () => {
  const bridge = exploit(T0, "ronin-bridge", ["Ronin"], ["bridge"], 600e6);

  it("holds for a bridge exploit followed by an exploit on another chain", () => {
    const m = bridgeExploitChain([bridge, exploit(T0 + MIN, "katana", ["Ethereum"], [])], W0, c);
    expect(m).toMatchObject({ eventCount: 2, extra: { bridgeExploit: bridge.id } });
  });

  it("holds for the same bridge drained on another chain (Multichain style)", () => {
    const other = { ...bridge, id: "same-bridge-eth", time: T0 + MIN, chains: ["Ethereum"] };
    expect(bridgeExploitChain([bridge, other], W0, c)).not.toBeNull();
  });

  it("needs the follow-up after the bridge exploit, elsewhere, on a second chain", () => {
    const before = exploit(T0 - 1, "katana", ["Ethereum"], []);
    expect(bridgeExploitChain([bridge, before], W0, c)).toBeNull();
    const sameChain = exploit(T0 + 1, "axie-marketplace", ["Ronin"], []);
    expect(bridgeExploitChain([bridge, sameChain], W0, c)).toBeNull();
    expect(
      bridgeExploitChain([{ ...bridge, techniques: [] }, exploit(T0 + 1, "x", ["BSC"], [])], W0, c),
    ).toBeNull();
  });
});

describe("severity", () => {
  it("is critical from $10M or 3 protocols, high otherwise", () => {
    expect(correlationSeverity(9_999_999, 2, c)).toBe("high");
    expect(correlationSeverity(10_000_000, 1, c)).toBe("critical");
    expect(correlationSeverity(0, 3, c)).toBe("critical");
  });
});
