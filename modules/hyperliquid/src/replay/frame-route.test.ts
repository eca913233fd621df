import { readFixtureJson } from "@kamiyo/testing";
import { describe, expect, it } from "vitest";
import { clientSubscription, frameSubscription } from "./frame-route.ts";

const USER = "0x2e3d94f0562703b25c83308a05046ddaf9a8dd14";

describe("frameSubscription / clientSubscription", () => {
  it("routes each stream to the subscription a client sends for it", () => {
    const cases: [unknown, Record<string, unknown>][] = [
      [
        { channel: "trades", data: [{ coin: "ETH", tid: 1 }] },
        { type: "trades", coin: "ETH" },
      ],
      [
        { channel: "l2Book", data: { coin: "BTC", levels: [[], []] } },
        { type: "l2Book", coin: "BTC", nSigFigs: 5 },
      ],
      [
        { channel: "bbo", data: { coin: "SOL" } },
        { type: "bbo", coin: "SOL" },
      ],
      [
        { channel: "activeAssetCtx", data: { coin: "ETH", ctx: {} } },
        { type: "activeAssetCtx", coin: "ETH" },
      ],
      [
        { channel: "activeAssetData", data: { user: USER, coin: "ETH", leverage: {} } },
        { type: "activeAssetData", user: USER, coin: "ETH" },
      ],
      [
        { channel: "candle", data: { t: 1, T: 2, s: "BTC", i: "1m" } },
        { type: "candle", coin: "BTC", interval: "1m" },
      ],
      [
        readFixtureJson("hyperliquid/recorded/nautilus_trader/ws_allmids.json"),
        { type: "allMids" },
      ],
      [
        { channel: "allMids", data: { mids: {} } },
        { type: "allMids", dex: "" },
      ],
      [
        readFixtureJson("hyperliquid/recorded/nautilus_trader/ws_user_fill_liquidation.json"),
        { type: "userEvents", user: USER },
      ],
      [
        { channel: "userFills", data: { isSnapshot: true, user: USER, fills: [] } },
        { type: "userFills", user: USER.toUpperCase().replace("0X", "0x"), aggregateByTime: false },
      ],
      [
        { channel: "clearinghouseState", data: { dex: "", user: USER, clearinghouseState: {} } },
        { type: "clearinghouseState", user: USER },
      ],
    ];
    for (const [frame, sub] of cases) {
      const route = frameSubscription(frame);
      expect(route, JSON.stringify(sub)).not.toBe("*");
      expect(route, JSON.stringify(sub)).toBe(clientSubscription(sub));
    }
  });

  it("keeps streams of other coins, intervals and users apart", () => {
    expect(frameSubscription({ channel: "trades", data: [{ coin: "ETH" }] })).not.toBe(
      clientSubscription({ type: "trades", coin: "BTC" }),
    );
    expect(frameSubscription({ channel: "candle", data: { s: "BTC", i: "1m" } })).not.toBe(
      clientSubscription({ type: "candle", coin: "BTC", interval: "1h" }),
    );
    expect(frameSubscription({ channel: "userFills", data: { user: USER, fills: [] } })).not.toBe(
      clientSubscription({ type: "userFills", user: "0x010461c14e146ac35fe42271bdc1134ee31c703a" }),
    );
    expect(
      frameSubscription({ channel: "activeAssetData", data: { user: USER, coin: "ETH" } }),
    ).not.toBe(
      clientSubscription({
        type: "activeAssetData",
        user: "0x010461c14e146ac35fe42271bdc1134ee31c703a",
        coin: "ETH",
      }),
    );
  });

  it("sends frames of unknown streams to everyone and never replays server-made frames", () => {
    expect(frameSubscription({ channel: "notification", data: { notification: "x" } })).toBe("*");
    expect(frameSubscription({ data: 1 })).toBe("*");
    expect(frameSubscription("text")).toBe("*");
    expect(frameSubscription(null)).toBe("*");
    for (const channel of ["subscriptionResponse", "pong", "post", "error"])
      expect(frameSubscription({ channel, data: {} })).toBeNull();
  });
});
