import { once } from "node:events";
import { silentLogger } from "@kamiyo/core";
import { readFixtureJson } from "@kamiyo/testing";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { GREETING } from "../sources/index.ts";
import { ReplayServer } from "./replay-server.ts";

const T0 = 1_741_747_200_000;
const LIQUIDATOR = "0x2e3d94f0562703b25c83308a05046ddaf9a8dd14";
const OTHER = "0x010461c14e146ac35fe42271bdc1134ee31c703a";
const TICKER = "/api/v3/ticker/price";

let server: ReplayServer;
const sockets: WebSocket[] = [];

beforeEach(async () => {
  server = await ReplayServer.start(silentLogger);
});

afterEach(async () => {
  for (const ws of sockets.splice(0)) ws.terminate();
  await server.close();
});

async function info(body: unknown): Promise<{ status: number; body: unknown }> {
  const res = await fetch(`${server.url}/info`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: await res.json() };
}

async function get(path: string): Promise<{ status: number; body: unknown }> {
  const res = await fetch(`${server.url}${path}`);
  return { status: res.status, body: await res.json() };
}

function binancePath(query: Record<string, string>): string {
  const qs = new URLSearchParams(query).toString();
  return `/binance${TICKER}${qs ? `?${qs}` : ""}`;
}

/** A WebSocket client that keeps every text message it received, in order. */
interface TestClient {
  ws: WebSocket;
  received: string[];
  /** Parsed JSON messages after the greeting, without subscription acks. */
  frames(): unknown[];
  send(msg: unknown): void;
  /** Resolves once `n` messages were received in total. */
  waitFor(n: number): Promise<void>;
}

async function connect(): Promise<TestClient> {
  const ws = new WebSocket(`${server.url.replace("http", "ws")}/ws`);
  sockets.push(ws);
  const received: string[] = [];
  const waiters: (() => void)[] = [];
  ws.on("message", (data) => {
    received.push(data.toString());
    for (const w of waiters.splice(0)) w();
  });
  await once(ws, "open");
  const client: TestClient = {
    ws,
    received,
    frames: () =>
      received
        .filter((t) => t !== GREETING)
        .map((t) => JSON.parse(t) as { channel: string })
        .filter((m) => m.channel !== "subscriptionResponse"),
    send: (msg) => ws.send(JSON.stringify(msg)),
    waitFor: async (n) => {
      while (received.length < n) await new Promise<void>((r) => waiters.push(r));
    },
  };
  await client.waitFor(1);
  return client;
}

/** Connects and subscribes, resolving once every subscription was acknowledged. */
async function subscribed(...subs: Record<string, unknown>[]): Promise<TestClient> {
  const c = await connect();
  for (const subscription of subs) c.send({ method: "subscribe", subscription });
  await c.waitFor(1 + subs.length);
  return c;
}

function trades(coin: string, tid: number) {
  return {
    channel: "trades",
    data: [
      {
        coin,
        side: "B",
        px: "1915.0",
        sz: "1.5",
        time: T0,
        hash: "0xabc",
        tid,
        users: [LIQUIDATOR, OTHER],
      },
    ],
  };
}

function userFills(user: string, tid: number) {
  return {
    channel: "userFills",
    data: { user, fills: [{ coin: "ETH", px: "1915.0", sz: "1.0", tid, time: T0 }] },
  };
}

