import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { Clock } from "@kamiyo/core";

/** What a venue server sends back: a status, headers and a JSON (or text) body, or nothing. */
export type VenueAnswer =
  | { status: number; headers?: Record<string, string>; body: unknown }
  | "hang";

/** One request a venue server got: its path with query, at the clock time it arrived. */
export interface VenueRequest {
  path: string;
  at: number;
}

/**
 * Prices the servers quote: Hyperliquid's 5-minute closes of 2025-03-27 00:00 UTC
 * (fixtures/hyperliquid/candles), in each venue's own payload shape.
 */
const PRICES = { BTC: "86906.00000000", ETH: "2009.70000000", SOL: "137.26000000" } as const;

/**
 * A real HTTP server on 127.0.0.1 speaking one venue's REST API as the monitor uses it. Every
 * request is recorded with the time of the shared (virtual) clock; `override` answers in the
 * venue's place (rate limits, bans, restricted locations, hangs) when it returns an answer.
 */
export class VenueServer {
  readonly requests: VenueRequest[] = [];
  /** Answers instead of the venue when it returns something; `n` counts requests from 1. */
  override: (path: string, n: number) => VenueAnswer | undefined = () => undefined;
  readonly #server: Server;
  readonly #clock: Clock;
  readonly #venue: (path: string) => VenueAnswer;
  readonly #hung = new Set<ServerResponse>();

  private constructor(server: Server, clock: Clock, venue: (path: string) => VenueAnswer) {
    this.#server = server;
    this.#clock = clock;
    this.#venue = venue;
  }

  /** Binance spot: `GET /api/v3/ticker/price` with no query, `symbols=[…]` or `symbol=…`. */
  static binance(clock: Clock): Promise<VenueServer> {
    return VenueServer.#start(clock, binanceAnswer);
  }

  /** Coinbase Exchange: `GET /products` and `GET /products/{id}/ticker`. */
  static coinbase(clock: Clock): Promise<VenueServer> {
    return VenueServer.#start(clock, coinbaseAnswer);
  }

  static async #start(clock: Clock, venue: (path: string) => VenueAnswer): Promise<VenueServer> {
    const server = createServer();
    const v = new VenueServer(server, clock, venue);
    server.on("request", (req, res) => v.#handle(req, res));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    return v;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
  }

  /** Requests held open without an answer right now. */
  get held(): number {
    return this.#hung.size;
  }

  #handle(req: IncomingMessage, res: ServerResponse): void {
    const path = req.url ?? "/";
    this.requests.push({ path, at: this.#clock.now() });
    const answer = this.override(path, this.requests.length) ?? this.#venue(path);
    if (answer === "hang") {
      this.#hung.add(res);
      res.on("close", () => this.#hung.delete(res));
      return;
    }
    const text = typeof answer.body === "string" ? answer.body : JSON.stringify(answer.body);
    res
      .writeHead(answer.status, { "content-type": "application/json", ...answer.headers })
      .end(text);
  }

  async close(): Promise<void> {
    for (const res of this.#hung) res.destroy();
    this.#server.closeAllConnections();
    await new Promise((resolve) => this.#server.close(resolve));
  }
}

/** A base URL nothing listens on (a port that was just free): connections are refused. */
export async function refusingUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return `http://127.0.0.1:${port}`;
}

function binanceAnswer(path: string): VenueAnswer {
  const url = new URL(path, "http://binance.local");
  if (url.pathname !== "/api/v3/ticker/price")
    return { status: 404, body: { code: -1, msg: "Not found" } };
  const all = Object.entries(PRICES).map(([coin, price]) => ({ symbol: `${coin}USDT`, price }));
  const one = url.searchParams.get("symbol");
  const some = url.searchParams.get("symbols");
  if (one !== null) {
    const t = all.find((x) => x.symbol === one);
    return t ? { status: 200, body: t } : invalidSymbol();
  }
  if (some === null) return { status: 200, body: all };
  const wanted = JSON.parse(some) as string[];
  if (wanted.some((s) => !all.some((x) => x.symbol === s))) return invalidSymbol();
  return { status: 200, body: all.filter((x) => wanted.includes(x.symbol)) };
}

function invalidSymbol(): VenueAnswer {
  return { status: 400, body: { code: -1121, msg: "Invalid symbol." } };
}

function coinbaseAnswer(path: string): VenueAnswer {
  const products = [...Object.keys(PRICES), "USDT"].map((base) => ({
    id: `${base}-USD`,
    base_currency: base,
    quote_currency: "USD",
    display_name: `${base}-USD`,
    status: "online",
    trading_disabled: false,
  }));
  if (path === "/products") return { status: 200, body: products };
  const m = /^\/products\/([A-Z0-9]+)-USD\/ticker$/.exec(path);
  const base = m?.[1];
  const price = base === "USDT" ? "1.0001" : PRICES[base as keyof typeof PRICES];
  if (!price) return { status: 404, body: { message: "NotFound" } };
  const px = Number(price);
  return {
    status: 200,
    body: {
      ask: String(px * 1.0001),
      bid: String(px * 0.9999),
      volume: "12345.67",
      trade_id: 86_123_456,
      price: String(px),
      size: "0.01",
      time: "2025-03-27T00:00:00.000000Z",
    },
  };
}
