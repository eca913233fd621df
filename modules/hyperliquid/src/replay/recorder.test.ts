import { once } from "node:events";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  FetchHttpClient,
  type HttpRequest,
  type HttpResponse,
  silentLogger,
  VirtualClock,
} from "@kamiyo/core";
import type { ReplayLine } from "@kamiyo/replay";
import {
  isFrame,
  isMeta,
  RecordingHttpClient,
  ReplayReader,
  ReplayWriter,
  recordFrames,
} from "@kamiyo/replay";
import { readFixtureJson } from "@kamiyo/testing";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { HL_LINES } from "./replay-module.ts";
import { ReplayServer } from "./replay-server.ts";

const T0 = 1_741_747_200_000;
const LIQUIDATOR = "0x2e3d94f0562703b25c83308a05046ddaf9a8dd14";
const CHILD = "0x010461c14e146ac35fe42271bdc1134ee31c703a";
const TICKER = "/api/v3/ticker/price";

const fixture = (name: string) => readFixtureJson("hyperliquid/recorded/yassi80-hyperliquid", name);

/** The recording the first server replays. */
function original(): ReplayLine[] {
  return [
    {
      ts: T0,
      src: "hl.info",
      req: { type: "clearinghouseState", user: CHILD },
      res: fixture("clearinghouseState.json"),
    },
    {
      ts: T0,
      src: "hl.info",
      req: { type: "metaAndAssetCtxs" },
      res: "Too many requests",
      status: 429,
    },
    {
      ts: T0,
      src: "hl.info",
      req: { type: "userFillsByTime", user: LIQUIDATOR, startTime: 0 },
      res: fixture("userFills_liquidator.json"),
    },
    {
      ts: T0,
      src: "binance",
      req: { path: TICKER, query: { symbol: "ETHUSDT" } },
      res: { symbol: "ETHUSDT", price: "1915.10000000" },
    },
    {
      ts: T0,
      src: "coinbase",
      req: { path: "/products/ETH-USD/ticker" },
      res: { ask: "1915.2", bid: "1915.1", price: "1915.15", time: "2025-03-12T00:00:00.0Z" },
    },
  ];
}

const fills = {
  channel: "userFills",
  data: { isSnapshot: true, user: LIQUIDATOR, fills: fixture("userFills_liquidator.json") },
};
const trades = {
  channel: "trades",
  data: [
    {
      coin: "ETH",
      side: "B",
      px: "1915.0",
      sz: "2.5",
      time: T0 + 2_000,
      hash: "0x3995b356b05a726a3b0f0442b43f850203cc003c4b5d913cdd5e5ea96f5e4c54",
      tid: 802203254918733,
      users: [LIQUIDATOR, CHILD],
    },
  ],
};

/** The requests the sources would make, tagged as they tag them. */
function requests(base: string): HttpRequest[] {
  const info = (body: Record<string, unknown>): HttpRequest => ({
    url: `${base}/info`,
    method: "POST",
    body,
    tag: { src: "hl.info", req: body },
  });
  return [
    info({ type: "clearinghouseState", user: CHILD }),
    info({ type: "metaAndAssetCtxs" }),
    info({ type: "userFillsByTime", user: LIQUIDATOR, startTime: 0 }),
    info({ type: "l2Book", coin: "ETH" }),
    {
      url: `${base}/binance${TICKER}?symbol=ETHUSDT`,
      tag: { src: "binance", req: { path: TICKER, query: { symbol: "ETHUSDT" } } },
    },
    {
      url: `${base}/binance${TICKER}?${new URLSearchParams({ symbols: '["ETHUSDT"]' })}`,
      tag: { src: "binance", req: { path: TICKER, query: { symbols: '["ETHUSDT"]' } } },
    },
    {
      url: `${base}/coinbase/products/ETH-USD/ticker`,
      tag: { src: "coinbase", req: { path: "/products/ETH-USD/ticker" } },
    },
  ];
}

