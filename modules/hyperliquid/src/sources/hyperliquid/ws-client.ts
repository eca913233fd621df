import {
  type BackoffPolicy,
  backoffDelay,
  type Clock,
  describeError,
  type IoTracker,
  type Logger,
  LogThrottle,
  type Random,
  type TimerHandle,
} from "@kamiyo/core";
import WebSocket from "ws";
import { parseFrame, type Subscription, subscriptionKey, type WsFrame } from "./ws-frames.ts";

export interface SocketOptions {
  url: string;
  clock: Clock;
  random: Random;
  log: Logger;
  io: IoTracker;
  signal: AbortSignal;
  /** Send an application ping after this long without sending anything (Hyperliquid drops idle clients at 60 s). */
  pingIntervalMs: number;
  /** Reconnect when a ping gets no pong within this long. */
  pongTimeoutMs: number;
  /** Subscription acknowledgements not seen after this long are counted and no longer awaited. */
  ackTimeoutMs: number;
  reconnect: BackoffPolicy;
  /** A connection open this long resets the backoff. */
  stableAfterMs: number;
  /** Largest frame accepted, bytes. */
  maxFrameBytes: number;
  /** Every parsed data frame. */
  onFrame(frame: WsFrame): void;
  /** Every raw text frame, before parsing (recording). */
  onRaw?(text: string): void;
  /** After a reconnect, with the time the previous connection last received data. */
  onReconnect?(gapStartedAt: number): void;
}

/** Counters exposed as health and metrics. */
export interface SocketCounters {
  connects: number;
  reconnects: number;
  frames: number;
  malformed: number;
  invalid: number;
  greetings: number;
  otherChannels: number;
  serverErrors: number;
  pingsSent: number;
  pongTimeouts: number;
  ackTimeouts: number;
}

/**
 * A Hyperliquid WebSocket connection that stays up: it resubscribes everything after each
 * reconnect (jittered exponential backoff), pings when idle and reconnects on a missing pong,
 * and tolerates the plain-text greeting, malformed and unknown frames (counted, never thrown).
 */
export class HyperliquidSocket {
  readonly counters: SocketCounters = {
    connects: 0,
    reconnects: 0,
    frames: 0,
    malformed: 0,
    invalid: 0,
    greetings: 0,
    otherChannels: 0,
    serverErrors: 0,
    pingsSent: 0,
    pongTimeouts: 0,
    ackTimeouts: 0,
  };
  readonly #o: SocketOptions;
  readonly #subs = new Map<string, Subscription>();
  readonly #badFrames = new LogThrottle(5, 60_000);
  #connected = false;
  #lastReceivedAt: number | null = null;
  #connection: Connection | null = null;

  constructor(options: SocketOptions) {
    this.#o = options;
  }

  get connected(): boolean {
    return this.#connected;
  }

  /** Clock time of the last frame received, or null. */
  get lastReceivedAt(): number | null {
    return this.#lastReceivedAt;
  }

  get subscriptionCount(): number {
    return this.#subs.size;
  }

