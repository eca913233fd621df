import { readFixtureJson } from "@kamiyo/testing";
import { describe, expect, it } from "vitest";
import type { InfoRequest } from "./format.ts";
import { applyRange, matchableRequest, requestsMatch } from "./request-match.ts";

const LIQUIDATOR = "0x2e3d94f0562703b25c83308a05046ddaf9a8dd14";
const OTHER = "0x010461c14e146ac35fe42271bdc1134ee31c703a";
const HLP = "0xdfc24b077bc1425ad1dea75bcb6f8158e10df303";

const both = (a: InfoRequest, b: InfoRequest) => [requestsMatch(a, b), requestsMatch(b, a)];

describe("requestsMatch", () => {
  it("ignores a default dex present on one side only, in either direction", () => {
    expect(both({ type: "metaAndAssetCtxs", dex: "" }, { type: "metaAndAssetCtxs" })).toEqual([
      true,
      true,
    ]);
  });

  it("matches equal requests whatever their key order, and never across types", () => {
    expect(
      requestsMatch(
        { type: "candleSnapshot", req: { coin: "BTC", interval: "1m" } },
        { req: { interval: "1m", coin: "BTC" }, type: "candleSnapshot" },
      ),
    ).toBe(true);
    expect(requestsMatch({ type: "meta" }, { type: "metaAndAssetCtxs" })).toBe(false);
  });

  it("never matches clearinghouseState of a different user", () => {
    expect(
      both(
        { type: "clearinghouseState", user: LIQUIDATOR },
        { type: "clearinghouseState", user: OTHER },
      ),
    ).toEqual([false, false]);
  });

  it("treats user as optional for vaultDetails but not for clearinghouseState", () => {
    const vault = { type: "vaultDetails", vaultAddress: HLP };
    expect(both({ ...vault, user: LIQUIDATOR }, vault)).toEqual([true, true]);
    expect(
      both({ type: "clearinghouseState", user: LIQUIDATOR }, { type: "clearinghouseState" }),
    ).toEqual([false, false]);
    // A different vault is still a different request.
    expect(
      requestsMatch({ ...vault, user: LIQUIDATOR }, { type: "vaultDetails", vaultAddress: OTHER }),
    ).toBe(false);
  });

  it("does not match when one side carries a non-default field the other lacks", () => {
    expect(
      both({ type: "l2Book", coin: "ETH" }, { type: "l2Book", coin: "ETH", foo: "x" }),
    ).toEqual([false, false]);
    expect(both({ type: "l2Book", coin: "ETH" }, { type: "l2Book" })).toEqual([false, false]);
    expect(both({ type: "l2Book", coin: "ETH" }, { type: "l2Book", coin: "BTC" })).toEqual([
      false,
      false,
    ]);
    // Default values (empty string, null, false) of any field are ignored.
    expect(
      both({ type: "l2Book", coin: "ETH", extra: null }, { type: "l2Book", coin: "ETH" }),
    ).toEqual([true, true]);
  });

  it("compares fields both sides carry exactly, optional ones included", () => {
    expect(
      both({ type: "metaAndAssetCtxs", dex: "xyz" }, { type: "metaAndAssetCtxs", dex: "" }),
    ).toEqual([false, false]);
    expect(
      both(
        { type: "l2Book", coin: "ETH", nSigFigs: 5 },
        { type: "l2Book", coin: "ETH", nSigFigs: 4 },
      ),
    ).toEqual([false, false]);
  });

  it("matches range requests regardless of startTime and endTime", () => {
    expect(
      both(
        { type: "userFillsByTime", user: LIQUIDATOR, startTime: 1, endTime: 2 },
        { type: "userFillsByTime", user: LIQUIDATOR, startTime: 1_000 },
      ),
    ).toEqual([true, true]);
    expect(
      both(
        { type: "userFillsByTime", user: LIQUIDATOR, startTime: 1 },
        { type: "userFillsByTime", user: OTHER, startTime: 1 },
      ),
    ).toEqual([false, false]);
    expect(
      both(
        { type: "fundingHistory", coin: "HYPE", startTime: 5 },
        { type: "fundingHistory", coin: "HYPE", startTime: 9, endTime: 10 },
      ),
    ).toEqual([true, true]);
    expect(
      requestsMatch(
        { type: "fundingHistory", coin: "HYPE", startTime: 5 },
        { type: "fundingHistory", coin: "BTC", startTime: 5 },
      ),
    ).toBe(false);
    expect(
      both(
        {
          type: "candleSnapshot",
          req: { coin: "BTC", interval: "1m", startTime: 1, endTime: 2 },
        },
        { type: "candleSnapshot", req: { coin: "BTC", interval: "1m", startTime: 100 } },
      ),
    ).toEqual([true, true]);
    expect(
      requestsMatch(
        { type: "candleSnapshot", req: { coin: "BTC", interval: "1m", startTime: 1 } },
        { type: "candleSnapshot", req: { coin: "BTC", interval: "1h", startTime: 1 } },
      ),
    ).toBe(false);
  });

  it("keeps startTime significant for types that are not range types", () => {
    expect(
      requestsMatch(
        { type: "userFills", user: LIQUIDATOR, startTime: 1 },
        { type: "userFills", user: LIQUIDATOR, startTime: 2 },
      ),
    ).toBe(false);
  });
});

