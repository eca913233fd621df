import { describe, expect, it } from "vitest";
import { fromLiquidationEvent } from "./from-liquidation.ts";

describe("fromLiquidationEvent", () => {
  it("maps a liquidation with its trade id as ref, so the matching finding counts once", () => {
    const e = fromLiquidationEvent({
      id: "ETH:9001",
      time: 1_741_767_000_000,
      coin: "ETH",
      method: "backstop",
      liquidatedSide: "long",
      px: 1915,
      sz: 160_234,
      notionalUsd: 306_848_110,
      liquidatedUser: "0xf3f496c9486be5924a93d67e98298733bb47057c",
      counterparty: "0x2e3d94f0562703b25c83308a05046ddaf9a8dd14",
    });
    expect(e).toMatchObject({
      id: "liq:hyperliquid:ETH:9001",
      source: "observation",
      ref: "ETH:9001",
      asset: "ETH",
      usd: 306_848_110,
      severity: "critical",
      title: "backstop liquidation of $306.8M ETH long",
    });
  });
});
