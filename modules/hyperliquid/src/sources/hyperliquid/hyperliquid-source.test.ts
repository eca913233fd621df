import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import {
  FetchHttpClient,
  IoTracker,
  type SourceContext,
  type SourceInstance,
  SystemClock,
  seededRandom,
  silentLogger,
} from "@kamiyo/core";
import { afterEach, describe, expect, it } from "vitest";
import { type RawData, WebSocketServer } from "ws";
import type { HlObservation } from "../../observations.ts";
import { hyperliquidConfig } from "./config.ts";
import { hyperliquidSource } from "./hyperliquid-source.ts";
import { GREETING } from "./ws-frames.ts";

const PARENT = "0xdfc24b077bc1425ad1dea75bcb6f8158e10df303";
const LIQ = "0x2e3d94f0562703b25c83308a05046ddaf9a8dd14";
const OTHER = "0x0000000000000000000000000000000000000001";

async function waitFor(cond: () => boolean, timeoutMs = 10_000, what = "condition"): Promise<void> {
  const start = Date.now();
  while (!cond()) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms: ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

function rawFill(tid: number, time: number) {
  return {
    coin: "ETH",
    px: "1915.3",
    sz: "0.5",
    side: "B",
    time,
    startPosition: "0",
    dir: "Open Long",
    closedPnl: "0",
    hash: "0xdef",
    oid: 1,
    tid,
    crossed: true,
    fee: "0.1",
    liquidation: { liquidatedUser: OTHER, markPx: "1915", method: "market" },
  };
}

const PERIOD = { accountValueHistory: [[1741767423000, "1000"]], pnlHistory: [], vlm: "0" };

/** Minimal valid answers to every info request the source makes. */
function infoAnswer(body: { type?: string; user?: string; vaultAddress?: string }): unknown {
  switch (body.type) {
    case "vaultDetails":
      return body.vaultAddress === PARENT
        ? {
            name: "Hyperliquidity Provider (HLP)",
            vaultAddress: PARENT,
            leader: OTHER,
            isClosed: false,
            relationship: { type: "parent", data: { childAddresses: [LIQ] } },
          }
        : null;
    case "metaAndAssetCtxs":
      return [
        { universe: [{ name: "ETH", szDecimals: 4, maxLeverage: 25 }] },
        [
          {
            funding: "0.0000125",
            openInterest: "1000",
            prevDayPx: "1900",
            dayNtlVlm: "1000000",
            oraclePx: "1915",
            markPx: "1915.3",
          },
        ],
      ];
    case "clearinghouseState":
      return {
        marginSummary: {
          accountValue: "1000",
          totalNtlPos: "0",
          totalRawUsd: "1000",
          totalMarginUsed: "0",
        },
        withdrawable: "1000",
        assetPositions: [],
        time: Date.now(),
      };
    case "portfolio":
      return ["day", "week", "month", "allTime"].map((p) => [p, PERIOD]);
    case "perpsAtOpenInterestCap":
      return [];
    case "userFillsByTime":
      return [rawFill(77, 1741767424000)];
    default:
      return undefined;
  }
}

interface InfoRequest {
  type: string;
  user?: string;
  startTime?: number;
}

interface Fixture {
  source: SourceInstance;
  io: IoTracker;
  abort: AbortController;
  observations: HlObservation[];
  infoRequests: InfoRequest[];
  /** Messages each WS connection received (index 0 = first connection). */
  wsMessages: Record<string, unknown>[][];
  wss: WebSocketServer;
  done: Promise<void>;
}

const cleanups: (() => Promise<void>)[] = [];

afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function start(): Promise<Fixture> {
  const infoRequests: InfoRequest[] = [];
  const http: Server = createServer((req, res) => {
    let text = "";
    req.on("data", (c: Buffer) => {
      text += c.toString();
    });
    req.on("end", () => {
      const body = JSON.parse(text) as InfoRequest;
      infoRequests.push(body);
      const answer = infoAnswer(body);
      if (answer === undefined) res.writeHead(400).end("unknown request");
      else res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(answer));
    });
  });
  await new Promise<void>((r) => http.listen(0, "127.0.0.1", r));
  cleanups.push(async () => {
    http.closeAllConnections();
    await new Promise((r) => http.close(r));
  });

  const wsMessages: Record<string, unknown>[][] = [];
  const wss = new WebSocketServer({ host: "127.0.0.1", port: 0 });
  await new Promise<void>((r) => wss.once("listening", r));
  wss.on("connection", (ws) => {
    const log: Record<string, unknown>[] = [];
    wsMessages.push(log);
    ws.on("error", () => {});
    ws.send(GREETING);
    ws.on("message", (data: RawData) => {
      const msg = JSON.parse(data.toString()) as Record<string, unknown>;
      log.push(msg);
      if (msg.method === "ping") ws.send('{"channel":"pong"}');
      else if (msg.method === "subscribe" || msg.method === "unsubscribe")
        ws.send(JSON.stringify({ channel: "subscriptionResponse", data: msg }));
    });
  });
  cleanups.push(async () => {
    for (const ws of wss.clients) ws.terminate();
    await new Promise((r) => wss.close(r));
  });

  const config = hyperliquidConfig.parse({
    infoUrl: `http://127.0.0.1:${(http.address() as AddressInfo).port}/info`,
    wsUrl: `ws://127.0.0.1:${(wss.address() as AddressInfo).port}/ws`,
    hlpVault: PARENT,
    extraLiquidators: [],
    familySeed: [{ address: LIQ, name: "HLP Liquidator", role: "liquidator" }],
    tradeCoins: ["ETH"],
    weightPerMinute: 1200,
    marketPollMs: 600_000,
    vaultStatePollMs: 600_000,
    familyStatePollMs: 600_000,
    portfolioPollMs: 600_000,
    childPortfolioPollMs: 600_000,
    familyRefreshMs: 600_000,
    oiCapPollMs: 600_000,
    pingIntervalMs: 1_000,
    pongTimeoutMs: 1_000,
    ackTimeoutMs: 1_000,
    reconnectInitialMs: 20,
    reconnectMaxMs: 200,
    retries: 0,
  });
  const io = new IoTracker();
  const abort = new AbortController();
  const observations: HlObservation[] = [];
  const ctx: SourceContext<HlObservation> = {
    signal: abort.signal,
    log: silentLogger,
    clock: new SystemClock(),
    random: seededRandom(3),
    http: new FetchHttpClient({ userAgent: "test", timeoutMs: 2000, io }),
    io,
    emit: (obs) => {
      observations.push(obs);
      return true;
    },
    watch: () => {},
  };
  const source = hyperliquidSource.create(config, ctx);
  const done = source.run();
  cleanups.push(async () => {
    abort.abort();
    await done;
  });
  return { source, io, abort, observations, infoRequests, wsMessages, wss, done };
}