  /** Adds a subscription; sent now if connected, and again after every reconnect. */
  subscribe(sub: Subscription): void {
    const key = subscriptionKey(sub);
    if (this.#subs.has(key)) return;
    this.#subs.set(key, sub);
    this.#connection?.send({ method: "subscribe", subscription: sub });
  }

  /** Removes a subscription. */
  unsubscribe(sub: Subscription): void {
    const key = subscriptionKey(sub);
    if (!this.#subs.delete(key)) return;
    this.#connection?.send({ method: "unsubscribe", subscription: sub });
  }

  /** Connects and reconnects until the signal aborts. */
  async run(): Promise<void> {
    const o = this.#o;
    let attempt = 0;
    let everConnected = false;
    while (!o.signal.aborted) {
      const result = await this.#connectOnce(everConnected);
      everConnected ||= result.opened;
      if (o.signal.aborted) break;
      if (result.stable) attempt = 0;
      const delay = backoffDelay(o.reconnect, attempt++, o.random);
      this.counters.reconnects++;
      o.log.warn(
        { url: o.url, delayMs: delay, reason: result.reason },
        "websocket closed; reconnecting",
      );
      await o.clock.sleep(delay, o.signal).catch(() => {});
    }
  }

  #connectOnce(
    isReconnect: boolean,
  ): Promise<{ opened: boolean; stable: boolean; reason: string }> {
    const o = this.#o;
    return new Promise((resolve) => {
      const ws = new WebSocket(o.url, { handshakeTimeout: 10_000, maxPayload: o.maxFrameBytes });
      const conn = new Connection(ws, o, this.counters);
      let opened = false;
      let openedAt = 0;
      let reason = "closed";
      const onAbort = () => ws.terminate();
      o.signal.addEventListener("abort", onAbort, { once: true });
      o.io.begin(); // the handshake
      let handshakePending = true;
      const endHandshake = () => {
        if (handshakePending) {
          handshakePending = false;
          o.io.end();
        }
      };

      ws.on("open", () => {
        endHandshake();
        opened = true;
        openedAt = o.clock.now();
        this.counters.connects++;
        this.#connected = true;
        this.#connection = conn;
        const gapStart = this.#lastReceivedAt;
        for (const sub of this.#subs.values())
          conn.send({ method: "subscribe", subscription: sub });
        conn.startHeartbeat();
        o.log.info({ url: o.url, subscriptions: this.#subs.size }, "websocket connected");
        if (isReconnect && gapStart !== null) o.onReconnect?.(gapStart);
      });
      ws.on("message", (data, isBinary) => {
        const text = isBinary ? Buffer.from(data as Buffer).toString("utf8") : data.toString();
        this.#lastReceivedAt = o.clock.now();
        this.counters.frames++;
        o.onRaw?.(text);
        this.#handle(text, conn);
      });
      ws.on("error", (err) => {
        reason = describeError(err);
      });
      ws.on("close", (code) => {
        endHandshake();
        conn.stop();
        o.signal.removeEventListener("abort", onAbort);
        this.#connected = false;
        if (this.#connection === conn) this.#connection = null;
        if (reason === "closed") reason = `closed with code ${code}`;
        const stable = opened && o.clock.now() - openedAt >= o.stableAfterMs;
        resolve({ opened, stable, reason });
      });
    });
  }

  #handle(text: string, conn: Connection): void {
    const res = parseFrame(text);
    if (!res.ok) {
      if (res.reason === "malformed") this.counters.malformed++;
      else this.counters.invalid++;
      const gate = this.#badFrames.allow(performance.now());
      if (gate.ok) {
        this.#o.log.warn(
          {
            reason: res.reason,
            channel: res.channel,
            error: res.error,
            suppressedBefore: gate.suppressed,
          },
          "dropped a bad websocket frame",
        );
      }
      return;
    }
    const frame = res.frame;
    switch (frame.channel) {
      case "greeting":
        this.counters.greetings++;
        return;
      case "pong":
        conn.pong();
        return;
      case "subscriptionResponse":
        conn.acknowledge(frame.subscription);
        return;
      case "error":
        this.counters.serverErrors++;
        this.#o.log.warn({ message: frame.message }, "websocket server error");
        conn.acknowledgeError(frame.message);
        return;
      case "other":
        this.counters.otherChannels++;
        return;
      default:
        this.#o.onFrame(frame);
    }
  }
}

/** One open connection's sending side, heartbeat and outstanding acknowledgements. */
class Connection {
  readonly #ws: WebSocket;
  readonly #o: SocketOptions;
  readonly #counters: SocketCounters;
  readonly #pendingAcks = new Map<string, TimerHandle>();
  #pingTimer: TimerHandle | null = null;
  #pongTimer: TimerHandle | null = null;
  #stopped = false;

  constructor(ws: WebSocket, o: SocketOptions, counters: SocketCounters) {
    this.#ws = ws;
    this.#o = o;
    this.#counters = counters;
  }

  send(msg: { method: string; subscription?: Subscription }): void {
    if (this.#stopped || this.#ws.readyState !== WebSocket.OPEN) return;
    if (msg.method === "subscribe" && msg.subscription) {
      const key = subscriptionKey(msg.subscription);
      if (!this.#pendingAcks.has(key)) {
        this.#o.io.begin();
        const timer = this.#o.clock.setTimeout(() => {
          if (this.#pendingAcks.delete(key)) {
            this.#counters.ackTimeouts++;
            this.#o.io.end();
          }
        }, this.#o.ackTimeoutMs);
        this.#pendingAcks.set(key, timer);
      }
    }
    this.#ws.send(JSON.stringify(msg));
    this.#scheduleHeartbeat();
  }

  acknowledge(subscription: Record<string, unknown>): void {
    const key = subscriptionKey(subscription);
    const timer = this.#pendingAcks.get(key);
    if (!timer) return;
    timer.cancel();
    this.#pendingAcks.delete(key);
    this.#o.io.end();
  }

  /** Hyperliquid answers a refused subscription with an error frame naming it; release the oldest wait. */
  acknowledgeError(_message: string): void {
    const first = this.#pendingAcks.entries().next();
    if (first.done) return;
    const [key, timer] = first.value;
    timer.cancel();
    this.#pendingAcks.delete(key);
    this.#o.io.end();
  }

  startHeartbeat(): void {
    this.#scheduleHeartbeat();
  }

  pong(): void {
    if (!this.#pongTimer) return;
    this.#pongTimer.cancel();
    this.#pongTimer = null;
    this.#o.io.end();
  }

  stop(): void {
    this.#stopped = true;
    this.#pingTimer?.cancel();
    this.pong();
    for (const timer of this.#pendingAcks.values()) {
      timer.cancel();
      this.#o.io.end();
    }
    this.#pendingAcks.clear();
  }

  #scheduleHeartbeat(): void {
    if (this.#stopped) return;
    this.#pingTimer?.cancel();
    this.#pingTimer = this.#o.clock.setTimeout(() => this.#ping(), this.#o.pingIntervalMs);
  }

  #ping(): void {
    if (this.#stopped || this.#ws.readyState !== WebSocket.OPEN) return;
    if (!this.#pongTimer) {
      this.#o.io.begin();
      this.#pongTimer = this.#o.clock.setTimeout(() => {
        this.#pongTimer = null;
        this.#o.io.end();
        this.#counters.pongTimeouts++;
        this.#o.log.warn({ url: this.#o.url }, "no pong; reconnecting");
        this.#ws.terminate();
      }, this.#o.pongTimeoutMs);
    }
    this.#counters.pingsSent++;
    this.#ws.send('{"method":"ping"}');
    this.#scheduleHeartbeat();
  }
}