describe("matchableRequest", () => {
  it("strips the range at the top level or inside the nested req", () => {
    expect(
      matchableRequest({ type: "userFunding", user: LIQUIDATOR, startTime: 1, endTime: 2 }),
    ).toEqual({ type: "userFunding", user: LIQUIDATOR });
    expect(
      matchableRequest({
        type: "candleSnapshot",
        req: { coin: "ETH", interval: "1h", startTime: 1, endTime: 2 },
      }),
    ).toEqual({ type: "candleSnapshot", req: { coin: "ETH", interval: "1h" } });
    const plain = { type: "clearinghouseState", user: LIQUIDATOR, startTime: 1 };
    expect(matchableRequest(plain)).toBe(plain);
  });
});

describe("applyRange", () => {
  it("keeps only the fundingHistory items inside [startTime, endTime]", () => {
    const items = readFixtureJson(
      "hyperliquid/recorded/yassi80-hyperliquid/fundingHistory_HYPE.json",
    ) as { time: number }[];
    expect(items.length).toBeGreaterThan(10);
    const times = items.map((i) => i.time);
    const start = times[3] as number;
    const end = times[7] as number;
    const out = applyRange(
      { type: "fundingHistory", coin: "HYPE", startTime: start, endTime: end },
      items,
    );
    expect(out).toEqual(items.slice(3, 8));
    const open = applyRange({ type: "fundingHistory", coin: "HYPE", startTime: start }, items);
    expect(open).toEqual(items.filter((i) => i.time >= start));
  });

  it("filters candleSnapshot on the candle open time t, from the nested req", () => {
    const candles = readFixtureJson(
      "hyperliquid/recorded/yassi80-hyperliquid/candleSnapshot_BTC_1m.json",
    ) as { t: number; T: number }[];
    const first = candles[0] as { t: number };
    const req = {
      type: "candleSnapshot",
      req: { coin: "BTC", interval: "1m", startTime: first.t + 60_000, endTime: first.t + 120_000 },
    };
    expect(applyRange(req, candles)).toEqual(candles.slice(1, 3));
  });

  it("filters userFillsByTime on time, and leaves other types and non-arrays alone", () => {
    const fills = [
      { coin: "ETH", time: 100 },
      { coin: "ETH", time: 200 },
      { coin: "ETH", time: 300 },
    ];
    expect(
      applyRange(
        { type: "userFillsByTime", user: LIQUIDATOR, startTime: 150, endTime: 300 },
        fills,
      ),
    ).toEqual(fills.slice(1));
    expect(applyRange({ type: "userFills", user: LIQUIDATOR, startTime: 150 }, fills)).toBe(fills);
    const obj = { time: 1 };
    expect(applyRange({ type: "fundingHistory", coin: "X", startTime: 5 }, obj)).toBe(obj);
  });
});
