import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { Logger } from "@kamiyo/core";
import {
  applyRange,
  canonicalJson,
  type ExchangeLine,
  type InfoRequest,
  isFrame,
  isRest,
  isTyped,
  type ReplayProtocolServer,
  type RestRequest,
  requestsMatch,
} from "@kamiyo/replay";
import { type WebSocket, WebSocketServer } from "ws";
import { GREETING } from "../sources/index.ts";
import { clientSubscription, frameSubscription } from "./frame-route.ts";

interface Recorded {
  ts: number;
  res: unknown;
  status: number;
}

interface Client {
  ws: WebSocket;
  subs: Set<string>;
}

/** What the server answered, for the replay summary. */
export interface ServerStats {
  infoAnswered: number;
  infoMissing: Record<string, number>;
  restAnswered: number;
  restMissing: number;
  framesPushed: number;
  framesUndelivered: number;
  connections: number;
}

/**
 * A local server speaking the real protocols from a replay file: Hyperliquid `POST /info` and
 * WebSocket `/ws`, Binance under `/binance`, Coinbase under `/coinbase`. Each request is answered
 * with the latest recorded response for the same request made visible so far (the driver makes
 * lines visible as the virtual clock reaches their time).
 */
export class ReplayServer implements ReplayProtocolServer<ServerStats> {
  readonly stats: ServerStats = {
    infoAnswered: 0,
    infoMissing: {},
    restAnswered: 0,
    restMissing: 0,
    framesPushed: 0,
    framesUndelivered: 0,
    connections: 0,
  };
  readonly #http: Server;
  readonly #wss: WebSocketServer;
  readonly #log: Logger;
  /** Info responses by request type, then by canonical request. */
  readonly #info = new Map<string, Map<string, { req: InfoRequest; latest: Recorded }>>();
  /** REST responses by src and canonical request. */
  readonly #rest = new Map<string, Recorded>();
  /** Binance ticker prices by symbol, from any recorded ticker response. */
  readonly #binancePrices = new Map<string, { symbol: string; price: string }>();
  readonly #clients = new Set<Client>();

  private constructor(log: Logger) {
    this.#log = log;
    this.#http = createServer((req, res) => void this.#handle(req, res));
    this.#http.keepAliveTimeout = 60_000;
    this.#wss = new WebSocketServer({ server: this.#http, path: "/ws" });
    this.#wss.on("connection", (ws) => this.#connect(ws));
  }

