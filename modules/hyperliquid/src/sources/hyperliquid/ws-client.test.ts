import { createServer, type Server, type Socket } from "node:net";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { BoundedQueue, IoTracker, SystemClock, seededRandom, silentLogger } from "@kamiyo/core";
import { afterEach, describe, expect, it } from "vitest";
import WebSocket, { type RawData, WebSocketServer } from "ws";
import type { Trade } from "../../observations.ts";
import { HyperliquidSocket, type SocketOptions } from "./ws-client.ts";
import { GREETING, type Subscription, type WsFrame } from "./ws-frames.ts";

// ---------------------------------------------------------------------------------------------
// A local server that imitates Hyperliquid's WebSocket and misbehaves on command.
// ---------------------------------------------------------------------------------------------

interface ClientMessage {
  /** 1-based index of the server-side connection that received it. */
  conn: number;
  msg: { method?: string; subscription?: Record<string, unknown> };
}

class FakeHyperliquid {
  readonly wss: WebSocketServer;
  readonly port: number;
  readonly messages: ClientMessage[] = [];
  /** Answer `{"method":"ping"}` with `{"channel":"pong"}`. */
  answerPings = true;
  /** Acknowledge subscriptions. */
  ackSubscriptions = true;
  /** Refuse WebSocket upgrades with HTTP 503 (the TCP port stays open). */
  refuse = false;
  connections = 0;
  refused = 0;
  #current: WebSocket | null = null;

  private constructor(wss: WebSocketServer, port: number) {
    this.wss = wss;
    this.port = port;
  }

  static async start(port = 0): Promise<FakeHyperliquid> {
    let fake: FakeHyperliquid | null = null;
    const wss = new WebSocketServer({
      host: "127.0.0.1",
      port,
      verifyClient: (_info, cb) => {
        if (fake?.refuse) {
          fake.refused++;
          cb(false, 503, "busy");
        } else cb(true);
      },
    });
    await new Promise<void>((resolve, reject) => {
      wss.once("listening", resolve);
      wss.once("error", reject);
    });
    const addr = wss.address();
    if (addr === null || typeof addr === "string") throw new Error("unexpected address");
    fake = new FakeHyperliquid(wss, addr.port);
    const self = fake;
    wss.on("connection", (ws) => self.#accept(ws));
    return fake;
  }

  get url(): string {
    return `ws://127.0.0.1:${this.port}/ws`;
  }

  /** The most recent connection, if still open. */
  get current(): WebSocket | null {
    return this.#current?.readyState === WebSocket.OPEN ? this.#current : null;
  }

  /** Subscribe messages received on connection `conn` (all connections when omitted). */
  subscribes(conn?: number): Record<string, unknown>[] {
    return this.messages
      .filter((m) => m.msg.method === "subscribe" && (conn === undefined || m.conn === conn))
      .map((m) => m.msg.subscription ?? {});
  }

  send(data: string | Buffer, binary = false): void {
    const ws = this.current;
    if (!ws) throw new Error("no open connection");
    ws.send(data, { binary });
  }

  /** Drops every connection without a close handshake. */
  dropAll(): void {
    for (const ws of this.wss.clients) ws.terminate();
  }

  async close(): Promise<void> {
    this.dropAll();
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
  }

  #accept(ws: WebSocket): void {
    const conn = ++this.connections;
    this.#current = ws;
    ws.on("error", () => {});
    ws.send(GREETING);
    ws.on("message", (data: RawData) => {
      let msg: ClientMessage["msg"];
      try {
        msg = JSON.parse(data.toString());
      } catch {
        return;
      }
      this.messages.push({ conn, msg });
      if (msg.method === "ping") {
        if (this.answerPings) ws.send('{"channel":"pong"}');
      } else if (msg.method === "subscribe" && this.ackSubscriptions) {
        ws.send(
          JSON.stringify({
            channel: "subscriptionResponse",
            data: { method: "subscribe", subscription: msg.subscription },
          }),
        );
      }
    });
  }
}

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

