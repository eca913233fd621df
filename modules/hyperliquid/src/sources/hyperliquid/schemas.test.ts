import { readdirSync, readFileSync } from "node:fs";
import { fixturePath, readFixtureJson } from "@kamiyo/testing";
import { describe, expect, it } from "vitest";
import type { z } from "zod";
import { validate } from "../validate.ts";
import {
  allPerpMetasSchema,
  candlesSchema,
  clearinghouseStateSchema,
  fillsSchema,
  fundingHistorySchema,
  l2BookSchema,
  metaAndAssetCtxsSchema,
  metaSchema,
  predictedFundingsSchema,
  spotMetaSchema,
  userRoleSchema,
} from "./schemas.ts";
import { parseFrame } from "./ws-frames.ts";

const RECORDED = "hyperliquid/recorded";

function parse<S extends z.ZodType>(schema: S, file: string): z.output<S> {
  const res = validate(schema, readFixtureJson(RECORDED, file));
  if (!res.ok) throw new Error(`${file}: ${res.error}`);
  return res.value;
}

function frame(file: string) {
  const res = parseFrame(readFileSync(fixturePath(RECORDED, file), "utf8"));
  if (!res.ok) throw new Error(`${file}: ${res.error}`);
  return res.frame;
}

/** Every real recording, with what its parsed form must show. */
const CASES: Record<string, () => void> = {
  "yassi80-hyperliquid/candleSnapshot_BTC_1m.json": () => {
    const c = parse(candlesSchema, "yassi80-hyperliquid/candleSnapshot_BTC_1m.json");
    expect(c).toHaveLength(61);
    expect(c[0]).toMatchObject({ t: 1790514720000, s: "BTC", i: "1m", o: 84723, c: 84659, n: 292 });
  },
  "yassi80-hyperliquid/candleSnapshot_ETH_1h.json": () => {
    const c = parse(candlesSchema, "yassi80-hyperliquid/candleSnapshot_ETH_1h.json");
    expect(c).toHaveLength(25);
    expect(c.every((k) => k.h >= Math.max(k.o, k.c) && k.l <= Math.min(k.o, k.c))).toBe(true);
  },
  "yassi80-hyperliquid/clearinghouseState.json": () => {
    const s = parse(clearinghouseStateSchema, "yassi80-hyperliquid/clearinghouseState.json");
    expect(s.accountValue).toBeCloseTo(3119882.273384, 5);
    expect(s.positions).toHaveLength(6);
    const btc = s.positions.find((p) => p.coin === "BTC");
    expect(btc).toMatchObject({ szi: 0.5681, entryPx: 84255.8, liquidationPx: null });
    expect(s.positions.some((p) => p.szi < 0 && p.liquidationPx !== null)).toBe(true);
  },
  "yassi80-hyperliquid/fundingHistory_HYPE.json": () => {
    const f = parse(fundingHistorySchema, "yassi80-hyperliquid/fundingHistory_HYPE.json");
    expect(f).toHaveLength(480);
    expect(f[0]).toEqual({
      coin: "HYPE",
      fundingRate: 0.0000125,
      premium: 0.000268943,
      time: 1788793200045,
    });
  },
  "yassi80-hyperliquid/metaAndAssetCtxs.json": () => {
    const a = parse(metaAndAssetCtxsSchema, "yassi80-hyperliquid/metaAndAssetCtxs.json");
    expect(a.map((x) => x.coin)).toEqual(["BTC", "ETH", "SOL", "HYPE"]);
    expect(a[0]).toMatchObject({
      markPx: 84981,
      oraclePx: 85005,
      midPx: 84980.5,
      funding: 0.0000125,
      openInterest: 38359.47984,
      impactBidPx: 84980,
      impactAskPx: 84981,
      maxLeverage: 40,
      isDelisted: false,
    });
  },
  "yassi80-hyperliquid/predictedFundings.json": () => {
    const p = parse(predictedFundingsSchema, "yassi80-hyperliquid/predictedFundings.json");
    expect(p.map(([coin]) => coin)).toEqual(["BTC", "ETH", "HYPE", "SOL"]);
    const hype = p.find(([coin]) => coin === "HYPE")?.[1] ?? [];
    expect(
      hype
        .filter(([, v]) => v === null)
        .map(([venue]) => venue)
        .sort(),
    ).toEqual(["BinPerp", "BybitPerp"]);
  },
  "yassi80-hyperliquid/spotMeta.json": () => {
    const s = parse(spotMetaSchema, "yassi80-hyperliquid/spotMeta.json");
    expect(s.universe.find((u) => u.name === "@107")?.tokens).toEqual([150, 0]);
    expect(s.tokens.find((t) => t.index === 150)?.name).toBe("HYPE");
  },
  "yassi80-hyperliquid/userFills_liquidator.json": () => {
    const f = parse(fillsSchema, "yassi80-hyperliquid/userFills_liquidator.json");
    expect(f).toHaveLength(5);
    const backstop = f.filter((x) => x.liquidation?.method === "backstop");
    expect(backstop).toHaveLength(2);
    expect(backstop[0]).toMatchObject({
      coin: "HMSTR",
      sz: 13385820,
      dir: "Liquidated Isolated Short",
      liquidation: {
        liquidatedUser: "0xcb02837caaee310c178501855b63bf7f4f4b1f8b",
        markPx: 0.000231,
      },
    });
    expect(f.filter((x) => x.liquidation === null)).toHaveLength(3);
  },
  "yassi80-hyperliquid/userRole_vault.json": () => {
    expect(parse(userRoleSchema, "yassi80-hyperliquid/userRole_vault.json")).toEqual({
      role: "vault",
    });
  },
  "nautilus_trader/http_all_perp_metas_non_usdc_collateral.json": () => {
    const m = parse(
      allPerpMetasSchema,
      "nautilus_trader/http_all_perp_metas_non_usdc_collateral.json",
    );
    expect(m.map((d) => d.collateralToken)).toEqual([0, 360, 235]);
    expect(m[1]?.universe[0]?.name).toBe("km:US500");
  },
  "nautilus_trader/http_l2_book_btc.json": () => {
    const b = parse(l2BookSchema, "nautilus_trader/http_l2_book_btc.json");
    expect(b?.bids).toHaveLength(5);
    expect(b?.asks[0]).toEqual({ px: 110428, sz: 3.72573, n: 0 });
    expect((b?.bids[0]?.px ?? 0) < (b?.asks[0]?.px ?? 0)).toBe(true);
  },
  "nautilus_trader/http_meta_perp_sample.json": () => {
    const m = parse(metaSchema, "nautilus_trader/http_meta_perp_sample.json");
    expect(m.universe.map((u) => [u.name, u.isDelisted])).toEqual([
      ["BTC", null],
      ["ETH", null],
      ["ATOM", null],
    ]);
  },
  "nautilus_trader/http_user_fills_dust_conversion.json": () => {
    const f = parse(fillsSchema, "nautilus_trader/http_user_fills_dust_conversion.json");
    expect(f).toHaveLength(5);
    expect(f.map((x) => x.dir)).toContain("Spot Dust Conversion");
    expect(f.some((x) => x.tid === 0)).toBe(true);
  },
  "nautilus_trader/ws_all_dexs_asset_ctxs.json": () => {
    const fr = frame("nautilus_trader/ws_all_dexs_asset_ctxs.json");
    if (fr.channel !== "allDexsAssetCtxs") throw new Error(fr.channel);
    expect(fr.dexes.map((d) => d.dex).sort()).toEqual([
      "",
      "abcd",
      "cash",
      "flx",
      "hyna",
      "km",
      "para",
      "vntl",
      "xyz",
    ]);
    expect(fr.dexes.reduce((n, d) => n + d.ctxs.length, 0)).toBe(412);
    expect(fr.dexes[0]?.ctxs[0]?.markPx).toBe(77562);
    expect(fr.dexes.some((d) => d.ctxs.some((c) => c.midPx === null && c.impactPxs === null))).toBe(
      true,
    );
  },
  "nautilus_trader/ws_allmids.json": () => {
    const fr = frame("nautilus_trader/ws_allmids.json");
    if (fr.channel !== "allMids") throw new Error(fr.channel);
    expect(fr.mids.get("BTC")).toBe(80868.5);
    expect(fr.mids.get("PURR/USDC")).toBe(0.067131);
  },
  "nautilus_trader/ws_user_fill_liquidation.json": () => {
    const fr = frame("nautilus_trader/ws_user_fill_liquidation.json");
    if (fr.channel !== "user") throw new Error(fr.channel);
    expect(fr.fills[0]?.liquidation).toEqual({
      liquidatedUser: "0x360878d351f05975e25f1807a27895e1e5e004fb",
      markPx: 66607,
      method: "market",
    });
  },
};