  /** Starts listening on 127.0.0.1 (port 0 = any free port). */
  static async start(log: Logger, port = 0): Promise<ReplayServer> {
    const s = new ReplayServer(log);
    await new Promise<void>((resolve) => s.#http.listen(port, "127.0.0.1", resolve));
    return s;
  }

  get port(): number {
    return (this.#http.address() as AddressInfo).port;
  }

  /** Base URL, e.g. http://127.0.0.1:PORT. */
  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /**
   * Makes a recorded exchange visible (the latest one for a request wins). Pushed frames
   * (`hl.ws`) are not exchanges: they go through `push`.
   */
  load(line: ExchangeLine): void {
    if (isFrame(line)) return;
    const recorded: Recorded = { ts: line.ts, res: line.res, status: line.status ?? 200 };
    if (isTyped(line)) {
      const byReq = this.#info.get(line.req.type) ?? new Map();
      byReq.set(canonicalJson(line.req), { req: line.req, latest: recorded });
      this.#info.set(line.req.type, byReq);
      return;
    }
    if (!isRest(line)) return;
    this.#rest.set(`${line.src} ${canonicalJson(line.req)}`, recorded);
    if (
      line.src === "binance" &&
      line.req.path === "/api/v3/ticker/price" &&
      recorded.status === 200
    ) {
      const items = Array.isArray(line.res) ? line.res : [line.res];
      for (const item of items) {
        const t = item as { symbol?: unknown; price?: unknown };
        if (typeof t.symbol === "string" && typeof t.price === "string")
          this.#binancePrices.set(t.symbol, { symbol: t.symbol, price: t.price });
      }
    }
  }

  /** Whether a frame like `msg` would reach a client now: an open one subscribed to its stream. */
  hasSubscriber(msg: unknown): boolean {
    const route = frameSubscription(msg);
    if (route === null) return false;
    for (const c of this.#clients)
      if ((route === "*" || c.subs.has(route)) && c.ws.readyState === c.ws.OPEN) return true;
    return false;
  }

  /** Pushes a recorded frame to the clients subscribed to its stream. */
  push(msg: unknown): void {
    const route = frameSubscription(msg);
    if (route === null) return;
    const text = JSON.stringify(msg);
    let delivered = false;
    for (const c of this.#clients) {
      if (route !== "*" && !c.subs.has(route)) continue;
      if (c.ws.readyState !== c.ws.OPEN) continue;
      c.ws.send(text);
      delivered = true;
    }
    if (delivered) this.stats.framesPushed++;
    else {
      this.stats.framesUndelivered++;
      this.#log.debug(
        { route, clients: this.#clients.size },
        "recorded frame had no subscribed client",
      );
    }
  }

  /**
   * Resolves when every connected client has received everything sent so far: a protocol ping
   * goes out behind the frames, and its pong comes back only after they were read.
   */
  async barrier(timeoutMs = 5_000): Promise<void> {
    const waits = [...this.#clients]
      .filter((c) => c.ws.readyState === c.ws.OPEN)
      .map(
        (c) =>
          new Promise<void>((resolve) => {
            const done = () => {
              clearTimeout(timer);
              c.ws.off("pong", done);
              c.ws.off("close", done);
              resolve();
            };
            const timer = setTimeout(done, timeoutMs);
            c.ws.once("pong", done);
            c.ws.once("close", done);
            c.ws.ping();
          }),
      );
    await Promise.all(waits);
  }

  async close(): Promise<void> {
    for (const c of this.#clients) c.ws.terminate();
    this.#wss.close();
    this.#http.closeAllConnections();
    await new Promise<void>((resolve) => this.#http.close(() => resolve()));
  }

  #connect(ws: WebSocket): void {
    const client: Client = { ws, subs: new Set() };
    this.#clients.add(client);
    this.stats.connections++;
    ws.send(GREETING);
    ws.on("close", () => this.#clients.delete(client));
    ws.on("error", () => {});
    ws.on("message", (data) => {
      let msg: { method?: unknown; subscription?: unknown };
      try {
        msg = JSON.parse(data.toString());
      } catch {
        ws.send(
          JSON.stringify({
            channel: "error",
            data: `Error parsing JSON into valid websocket request: ${data.toString().slice(0, 80)}`,
          }),
        );
        return;
      }
      if (msg.method === "ping") {
        ws.send('{"channel":"pong"}');
        return;
      }
      if (
        (msg.method === "subscribe" || msg.method === "unsubscribe") &&
        typeof msg.subscription === "object" &&
        msg.subscription
      ) {
        const key = clientSubscription(msg.subscription as Record<string, unknown>);
        if (msg.method === "subscribe") client.subs.add(key);
        else client.subs.delete(key);
        ws.send(
          JSON.stringify({
            channel: "subscriptionResponse",
            data: { method: msg.method, subscription: msg.subscription },
          }),
        );
        return;
      }
      ws.send(
        JSON.stringify({
          channel: "error",
          data: `Unsupported websocket request: ${data.toString().slice(0, 80)}`,
        }),
      );
    });
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://replay");
    try {
      if (req.method === "POST" && url.pathname === "/info") {
        const body = JSON.parse(await readBody(req)) as InfoRequest;
        const found = typeof body?.type === "string" ? this.#lookupInfo(body) : null;
        if (!found) {
          const type = typeof body?.type === "string" ? body.type : "(no type)";
          this.stats.infoMissing[type] = (this.stats.infoMissing[type] ?? 0) + 1;
          return send(res, 404, {
            error: `no recorded response for this ${type} request at this time`,
          });
        }
        this.stats.infoAnswered++;
        return send(res, found.status, applyRange(body, found.res));
      }
      const src = url.pathname.startsWith("/binance/")
        ? "binance"
        : url.pathname.startsWith("/coinbase/")
          ? "coinbase"
          : null;
      if (req.method === "GET" && src) {
        const path = url.pathname.slice(src.length + 1);
        const query = Object.fromEntries(url.searchParams);
        const restReq: RestRequest = Object.keys(query).length > 0 ? { path, query } : { path };
        const found =
          this.#rest.get(`${src} ${canonicalJson(restReq)}`) ??
          (src === "binance" ? this.#composeBinance(restReq) : null);
        if (!found) {
          this.stats.restMissing++;
          return send(res, 404, { error: "no recorded response for this request at this time" });
        }
        this.stats.restAnswered++;
        return send(res, found.status, found.res);
      }
      send(res, 404, { error: `unknown route ${req.method} ${url.pathname}` });
    } catch (err) {
      this.#log.debug({ err: String(err) }, "replay server could not parse a request");
      send(res, 400, { error: "invalid request" });
    }
  }

  #lookupInfo(body: InfoRequest): Recorded | null {
    const byReq = this.#info.get(body.type);
    if (!byReq) return null;
    // The exact recording wins ties; a newer matching one (say without a default dex) wins otherwise.
    let best: Recorded | null = byReq.get(canonicalJson(body))?.latest ?? null;
    for (const { req, latest } of byReq.values()) {
      if ((!best || latest.ts > best.ts) && requestsMatch(body, req)) best = latest;
    }
    return best;
  }

  /** Answers a Binance ticker request from prices recorded under any other ticker request. */
  #composeBinance(req: RestRequest): Recorded | null {
    if (req.path !== "/api/v3/ticker/price" || this.#binancePrices.size === 0) return null;
    const q = req.query ?? {};
    if (q.symbol) {
      const one = this.#binancePrices.get(q.symbol);
      return one ? { ts: 0, res: one, status: 200 } : null;
    }
    if (q.symbols) {
      let wanted: unknown;
      try {
        wanted = JSON.parse(q.symbols);
      } catch {
        return {
          ts: 0,
          res: { code: -1100, msg: "Illegal characters found in parameter 'symbols'" },
          status: 400,
        };
      }
      if (!Array.isArray(wanted)) return null;
      const found = wanted.flatMap((s) =>
        typeof s === "string" && this.#binancePrices.has(s) ? [this.#binancePrices.get(s)] : [],
      );
      return found.length > 0 ? { ts: 0, res: found, status: 200 } : null;
    }
    return { ts: 0, res: [...this.#binancePrices.values()], status: 200 };
  }
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (c: Buffer) => {
      size += c.length;
      if (size > 1_000_000) req.destroy(new Error("request body too large"));
      else chunks.push(c);
    });
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    "content-type": "application/json",
    "content-length": Buffer.byteLength(text),
  });
  res.end(text);
}