async function waitFor(cond: () => boolean, timeoutMs = 10_000, what = "condition"): Promise<void> {
  const start = Date.now();
  while (!cond()) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms: ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

const LIQUIDATOR_MIXED = "0x2E3D94F0562703B25C83308A05046DDAF9A8DD14";
const OTHER = "0x0000000000000000000000000000000000000001";

function tradesFrame(coin: string, tid: number, px = "1915.3", users = [LIQUIDATOR_MIXED, OTHER]) {
  return JSON.stringify({
    channel: "trades",
    data: [{ coin, side: "B", px, sz: "0.5", time: 1741767423000, tid, hash: "0xabc", users }],
  });
}

function tradesOf(frames: readonly WsFrame[]): Trade[] {
  return frames.flatMap((f) => (f.channel === "trades" ? f.trades : []));
}

/** A SystemClock that records every `sleep` (the client sleeps only between reconnects). */
class RecordingClock extends SystemClock {
  readonly sleeps: number[] = [];

  override sleep(ms: number, signal?: AbortSignal): Promise<void> {
    this.sleeps.push(ms);
    return super.sleep(ms, signal);
  }
}

interface Harness {
  socket: HyperliquidSocket;
  io: IoTracker;
  abort: AbortController;
  frames: WsFrame[];
  /** `gapStartedAt` of every onReconnect call. */
  gaps: number[];
  done: Promise<void>;
  settled: () => boolean;
}

const servers: FakeHyperliquid[] = [];
const harnesses: Harness[] = [];
const closers: (() => Promise<void>)[] = [];

async function server(port = 0): Promise<FakeHyperliquid> {
  const s = await FakeHyperliquid.start(port);
  servers.push(s);
  return s;
}

function client(
  url: string,
  subs: Subscription[],
  overrides: Partial<SocketOptions> = {},
): Harness {
  const abort = new AbortController();
  const io = new IoTracker();
  const frames: WsFrame[] = [];
  const gaps: number[] = [];
  const socket = new HyperliquidSocket({
    url,
    clock: new SystemClock(),
    random: seededRandom(7),
    log: silentLogger,
    io,
    signal: abort.signal,
    pingIntervalMs: 200,
    pongTimeoutMs: 300,
    ackTimeoutMs: 1_000,
    reconnect: { initialMs: 20, maxMs: 200, factor: 2 },
    stableAfterMs: 600_000,
    maxFrameBytes: 64 * 1024,
    onFrame: (f) => frames.push(f),
    onReconnect: (t) => gaps.push(t),
    ...overrides,
  });
  for (const sub of subs) socket.subscribe(sub);
  let isSettled = false;
  const done = socket.run().finally(() => {
    isSettled = true;
  });
  const h: Harness = { socket, io, abort, frames, gaps, done, settled: () => isSettled };
  harnesses.push(h);
  return h;
}

afterEach(async () => {
  for (const h of harnesses.splice(0)) {
    h.abort.abort();
    await h.done;
  }
  for (const s of servers.splice(0)) await s.close();
  for (const c of closers.splice(0)) await c();
});

const ETH: Subscription = { type: "trades", coin: "ETH" };
const BTC: Subscription = { type: "trades", coin: "BTC" };
const SOL: Subscription = { type: "trades", coin: "SOL" };
const FILLS: Subscription = { type: "userFills", user: LIQUIDATOR_MIXED.toLowerCase() };

// ---------------------------------------------------------------------------------------------
// Tests
// ---------------------------------------------------------------------------------------------

describe("HyperliquidSocket against a local Hyperliquid imitation", () => {
  it("connects, subscribes, counts the greeting and delivers parsed data frames", async () => {
    const hl = await server();
    const c = client(hl.url, [ETH, FILLS]);
    await waitFor(() => hl.subscribes(1).length === 2, 10_000, "both subscribes");
    expect(hl.subscribes(1)).toEqual([ETH, FILLS]);
    await waitFor(() => c.io.inFlight === 0, 10_000, "acks received");
    expect(c.socket.connected).toBe(true);
    expect(c.socket.counters.greetings).toBe(1);
    expect(c.socket.counters.connects).toBe(1);
    expect(c.socket.counters.ackTimeouts).toBe(0);

    // Added while connected: sent at once.
    c.socket.subscribe(BTC);
    await waitFor(() => hl.subscribes(1).length === 3, 10_000, "third subscribe");
    expect(hl.subscribes(1)[2]).toEqual(BTC);

    hl.send(tradesFrame("ETH", 123));
    await waitFor(() => c.frames.length === 1, 10_000, "trades frame");
    expect(c.frames[0]).toEqual({
      channel: "trades",
      trades: [
        {
          coin: "ETH",
          side: "B",
          px: 1915.3,
          sz: 0.5,
          time: 1741767423000,
          tid: 123,
          hash: "0xabc",
          buyer: "0x2e3d94f0562703b25c83308a05046ddaf9a8dd14",
          seller: OTHER,
        },
      ],
    });
    // Greeting, acks and pongs are not data frames.
    expect(c.socket.counters.malformed + c.socket.counters.invalid).toBe(0);
  });

  it("reconnects after a dropped connection and resubscribes everything, with the gap start", async () => {
    const hl = await server();
    // No pings in this test, so the last frame received before the drop is known exactly.
    const c = client(hl.url, [ETH, BTC], { pingIntervalMs: 60_000 });
    await waitFor(() => c.io.inFlight === 0 && hl.subscribes(1).length === 2, 10_000, "acks");

    hl.send(tradesFrame("ETH", 1));
    await waitFor(() => c.frames.length === 1, 10_000, "first frame");
    const lastReceived = c.socket.lastReceivedAt;
    expect(lastReceived).not.toBeNull();

    // Refuse upgrades for a while so a subscription can be added while disconnected.
    hl.refuse = true;
    hl.dropAll();
    await waitFor(
      () => hl.refused >= 1 && c.socket.counters.reconnects >= 2,
      10_000,
      "a refused reconnect",
    );
    expect(c.socket.connected).toBe(false);
    c.socket.subscribe(SOL);
    expect(c.socket.subscriptionCount).toBe(3);
    hl.refuse = false;

    await waitFor(() => hl.subscribes(2).length === 3, 10_000, "resubscribed on connection 2");
    expect(hl.subscribes(2)).toEqual(expect.arrayContaining([ETH, BTC, SOL]));
    expect(c.socket.counters.connects).toBe(2);
    expect(c.gaps).toEqual([lastReceived]);
    expect(c.gaps[0]).toBeLessThan(Date.now());

    // The new connection delivers data.
    hl.send(tradesFrame("SOL", 2));
    await waitFor(() => c.frames.length === 2, 10_000, "frame after reconnect");
    expect(tradesOf(c.frames).map((t) => t.coin)).toEqual(["ETH", "SOL"]);
  });

  it("reconnects when the server stops answering pings, then works again", async () => {
    const hl = await server();
    hl.answerPings = false;
    const c = client(hl.url, [ETH]);
    await waitFor(() => c.socket.counters.pongTimeouts >= 1, 10_000, "a pong timeout");
    expect(c.socket.counters.pingsSent).toBeGreaterThanOrEqual(1);
    hl.answerPings = true;

    await waitFor(
      () => c.socket.connected && hl.connections >= 2 && hl.subscribes(hl.connections).length === 1,
      10_000,
      "reconnected and resubscribed",
    );
    expect(c.socket.counters.reconnects).toBeGreaterThanOrEqual(1);
    const conn = hl.connections;
    expect(hl.subscribes(conn)).toEqual([ETH]);

    // Pings on the new connection are answered: several rounds pass without another timeout.
    const timeouts = c.socket.counters.pongTimeouts;
    const pings = c.socket.counters.pingsSent;
    await waitFor(() => c.socket.counters.pingsSent >= pings + 3, 10_000, "three more pings");
    expect(c.socket.counters.pongTimeouts).toBe(timeouts);
    expect(hl.connections).toBe(conn);

    hl.send(tradesFrame("ETH", 9));
    await waitFor(() => c.frames.length === 1, 10_000, "frame after reconnect");
    expect(tradesOf(c.frames)[0]?.tid).toBe(9);
  });

  it("counts malformed, invalid, binary and unknown frames and still delivers valid ones", async () => {
    const hl = await server();
    const c = client(hl.url, [ETH]);
    await waitFor(() => c.io.inFlight === 0 && c.socket.counters.greetings === 1, 10_000, "ready");

    hl.send("garbage{");
    hl.send(JSON.stringify({ data: [{ coin: "ETH" }] })); // no channel
    hl.send(tradesFrame("ETH", 1, "1e3")); // exponent notation is not a decimal string
    hl.send(tradesFrame("ETH", 2, "1915.3", ["0x1234", OTHER])); // bad address
    hl.send(Buffer.from([0x00, 0xff, 0xfe, 0x7b]), true); // binary, not JSON
    hl.send(JSON.stringify({ channel: "notification", data: { notification: "hi" } }));
    hl.send(tradesFrame("ETH", 42));

    await waitFor(() => c.frames.length === 1, 10_000, "the valid frame");
    expect(tradesOf(c.frames).map((t) => t.tid)).toEqual([42]);
    expect(c.socket.counters).toMatchObject({
      malformed: 2,
      invalid: 3,
      otherChannels: 1,
      connects: 1,
      reconnects: 0,
    });
    expect(c.settled()).toBe(false);
  });

  it("survives a flood into a small bounded queue with bounded memory", async () => {
    const hl = await server();
    const queue = new BoundedQueue<WsFrame>(100);
    // A long pong timeout: the pong to a ping queues behind the flood.
    const c = client(hl.url, [ETH], {
      pongTimeoutMs: 20_000,
      onFrame: (f) => queue.push(f),
    });
    await waitFor(() => c.io.inFlight === 0 && c.socket.counters.greetings === 1, 10_000, "ready");
    const ws = hl.current;
    if (!ws) throw new Error("no connection");

    // A real collection before each reading, so what is compared is what the flood left held,
    // not garbage a busy machine has not collected yet.
    setFlagsFromString("--expose-gc");
    const gc = runInNewContext("gc") as () => void;
    gc();
    const heapBefore = process.memoryUsage().heapUsed;
    let peak = heapBefore;
    const sampler = setInterval(() => {
      peak = Math.max(peak, process.memoryUsage().heapUsed);
    }, 20);
    closers.push(async () => clearInterval(sampler));

    const N = 120_000;
    const framesBefore = c.socket.counters.frames;
    const frame = tradesFrame("ETH", 7);
    // As fast as the socket takes it: wait for each batch to be handed to the kernel.
    for (let i = 0; i < N; ) {
      let last: Promise<void> = Promise.resolve();
      for (let j = 0; j < 2_000 && i < N; j++, i++) {
        last = new Promise<void>((resolve, reject) =>
          ws.send(frame, (err) => (err ? reject(err) : resolve())),
        );
      }
      await last;
    }
    await waitFor(() => c.socket.counters.frames - framesBefore >= N, 45_000, "flood received");
    clearInterval(sampler);
    gc();
    const heapAfter = process.memoryUsage().heapUsed;

    const delivered = queue.size + queue.dropped;
    expect(delivered).toBe(N);
    expect(queue.size).toBe(100);
    expect(queue.dropped).toBe(N - 100);
    expect(c.socket.counters.connects).toBe(1);
    expect(heapAfter - heapBefore).toBeLessThan(150 * 1024 * 1024);
    expect(peak - heapBefore).toBeLessThan(400 * 1024 * 1024);

    // The consumer catches up; a frame sent after the flood still arrives.
    while (queue.shift() !== undefined);
    hl.send(tradesFrame("ETH", 999_999));
    await waitFor(() => queue.size === 1, 10_000, "frame after the flood");
    const after = queue.shift();
    expect(after?.channel === "trades" && after.trades[0]?.tid).toBe(999_999);
  }, 60_000);

  it("keeps retrying with growing jittered delays while the server is down, then resubscribes", async () => {
    let hl = await server();
    const port = hl.port;
    const clock = new RecordingClock();
    const c = client(hl.url, [ETH, BTC], { clock });
    await waitFor(() => hl.subscribes(1).length === 2 && c.io.inFlight === 0, 10_000, "ready");

    await hl.close();
    servers.splice(servers.indexOf(hl), 1);
    await waitFor(() => clock.sleeps.length >= 8, 20_000, "eight reconnect attempts");
    expect(c.settled()).toBe(false);
    expect(c.socket.connected).toBe(false);
    expect(c.socket.counters.connects).toBe(1);

    const sleeps = clock.sleeps.slice(0, 8);
    sleeps.forEach((ms, attempt) => {
      const ceiling = Math.min(200, 20 * 2 ** attempt);
      expect(ms).toBeLessThanOrEqual(ceiling);
      expect(ms).toBeGreaterThanOrEqual(Math.round(ceiling * 0.1));
    });
    // Jittered: not every delay sits on its ceiling. Growing: late delays exceed any early ceiling.
    expect(sleeps.some((ms, attempt) => ms !== Math.min(200, 20 * 2 ** attempt))).toBe(true);
    expect(Math.max(...sleeps.slice(4))).toBeGreaterThan(40);

    hl = await server(port);
    await waitFor(() => hl.subscribes(1).length === 2, 20_000, "resubscribed on the new server");
    expect(hl.subscribes(1)).toEqual(expect.arrayContaining([ETH, BTC]));
    expect(c.socket.counters.connects).toBe(2);
    expect(c.gaps).toHaveLength(1);
    hl.send(tradesFrame("BTC", 5));
    await waitFor(() => c.frames.length === 1, 10_000, "frame from the new server");
  });

  it("closes on a frame larger than maxFrameBytes and reconnects", async () => {
    const hl = await server();
    const c = client(hl.url, [ETH], { maxFrameBytes: 16 * 1024 });
    await waitFor(() => c.io.inFlight === 0 && c.socket.counters.greetings === 1, 10_000, "ready");

    // Just under the limit: accepted.
    const small = JSON.stringify({ channel: "padding", data: "x".repeat(15 * 1024) });
    hl.send(small);
    await waitFor(() => c.socket.counters.otherChannels === 1, 10_000, "near-limit frame");
    expect(c.socket.counters.reconnects).toBe(0);

    const framesBefore = c.socket.counters.frames;
    const big = JSON.stringify({ channel: "padding", data: "x".repeat(32 * 1024) });
    hl.send(big);
    await waitFor(
      () => c.socket.counters.connects === 2 && hl.subscribes(2).length === 1,
      10_000,
      "reconnected",
    );
    expect(c.socket.counters.reconnects).toBeGreaterThanOrEqual(1);
    expect(c.socket.counters.otherChannels).toBe(1);
    // Only the greeting and ack of the new connection (and maybe a pong) came after the big one.
    expect(c.socket.counters.frames - framesBefore).toBeLessThan(5);

    await waitFor(() => hl.current !== null, 10_000, "server side of connection 2");
    hl.send(tradesFrame("ETH", 3));
    await waitFor(() => c.frames.length === 1, 10_000, "frame after reconnect");
  });
});

describe("HyperliquidSocket shutdown", () => {
  it("resolves run() on abort with pending acks and pings, and releases all I/O", async () => {
    const hl = await server();
    hl.ackSubscriptions = false;
    hl.answerPings = false;
    const c = client(hl.url, [ETH, BTC], { ackTimeoutMs: 60_000, pongTimeoutMs: 60_000 });
    // Two unacknowledged subscriptions and one unanswered ping are in flight.
    await waitFor(() => c.io.inFlight === 3, 10_000, "acks and a ping in flight");
    c.abort.abort();
    await waitFor(c.settled, 5_000, "run() resolved");
    expect(c.io.inFlight).toBe(0);
    expect(c.socket.connected).toBe(false);
    await waitFor(() => hl.wss.clients.size === 0, 5_000, "server saw the close");
  });

  it("resolves run() on abort during a hanging handshake", async () => {
    // A TCP server that accepts and never answers the upgrade.
    const held: Socket[] = [];
    const tcp: Server = createServer((s) => {
      held.push(s);
      s.on("error", () => {});
    });
    await new Promise<void>((r) => tcp.listen(0, "127.0.0.1", r));
    closers.push(async () => {
      for (const s of held) s.destroy();
      await new Promise((r) => tcp.close(r));
    });
    const addr = tcp.address();
    if (addr === null || typeof addr === "string") throw new Error("no address");
    const c = client(`ws://127.0.0.1:${addr.port}/ws`, [ETH]);
    await waitFor(() => held.length === 1, 10_000, "TCP accepted");
    expect(c.io.inFlight).toBe(1); // the handshake
    c.abort.abort();
    await waitFor(c.settled, 5_000, "run() resolved");
    expect(c.io.inFlight).toBe(0);
    expect(c.socket.counters.connects).toBe(0);
  });

  it("resolves run() on abort during the reconnect backoff", async () => {
    const hl = await server();
    const port = hl.port;
    await hl.close();
    servers.splice(servers.indexOf(hl), 1);
    const clock = new RecordingClock();
    const c = client(`ws://127.0.0.1:${port}/ws`, [ETH], {
      clock,
      reconnect: { initialMs: 60_000, maxMs: 60_000, factor: 2 },
    });
    await waitFor(() => clock.sleeps.length === 1, 10_000, "in backoff");
    expect(clock.sleeps[0]).toBeGreaterThanOrEqual(6_000);
    c.abort.abort();
    await waitFor(c.settled, 5_000, "run() resolved");
    expect(c.io.inFlight).toBe(0);
  });
});