describe("ReplayServer info", () => {
  it("answers with the latest visible response for the request", async () => {
    const req = { type: "clearinghouseState", user: LIQUIDATOR };
    expect((await info(req)).status).toBe(404);
    server.load({ ts: T0, src: "hl.info", req, res: { v: 1 } });
    expect(await info(req)).toEqual({ status: 200, body: { v: 1 } });
    server.load({ ts: T0 + 1_000, src: "hl.info", req, res: { v: 2 } });
    server.load({
      ts: T0 + 1_000,
      src: "hl.info",
      req: { type: "clearinghouseState", user: OTHER },
      res: { v: "other" },
    });
    expect(await info(req)).toEqual({ status: 200, body: { v: 2 } });
    // Key order of the incoming request does not matter.
    expect(await info({ user: LIQUIDATOR, type: "clearinghouseState" })).toEqual({
      status: 200,
      body: { v: 2 },
    });
    expect(server.stats.infoAnswered).toBe(3);
  });

  it("answers a request carrying a default dex from a recording without it", async () => {
    const payload = readFixtureJson(
      "hyperliquid/recorded/yassi80-hyperliquid/metaAndAssetCtxs.json",
    );
    server.load({ ts: T0, src: "hl.info", req: { type: "metaAndAssetCtxs" }, res: payload });
    expect(await info({ type: "metaAndAssetCtxs", dex: "" })).toEqual({
      status: 200,
      body: payload,
    });
  });

  it("answers the latest of several recordings matching the same request", async () => {
    const user = LIQUIDATOR;
    const fills = [
      { coin: "ETH", time: T0 - 5_000 },
      { coin: "ETH", time: T0 - 1_000 },
    ];
    server.load({
      ts: T0,
      src: "hl.info",
      req: { type: "userFillsByTime", user, startTime: T0 - 60_000 },
      res: fills.slice(0, 1),
    });
    server.load({
      ts: T0 + 10,
      src: "hl.info",
      req: { type: "userFillsByTime", user, startTime: T0 - 30_000 },
      res: fills,
    });
    // The range of the request filters the recorded items.
    expect(
      await info({ type: "userFillsByTime", user, startTime: T0 - 2_000, endTime: T0 }),
    ).toEqual({ status: 200, body: fills.slice(1) });
  });

  it("prefers a newer equivalent recording over an older exact one", async () => {
    server.load({ ts: T0, src: "hl.info", req: { type: "metaAndAssetCtxs" }, res: "old" });
    server.load({
      ts: T0 + 5_000,
      src: "hl.info",
      req: { type: "metaAndAssetCtxs", dex: "" },
      res: "new",
    });
    expect(await info({ type: "metaAndAssetCtxs" })).toEqual({ status: 200, body: "new" });
    expect(await info({ type: "metaAndAssetCtxs", dex: "" })).toEqual({
      status: 200,
      body: "new",
    });
  });

  it("prefers the exact recording among equally recent matching ones", async () => {
    const req = (startTime: number) => ({ type: "userFillsByTime", user: OTHER, startTime });
    server.load({ ts: T0, src: "hl.info", req: req(1), res: [{ time: 5, from: 1 }] });
    server.load({ ts: T0, src: "hl.info", req: req(2), res: [{ time: 5, from: 2 }] });
    expect((await info(req(1))).body).toEqual([{ time: 5, from: 1 }]);
    expect((await info(req(2))).body).toEqual([{ time: 5, from: 2 }]);
  });

  it("answers unrecorded requests with 404 and a JSON error, and counts them by type", async () => {
    server.load({
      ts: T0,
      src: "hl.info",
      req: { type: "clearinghouseState", user: LIQUIDATOR },
      res: {},
    });
    const other = await info({ type: "clearinghouseState", user: OTHER });
    expect(other.status).toBe(404);
    expect(other.body).toEqual({
      error: expect.stringMatching(/no recorded response.*clearinghouseState/),
    });
    const l2 = await info({ type: "l2Book", coin: "ETH" });
    expect(l2.status).toBe(404);
    expect(server.stats.infoMissing).toEqual({ clearinghouseState: 1, l2Book: 1 });

    const unknown = await get("/nope");
    expect(unknown.status).toBe(404);
    expect(unknown.body).toEqual({ error: expect.stringContaining("unknown route") });

    const bad = await fetch(`${server.url}/info`, { method: "POST", body: "{oops" });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toEqual({ error: "invalid request" });
  });

  it("replays a recorded non-200 status with its body", async () => {
    const req = { type: "metaAndAssetCtxs" };
    server.load({ ts: T0, src: "hl.info", req, res: "too many requests", status: 429 });
    expect(await info(req)).toEqual({ status: 429, body: "too many requests" });
    server.load({
      ts: T0,
      src: "binance",
      req: { path: TICKER, query: { symbol: "ETHUSDT" } },
      res: { code: -1003, msg: "Too much request weight used" },
      status: 418,
    });
    expect(await get(binancePath({ symbol: "ETHUSDT" }))).toEqual({
      status: 418,
      body: { code: -1003, msg: "Too much request weight used" },
    });
    // An error response does not feed the Binance composition.
    expect((await get(binancePath({}))).status).toBe(404);
  });
});