describe("parsers on every real recorded Hyperliquid fixture", () => {
  it("covers each fixture file", () => {
    const files = ["yassi80-hyperliquid", "nautilus_trader"].flatMap((dir) =>
      readdirSync(fixturePath(RECORDED, dir))
        .filter((f) => f.endsWith(".json"))
        .map((f) => `${dir}/${f}`),
    );
    expect(files.sort()).toEqual(Object.keys(CASES).sort());
  });
  for (const [file, check] of Object.entries(CASES)) it(file, check);
});

describe("edge validation", () => {
  it("rejects exponent and blank decimals instead of guessing", () => {
    const summary = {
      accountValue: "1e6",
      totalNtlPos: "0",
      totalRawUsd: "0",
      totalMarginUsed: "0",
    };
    const bad = { marginSummary: summary, withdrawable: "0", assetPositions: [], time: 1 };
    const res = validate(clearinghouseStateSchema, bad);
    expect(res.ok).toBe(false);
    if (!res.ok) expect(res.error).toContain("marginSummary.accountValue");
  });

  it("tolerates unknown fields and reports a missing required one by path", () => {
    const extra = validate(userRoleSchema, { role: "user", newField: 1 });
    expect(extra).toEqual({ ok: true, value: { role: "user" } });
    const meta = readFixtureJson(RECORDED, "yassi80-hyperliquid/metaAndAssetCtxs.json") as [
      unknown,
      Record<string, unknown>[],
    ];
    const ctxs = meta[1].map((c, i) => (i === 2 ? { ...c, markPx: undefined } : c));
    const res = validate(metaAndAssetCtxsSchema, [meta[0], ctxs]);
    expect(res.ok).toBe(false);
    if (!res.ok)
      expect(res.error).toBe("1.2.markPx: Invalid input: expected string, received undefined");
  });

  it("classifies the greeting, non-JSON, unknown channels and bad payloads", () => {
    expect(parseFrame("Websocket connection established.")).toEqual({
      ok: true,
      frame: { channel: "greeting" },
    });
    expect(parseFrame("<html>")).toMatchObject({ ok: false, reason: "malformed" });
    expect(parseFrame('{"channel":"notification","data":{}}')).toEqual({
      ok: true,
      frame: { channel: "other", name: "notification" },
    });
    expect(parseFrame('{"channel":"trades","data":[{"coin":"ETH"}]}')).toMatchObject({
      ok: false,
      reason: "invalid",
      channel: "trades",
    });
    expect(parseFrame('{"data":1}')).toMatchObject({ ok: false, reason: "invalid" });
    expect(parseFrame('{"channel":"pong"}')).toEqual({ ok: true, frame: { channel: "pong" } });
  });
});
