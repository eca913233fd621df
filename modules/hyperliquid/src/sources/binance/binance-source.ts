import {
  decimal,
  pollEvery,
  requestWithRetry,
  type SourceContext,
  type SourceHealth,
  type SourceInstance,
} from "@kamiyo/core";
import { z } from "zod";
import type { HlObservation } from "../../observations.ts";
import { defineSource } from "../../plugin-kit.ts";
import { venueAsset } from "../coin-map.ts";
import { validate } from "../validate.ts";
import { VenueGate } from "../venue-gate.ts";

export const binanceConfig = z.object({
  urls: z
    .array(z.url())
    .min(1)
    .default(["https://api.binance.com", "https://data-api.binance.vision"])
    .describe(
      "Spot REST base URLs, primary first (comma-separated); a 451 or 403 moves to the next (the market-data mirror)",
    ),
  pollMs: z
    .number()
    .int()
    .min(500)
    .default(10_000)
    .describe("Price polling interval, ms (one batched request)"),
  listingRefreshMs: z
    .number()
    .int()
    .min(10_000)
    .default(3_600_000)
    .describe("How often the list of USDT pairs is refreshed, ms"),
  requestTimeoutMs: z.number().int().min(100).default(5_000).describe("Request timeout, ms"),
  retries: z
    .number()
    .int()
    .min(0)
    .max(5)
    .default(1)
    .describe("Retries of a failed request (429, 5xx, network)"),
});

const tickerSchema = z.object({ symbol: z.string(), price: decimal });
const tickersSchema = z.array(tickerSchema);

/** Binance spot USDT prices for every Hyperliquid perp listed there, one batched request per poll. */
export const binanceSource = defineSource({
  kind: "binance",
  description: "Binance spot USDT prices (GET /api/v3/ticker/price), for oracle cross-checks",
  config: binanceConfig,
  create: (config, ctx) => new BinanceRunner(config, ctx),
});

class BinanceRunner implements SourceInstance {
  readonly #c: z.output<typeof binanceConfig>;
  readonly #ctx: SourceContext<HlObservation>;
  readonly #gate: VenueGate;
  /** Hyperliquid coins seen in market observations. */
  readonly #coins = new Set<string>();
  /** Listed Binance USDT symbols, from the last full listing (null until known). */
  #listed: Set<string> | null = null;
  #listedAt = Number.NEGATIVE_INFINITY;
  #lastDataAt: number | null = null;

  constructor(config: z.output<typeof binanceConfig>, ctx: SourceContext<HlObservation>) {
    this.#c = config;
    this.#ctx = ctx;
    this.#gate = new VenueGate(
      ctx.clock,
      ctx.random,
      { initialMs: 5_000, maxMs: 300_000, factor: 2 },
      config.urls,
    );
    ctx.watch("market", (obs) => {
      for (const a of obs.assets) if (!a.isDelisted) this.#coins.add(a.coin);
    });
  }

  async run(): Promise<void> {
    const { clock, signal } = this.#ctx;
    await pollEvery(clock, signal, this.#c.pollMs, async () => {
      if (this.#gate.open()) await this.#poll();
    });
  }

  health(): SourceHealth {
    return {
      status: this.#gate.status(),
      detail: this.#gate.detail(),
      lastDataAt: this.#lastDataAt,
      counters: { ...this.#gate.counters, listedSymbols: this.#listed?.size ?? 0 },
    };
  }

  async #poll(): Promise<void> {
    const now = this.#ctx.clock.now();
    try {
      let tickers: z.output<typeof tickersSchema>;
      if (this.#listed === null || now - this.#listedAt >= this.#c.listingRefreshMs) {
        tickers = await this.#get({});
        this.#listed = new Set(tickers.map((t) => t.symbol));
        this.#listedAt = now;
      } else {
        const symbols = this.#wantedSymbols();
        if (symbols.length === 0) return;
        tickers = await this.#get({ symbols: JSON.stringify(symbols) });
      }
      this.#gate.success();
      this.#emit(tickers);
    } catch (err) {
      if (this.#ctx.signal.aborted) return;
      this.#gate.failure(err);
      this.#ctx.log.warn({ venue: "binance", err: this.#gate.detail() }, "binance poll failed");
    }
  }

  #wantedSymbols(): string[] {
    const out: string[] = [];
    for (const coin of this.#coins) {
      const asset = venueAsset(coin);
      const symbol = asset && `${asset.base}USDT`;
      if (symbol && this.#listed?.has(symbol)) out.push(symbol);
    }
    return out.sort();
  }

  async #get(query: Record<string, string>): Promise<z.output<typeof tickersSchema>> {
    const path = "/api/v3/ticker/price";
    const qs = new URLSearchParams(query).toString();
    const res = await requestWithRetry(
      this.#ctx.http,
      {
        url: `${this.#gate.baseUrl}${path}${qs ? `?${qs}` : ""}`,
        timeoutMs: this.#c.requestTimeoutMs,
        tag: { src: "binance", req: Object.keys(query).length > 0 ? { path, query } : { path } },
      },
      {
        clock: this.#ctx.clock,
        random: this.#ctx.random,
        retries: this.#c.retries,
        backoff: { initialMs: 500, maxMs: 2_000, factor: 2 },
        signal: this.#ctx.signal,
      },
    );
    const body = Array.isArray(res.body) ? res.body : [res.body];
    const parsed = validate(tickersSchema, body);
    if (!parsed.ok) throw new Error(`invalid Binance ticker payload: ${parsed.error}`);
    return parsed.value;
  }

  #emit(tickers: z.output<typeof tickersSchema>): void {
    const bySymbol = new Map(tickers.map((t) => [t.symbol, t.price]));
    const prices = new Map<string, number>();
    for (const coin of this.#coins) {
      const asset = venueAsset(coin);
      const px = asset && bySymbol.get(`${asset.base}USDT`);
      if (asset && px !== undefined && px !== null && px > 0)
        prices.set(coin, px * asset.multiplier);
    }
    if (prices.size === 0) return;
    const now = this.#ctx.clock.now();
    this.#lastDataAt = now;
    this.#ctx.emit({
      type: "externalPrices",
      time: now,
      venue: "binance",
      quote: "USDT",
      prices,
      usdtUsd: null,
    });
  }
}