function fills(f: Fixture): Extract<HlObservation, { type: "fills" }>[] {
  return f.observations.filter(
    (o): o is Extract<HlObservation, { type: "fills" }> => o.type === "fills",
  );
}

/** Waits until the source is connected, subscribed to the liquidator's fills and done starting up. */
async function ready(f: Fixture): Promise<void> {
  await waitFor(
    () =>
      f.source.health().counters.wsGreetings === 1 &&
      (f.wsMessages[0] ?? []).some(
        (m) => m.method === "subscribe" && JSON.stringify(m.subscription).includes(LIQ),
      ),
    10_000,
    "subscribed to the liquidator's fills",
  );
  await waitFor(
    () => f.observations.some((o) => o.type === "vaultFamily" && o.discovered),
    10_000,
    "family discovered",
  );
  await waitFor(() => f.source.health().status === "up", 10_000, "every poll succeeded");
  // Acks and pongs still on their way would move the gap start past the drop.
  await waitFor(() => f.io.inFlight === 0, 10_000, "acks received, nothing in flight");
}

function dropWebSocket(f: Fixture): void {
  for (const ws of f.wss.clients) ws.terminate();
}

describe("hyperliquidSource fill backfill after a WebSocket gap", () => {
  it("asks userFillsByTime from before the gap and emits the backfilled fills", async () => {
    const testStart = Date.now();
    const f = await start();
    await ready(f);
    expect(f.infoRequests.some((r) => r.type === "userFillsByTime")).toBe(false);
    expect(fills(f)).toHaveLength(0);

    const droppedAt = Date.now();
    dropWebSocket(f);

    await waitFor(() => fills(f).length === 1, 10_000, "backfilled fills");
    const backfills = f.infoRequests.filter((r) => r.type === "userFillsByTime");
    expect(backfills).toHaveLength(1);
    expect(backfills[0]?.user).toBe(LIQ);
    // startTime = gap start (last WS frame received, before the drop) minus a margin.
    const startTime = backfills[0]?.startTime ?? Number.NaN;
    expect(startTime).toBeLessThanOrEqual(droppedAt - 1_000);
    expect(startTime).toBeGreaterThanOrEqual(testStart - 1_000);

    expect(fills(f)[0]).toMatchObject({
      type: "fills",
      user: LIQ,
      snapshot: false,
      fills: [
        {
          coin: "ETH",
          px: 1915.3,
          sz: 0.5,
          side: "B",
          tid: 77,
          time: 1741767424000,
          liquidation: { liquidatedUser: OTHER, markPx: 1915, method: "market" },
        },
      ],
    });

    // The new connection resubscribed the liquidator's fills and the trades stream.
    await waitFor(() => f.wsMessages.length === 2, 10_000, "second connection");
    await waitFor(
      () => (f.wsMessages[1] ?? []).filter((m) => m.method === "subscribe").length === 2,
      10_000,
      "resubscribed",
    );
    expect(f.source.health().counters.wsReconnects).toBe(1);

    f.abort.abort();
    await f.done;
    await waitFor(() => f.io.inFlight === 0, 5_000, "I/O released after abort");
  });

  it("starts the backfill just before the gap, not at an older fill already received", async () => {
    const f = await start();
    await ready(f);
    // A snapshot over the WebSocket with a fill from a minute ago.
    const lastFill = Date.now() - 60_000;
    const ws = [...f.wss.clients][0];
    ws?.send(
      JSON.stringify({
        channel: "userFills",
        data: { user: LIQ, isSnapshot: true, fills: [rawFill(5, lastFill)] },
      }),
    );
    await waitFor(() => fills(f).length === 1, 10_000, "snapshot fills");
    expect(fills(f)[0]).toMatchObject({ user: LIQ, snapshot: true, fills: [{ tid: 5 }] });

    const beforeDrop = Date.now();
    dropWebSocket(f);
    await waitFor(() => fills(f).length === 2, 10_000, "backfilled fills");
    const backfills = f.infoRequests.filter((r) => r.type === "userFillsByTime");
    expect(backfills).toHaveLength(1);
    const startTime = backfills[0]?.startTime as number;
    expect(startTime).toBeGreaterThan(lastFill);
    expect(startTime).toBeLessThanOrEqual(beforeDrop - 1_000);
    expect(fills(f)[1]).toMatchObject({ user: LIQ, snapshot: false, fills: [{ tid: 77 }] });
  });
});