let dir: string;
const servers: ReplayServer[] = [];
const sockets: WebSocket[] = [];

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "kamiyo-record-"));
});

afterEach(async () => {
  for (const ws of sockets.splice(0)) ws.terminate();
  for (const s of servers.splice(0)) await s.close();
  rmSync(dir, { recursive: true, force: true });
});

async function serve(lines: ReplayLine[]): Promise<ReplayServer> {
  const server = await ReplayServer.start(silentLogger);
  servers.push(server);
  for (const l of lines) if (!isFrame(l) && !isMeta(l)) server.load(l);
  return server;
}

async function readBack(path: string): Promise<ReplayLine[]> {
  const reader = new ReplayReader(path, silentLogger, HL_LINES);
  const out: ReplayLine[] = [];
  for (let l = await reader.next(); l; l = await reader.next()) out.push(l);
  expect(reader.stats).toMatchObject({ malformed: 0, unknownSrc: 0, outOfOrder: 0 });
  return out;
}

function http(): FetchHttpClient {
  return new FetchHttpClient({ userAgent: "t", timeoutMs: 2_000 });
}

describe("record → replay round trip", () => {
  it("records exchanges and frames verbatim, and replays them identically", async () => {
    const server = await serve(original());
    const clock = new VirtualClock(T0 + 1_000);
    const path = join(dir, "rec.ndjson");
    const writer = new ReplayWriter(path);
    const recording = new RecordingHttpClient(http(), writer, clock);

    const answers: HttpResponse[] = [];
    for (const req of requests(server.url)) {
      answers.push(await recording.request(req));
      clock.advanceTo(clock.now() + 100);
    }
    // Untagged requests are passed through without being recorded.
    const untagged = await recording.request({
      url: `${server.url}/info`,
      method: "POST",
      body: { type: "clearinghouseState", user: CHILD },
    });
    expect(untagged.status).toBe(200);
    expect(answers.map((a) => a.status)).toEqual([200, 429, 200, 404, 200, 200, 200]);

    // Frames, through the tap the monitor gives its WebSocket source.
    const tap = recordFrames(writer, clock);
    const ws = new WebSocket(`${server.url.replace("http", "ws")}/ws`);
    sockets.push(ws);
    let received = 0;
    ws.on("message", (data) => {
      received++;
      tap("hl.ws", data.toString());
    });
    await once(ws, "open");
    ws.send(
      JSON.stringify({
        method: "subscribe",
        subscription: { type: "userFills", user: LIQUIDATOR },
      }),
    );
    ws.send(JSON.stringify({ method: "subscribe", subscription: { type: "trades", coin: "ETH" } }));
    ws.send(JSON.stringify({ method: "ping" }));
    while (received < 4) await new Promise((r) => setTimeout(r, 5));
    clock.advanceTo(T0 + 2_000);
    server.push(fills);
    await server.barrier();
    clock.advanceTo(T0 + 3_000);
    server.push(trades);
    await server.barrier();
    await writer.close();

    const lines = await readBack(path);
    // Greeting, acks and pong are not recorded; everything else is, in time order.
    expect(lines.map((l) => l.src)).toEqual([
      "hl.info",
      "hl.info",
      "hl.info",
      "hl.info",
      "binance",
      "binance",
      "coinbase",
      "hl.ws",
      "hl.ws",
    ]);
    expect(lines.map((l) => l.ts - T0)).toEqual([
      1_000, 1_100, 1_200, 1_300, 1_400, 1_500, 1_600, 2_000, 3_000,
    ]);
    const exchanges = lines.filter((l) => l.src !== "hl.ws");
    // The recorded req/res (and status when not 200) equal the originals.
    const strip = (l: ReplayLine) => {
      const { ts: _ts, ...rest } = l;
      return rest;
    };
    const orig = original().map(strip);
    expect(strip(exchanges[0] as ReplayLine)).toEqual(orig[0]);
    expect(strip(exchanges[1] as ReplayLine)).toEqual(orig[1]);
    expect(strip(exchanges[2] as ReplayLine)).toEqual(orig[2]);
    expect(strip(exchanges[3] as ReplayLine)).toEqual({
      src: "hl.info",
      req: { type: "l2Book", coin: "ETH" },
      res: { error: expect.stringContaining("no recorded response") },
      status: 404,
    });
    expect(strip(exchanges[4] as ReplayLine)).toEqual(orig[3]);
    expect(strip(exchanges[5] as ReplayLine)).toEqual({
      src: "binance",
      req: { path: TICKER, query: { symbols: '["ETHUSDT"]' } },
      res: [{ symbol: "ETHUSDT", price: "1915.10000000" }],
    });
    expect(strip(exchanges[6] as ReplayLine)).toEqual(orig[4]);
    expect(lines.filter(isFrame).map((l) => l.msg)).toEqual([fills, trades]);

    // Replaying the recording answers the same requests with the same status and body.
    const replayed = await serve(lines);
    const again: HttpResponse[] = [];
    for (const req of requests(replayed.url)) again.push(await http().request(req));
    expect(again.map((a) => [a.status, a.body])).toEqual(answers.map((a) => [a.status, a.body]));
  });

  it("records a non-JSON body as text and replays it as the same value", async () => {
    const clock = new VirtualClock(T0);
    const path = join(dir, "text.ndjson");
    const writer = new ReplayWriter(path);
    const inner = {
      request: async (): Promise<HttpResponse> => ({
        status: 502,
        headers: new Headers(),
        body: "<html>Bad Gateway</html>",
      }),
    };
    const req = { type: "metaAndAssetCtxs" };
    const res = await new RecordingHttpClient(inner, writer, clock).request({
      url: "http://unused/info",
      method: "POST",
      body: req,
      tag: { src: "hl.info", req },
    });
    expect(res.body).toBe("<html>Bad Gateway</html>");
    await writer.close();
    const lines = await readBack(path);
    expect(lines).toEqual([
      { ts: T0, src: "hl.info", req, res: "<html>Bad Gateway</html>", status: 502 },
    ]);
    const server = await serve(lines);
    const replayed = await http().request({ url: `${server.url}/info`, method: "POST", body: req });
    expect([replayed.status, replayed.body]).toEqual([502, "<html>Bad Gateway</html>"]);
  });

  it("stamps an exchange with the time its request was sent", async () => {
    const clock = new VirtualClock(T0);
    const path = join(dir, "stamp.ndjson");
    const writer = new ReplayWriter(path);
    const inner = {
      request: async (): Promise<HttpResponse> => {
        clock.advanceTo(T0 + 7_000);
        return { status: 200, headers: new Headers(), body: [] };
      },
    };
    const req = { type: "perpsAtOpenInterestCap" };
    await new RecordingHttpClient(inner, writer, clock).request({
      url: "http://unused/info",
      body: req,
      tag: { src: "hl.info", req },
    });
    await writer.close();
    expect(await readBack(path)).toEqual([{ ts: T0, src: "hl.info", req, res: [] }]);
  });

  it("recordFrames skips the greeting, control frames and non-JSON text", async () => {
    const clock = new VirtualClock(T0);
    const path = join(dir, "frames.ndjson");
    const writer = new ReplayWriter(path);
    const tap = recordFrames(writer, clock);
    tap("hl.ws", "Websocket connection established.");
    tap("hl.ws", "");
    tap("hl.ws", "{not json");
    tap("hl.ws", '{"channel":"pong"}');
    tap("hl.ws", '{"channel":"subscriptionResponse","data":{"method":"subscribe"}}');
    tap("hl.ws", '{"channel":"post","data":{}}');
    const mids = readFixtureJson("hyperliquid/recorded/nautilus_trader/ws_allmids.json");
    tap("hl.ws", JSON.stringify(mids));
    await writer.close();
    expect(await readBack(path)).toEqual([{ ts: T0, src: "hl.ws", msg: mids }]);
  });
});
