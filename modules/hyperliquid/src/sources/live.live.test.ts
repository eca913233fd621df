/**
 * The live suite: real Hyperliquid, Binance and Coinbase endpoints, through the same clients
 * and schemas the monitor uses. Needs the internet; runs only with KAMIYO_LIVE=1
 * (`npm run test:live`). Nothing here is a replay.
 */
import {
  FetchHttpClient,
  requestWithRetry,
  SystemClock,
  seededRandom,
  silentLogger,
  TokenBucket,
} from "@kamiyo/core";
import { describe, expect, it } from "vitest";
import WebSocket from "ws";
import { HLP_PARENT } from "./hyperliquid/family.ts";
import { InfoClient } from "./hyperliquid/info-client.ts";
import {
  clearinghouseStateSchema,
  metaAndAssetCtxsSchema,
  oiCapSchema,
  portfolioSchema,
  vaultDetailsSchema,
} from "./hyperliquid/schemas.ts";
import { parseFrame } from "./hyperliquid/ws-frames.ts";

const live = process.env.KAMIYO_LIVE === "1";
const clock = new SystemClock();
const http = new FetchHttpClient({ userAgent: "kamiyo-live-test", timeoutMs: 15_000 });
const info = new InfoClient({
  url: "https://api.hyperliquid.xyz/info",
  http,
  budget: new TokenBucket(clock, 600, 200),
  clock,
  random: seededRandom(1),
  log: silentLogger,
  retries: 2,
  backoff: { initialMs: 500, maxMs: 4_000, factor: 2 },
  signal: new AbortController().signal,
});

describe.skipIf(!live)("live: Hyperliquid", () => {
  it("parses metaAndAssetCtxs for every listed perp", async () => {
    const assets = await info.request({ type: "metaAndAssetCtxs" }, metaAndAssetCtxsSchema);
    expect(assets.length).toBeGreaterThan(100);
    expect(assets.find((a) => a.coin === "BTC")?.markPx).toBeGreaterThan(0);
  });

  it("discovers the HLP family and reads its liquidator's state and the parent's portfolio", async () => {
    const details = await info.request(
      { type: "vaultDetails", vaultAddress: HLP_PARENT },
      vaultDetailsSchema,
    );
    const children = details?.relationship?.data?.childAddresses ?? [];
    expect(children.length).toBeGreaterThanOrEqual(3);
    const names = await Promise.all(
      children.map(
        async (a) =>
          (await info.request({ type: "vaultDetails", vaultAddress: a }, vaultDetailsSchema))
            ?.name ?? "",
      ),
    );
    const liquidator = children[names.findIndex((n) => /liquidator/i.test(n))];
    expect(liquidator).toBeDefined();
    const state = await info.request(
      { type: "clearinghouseState", user: liquidator as string },
      clearinghouseStateSchema,
    );
    expect(state.accountValue).toBeGreaterThanOrEqual(0);
    const p = await info.request({ type: "portfolio", user: HLP_PARENT }, portfolioSchema);
    expect(p.day.pnl.length).toBeGreaterThan(1);
    expect(Array.isArray(await info.request({ type: "perpsAtOpenInterestCap" }, oiCapSchema))).toBe(
      true,
    );
  });

  it("streams BTC trades over the WebSocket after the plain-text greeting", async () => {
    const ws = new WebSocket("wss://api.hyperliquid.xyz/ws");
    const channels: string[] = [];
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`no trades within 60 s; saw ${channels.join(",")}`)),
        60_000,
      );
      ws.on("error", (err) => {
        clearTimeout(timer);
        reject(err);
      });
      ws.on("open", () =>
        ws.send(
          JSON.stringify({ method: "subscribe", subscription: { type: "trades", coin: "BTC" } }),
        ),
      );
      ws.on("message", (data) => {
        const r = parseFrame(data.toString());
        expect(r.ok).toBe(true);
        if (!r.ok) return;
        channels.push(r.frame.channel);
        if (r.frame.channel === "trades") {
          clearTimeout(timer);
          resolve();
        }
      });
    });
    ws.close();
    expect(channels).toContain("subscriptionResponse");
  }, 70_000);
});

describe.skipIf(!live)("live: cross-check venues", () => {
  const retry = {
    clock,
    random: seededRandom(1),
    retries: 2,
    backoff: { initialMs: 500, maxMs: 4_000, factor: 2 },
  };

  it("reads Binance ticker prices (or its market-data mirror where the main host is geo-blocked)", async () => {
    let res = await http.request({
      url: "https://api.binance.com/api/v3/ticker/price?symbol=BTCUSDT",
    });
    if (res.status === 451 || res.status === 403)
      res = await http.request({
        url: "https://data-api.binance.vision/api/v3/ticker/price?symbol=BTCUSDT",
      });
    expect(res.status).toBe(200);
    expect(Number((res.body as { price: string }).price)).toBeGreaterThan(0);
  });

  it("reads Coinbase Exchange tickers, USDT-USD included", async () => {
    const res = await requestWithRetry(
      http,
      { url: "https://api.exchange.coinbase.com/products/USDT-USD/ticker" },
      retry,
    );
    expect(Number((res.body as { price: string }).price)).toBeGreaterThan(0.9);
  });
});