describe("ReplayServer WebSocket", () => {
  it("greets first, acknowledges subscriptions and answers pings", async () => {
    const c = await connect();
    expect(c.received).toEqual([GREETING]);
    const subscription = { type: "trades", coin: "ETH" };
    c.send({ method: "subscribe", subscription });
    c.send({ method: "ping" });
    c.send({ method: "unsubscribe", subscription });
    c.ws.send("not json");
    c.send({ method: "frobnicate" });
    await c.waitFor(6);
    const msgs = c.received.slice(1).map((t) => JSON.parse(t));
    expect(msgs.slice(0, 3)).toEqual([
      { channel: "subscriptionResponse", data: { method: "subscribe", subscription } },
      { channel: "pong" },
      { channel: "subscriptionResponse", data: { method: "unsubscribe", subscription } },
    ]);
    expect(msgs[3]).toMatchObject({ channel: "error" });
    expect(msgs[4]).toMatchObject({ channel: "error" });
    expect(server.stats.connections).toBe(1);
  });

  it("pushes frames only to clients subscribed to their stream", async () => {
    const eth = await subscribed({ type: "trades", coin: "ETH" });
    const btc = await subscribed({ type: "trades", coin: "BTC" });
    // An upper-case address: subscriptions and frames compare users in lower case.
    const liq = await subscribed({
      type: "userFills",
      user: LIQUIDATOR.toUpperCase().replace("0X", "0x"),
    });
    const other = await subscribed(
      { type: "userFills", user: OTHER },
      { type: "trades", coin: "ETH" },
    );
    const none = await connect();

    const ethTrades = trades("ETH", 1);
    const btcTrades = trades("BTC", 2);
    const liqFills = userFills(LIQUIDATOR, 3);
    const otherFills = userFills(OTHER, 4);
    const unknown = { channel: "notification", data: { notification: "hello" } };
    for (const f of [ethTrades, btcTrades, liqFills, otherFills, unknown]) server.push(f);
    // Frames the server makes itself are never replayed.
    server.push({ channel: "pong" });
    server.push({ channel: "subscriptionResponse", data: { method: "subscribe" } });
    server.push(trades("SOL", 5));
    await server.barrier();

    expect(eth.frames()).toEqual([ethTrades, unknown]);
    expect(btc.frames()).toEqual([btcTrades, unknown]);
    expect(liq.frames()).toEqual([liqFills, unknown]);
    expect(other.frames()).toEqual([ethTrades, otherFills, unknown]);
    expect(none.frames()).toEqual([unknown]);
    expect(server.stats.framesPushed).toBe(5);
    expect(server.stats.framesUndelivered).toBe(1);
  });

  it("stops pushing a stream after unsubscribe", async () => {
    const sub = { type: "trades", coin: "ETH" };
    const c = await subscribed(sub);
    server.push(trades("ETH", 1));
    c.send({ method: "unsubscribe", subscription: sub });
    await c.waitFor(4);
    server.push(trades("ETH", 2));
    await server.barrier();
    expect(c.frames()).toEqual([trades("ETH", 1)]);
  });

  it("routes the recorded allMids fixture to allMids subscribers", async () => {
    const mids = readFixtureJson("hyperliquid/recorded/nautilus_trader/ws_allmids.json");
    const yes = await subscribed({ type: "allMids" });
    const no = await subscribed({ type: "trades", coin: "ETH" });
    server.push(mids);
    await server.barrier();
    expect(yes.frames()).toEqual([mids]);
    expect(no.frames()).toEqual([]);
  });

  it("barrier() resolves only after clients have received every earlier frame", async () => {
    const a = await subscribed({ type: "trades", coin: "ETH" });
    const b = await subscribed({ type: "trades", coin: "ETH" });
    const big = "x".repeat(20_000);
    const n = 200;
    for (let i = 0; i < n; i++) {
      const f = trades("ETH", i);
      (f.data[0] as Record<string, unknown>).hash = big;
      server.push(f);
    }
    await server.barrier();
    // Checked synchronously after the barrier: nothing may still be in flight.
    expect(a.frames()).toHaveLength(n);
    expect(b.frames()).toHaveLength(n);
    expect((a.frames()[n - 1] as ReturnType<typeof trades>).data[0]?.tid).toBe(n - 1);
  });

  it("barrier() resolves at once without clients and survives a closed client", async () => {
    await server.barrier();
    const c = await connect();
    c.ws.close();
    await once(c.ws, "close");
    await server.barrier(1_000);
  });
});

describe("ReplayServer Binance and Coinbase", () => {
  const eth = { symbol: "ETHUSDT", price: "1915.10" };
  const btc = { symbol: "BTCUSDT", price: "82000.00" };
  const sol = { symbol: "SOLUSDT", price: "125.5" };

  it("answers batch and all-symbols requests from per-symbol recordings", async () => {
    server.load({
      ts: T0,
      src: "binance",
      req: { path: TICKER, query: { symbol: "ETHUSDT" } },
      res: eth,
    });
    server.load({
      ts: T0,
      src: "binance",
      req: { path: TICKER, query: { symbol: "BTCUSDT" } },
      res: btc,
    });
    expect(await get(binancePath({ symbols: JSON.stringify(["BTCUSDT", "ETHUSDT"]) }))).toEqual({
      status: 200,
      body: [btc, eth],
    });
    expect(await get(binancePath({ symbols: JSON.stringify(["ETHUSDT", "DOGEUSDT"]) }))).toEqual({
      status: 200,
      body: [eth],
    });
    expect((await get(binancePath({ symbols: JSON.stringify(["DOGEUSDT"]) }))).status).toBe(404);
    const all = await get(binancePath({}));
    expect(all.status).toBe(200);
    expect(all.body).toEqual(expect.arrayContaining([eth, btc]));
    expect(all.body).toHaveLength(2);
    // Binance's own answer to a malformed symbols list.
    const bad = await get(binancePath({ symbols: "[ETHUSDT" }));
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ code: -1100 });
  });

  it("answers a per-symbol request from a batch or an all-symbols recording", async () => {
    server.load({
      ts: T0,
      src: "binance",
      req: { path: TICKER, query: { symbols: JSON.stringify(["BTCUSDT", "ETHUSDT"]) } },
      res: [btc, eth],
    });
    expect(await get(binancePath({ symbol: "ETHUSDT" }))).toEqual({ status: 200, body: eth });
    expect((await get(binancePath({ symbol: "SOLUSDT" }))).status).toBe(404);
    server.load({
      ts: T0 + 1_000,
      src: "binance",
      req: { path: TICKER },
      res: [sol, { ...eth, price: "1920.00" }],
    });
    expect(await get(binancePath({ symbol: "SOLUSDT" }))).toEqual({ status: 200, body: sol });
    // The latest recorded price of a symbol is used.
    expect(await get(binancePath({ symbol: "ETHUSDT" }))).toEqual({
      status: 200,
      body: { ...eth, price: "1920.00" },
    });
    expect(server.stats.restMissing).toBe(1);
  });

  it("does not compose answers for other Binance paths", async () => {
    server.load({
      ts: T0,
      src: "binance",
      req: { path: TICKER, query: { symbol: "ETHUSDT" } },
      res: eth,
    });
    expect((await get("/binance/api/v3/ticker/24hr?symbol=ETHUSDT")).status).toBe(404);
  });

  it("matches Coinbase requests on their path and query", async () => {
    const ticker = {
      price: "1914.87",
      bid: "1914.86",
      ask: "1914.87",
      time: "2025-03-12T00:00:00Z",
    };
    server.load({
      ts: T0,
      src: "coinbase",
      req: { path: "/products/ETH-USD/ticker" },
      res: ticker,
    });
    expect(await get("/coinbase/products/ETH-USD/ticker")).toEqual({ status: 200, body: ticker });
    expect((await get("/coinbase/products/BTC-USD/ticker")).status).toBe(404);
    expect((await get("/coinbase/products/ETH-USD/ticker?level=1")).status).toBe(404);
    // The venue prefix is part of the match.
    expect((await get("/binance/products/ETH-USD/ticker")).status).toBe(404);
    server.load({
      ts: T0,
      src: "coinbase",
      req: { path: "/products/ETH-USD/book", query: { level: "1" } },
      res: { bids: [] },
    });
    expect(await get("/coinbase/products/ETH-USD/book?level=1")).toEqual({
      status: 200,
      body: { bids: [] },
    });
    expect(server.stats.restAnswered).toBe(2);
    expect(server.stats.restMissing).toBe(3);
  });
});
