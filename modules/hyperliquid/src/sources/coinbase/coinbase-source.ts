import {
  decimal,
  HttpStatusError,
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

export const coinbaseConfig = z.object({
  urls: z
    .array(z.url())
    .min(1)
    .default(["https://api.exchange.coinbase.com"])
    .describe("Coinbase Exchange public REST base URLs (comma-separated)"),
  pollMs: z.number().int().min(500).default(10_000).describe("Polling cycle, ms"),
  requestsPerSecond: z
    .number()
    .min(0.1)
    .max(10)
    .default(5)
    .describe(
      "Ticker requests per second (Coinbase allows 10 per IP); products are fetched round-robin",
    ),
  listingRefreshMs: z
    .number()
    .int()
    .min(10_000)
    .default(3_600_000)
    .describe("How often the product list is refreshed, ms"),
  requestTimeoutMs: z.number().int().min(100).default(5_000).describe("Request timeout, ms"),
  retries: z
    .number()
    .int()
    .min(0)
    .max(5)
    .default(1)
    .describe("Retries of a failed request (429, 5xx, network)"),
});

const tickerSchema = z.object({ price: decimal, time: z.string().optional() });
const productsSchema = z.array(
  z.object({ id: z.string(), quote_currency: z.string(), status: z.string().optional() }),
);

/** USDT priced in USD, fetched every poll so USD prices can be compared with USDT-quoted oracles. */
const USDT_PRODUCT = "USDT-USD";

/**
 * Coinbase USD prices for Hyperliquid perps listed there. Tickers are one request per product,
 * so each poll fetches as many as the request rate allows, round-robin.
 */
export const coinbaseSource = defineSource({
  kind: "coinbase",
  description: "Coinbase Exchange USD tickers (GET /products/{id}/ticker), for oracle cross-checks",
  config: coinbaseConfig,
  create: (config, ctx) => new CoinbaseRunner(config, ctx),
});

class CoinbaseRunner implements SourceInstance {
  readonly #c: z.output<typeof coinbaseConfig>;
  readonly #ctx: SourceContext<HlObservation>;
  readonly #gate: VenueGate;
  readonly #coins = new Set<string>();
  /** Listed USD products (null until the listing is known). */
  #listed: Set<string> | null = null;
  #listedAt = Number.NEGATIVE_INFINITY;
  /** Products answered "not found", with when to ask again. */
  readonly #missing = new Map<string, number>();
  #cursor = 0;
  #usdtUsd: number | null = null;
  #lastDataAt: number | null = null;

  constructor(config: z.output<typeof coinbaseConfig>, ctx: SourceContext<HlObservation>) {
    this.#c = config;
    this.#ctx = ctx;
    this.#gate = new VenueGate(
      ctx.clock,
      ctx.random,
      { initialMs: 5_000, maxMs: 300_000, factor: 2 },
      config.urls,
    );
    ctx.watch("market", (obs) => {
      for (const a of obs.assets) if (!a.isDelisted && venueAsset(a.coin)) this.#coins.add(a.coin);
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
      counters: { ...this.#gate.counters, listedProducts: this.#listed?.size ?? 0 },
    };
  }

  async #poll(): Promise<void> {
    const { clock } = this.#ctx;
    if (this.#listed === null || clock.now() - this.#listedAt >= this.#c.listingRefreshMs)
      await this.#refreshListing();
    const budget = Math.max(1, Math.floor((this.#c.requestsPerSecond * this.#c.pollMs) / 1000));
    const batch = this.#nextBatch(budget - 1);
    const prices = new Map<string, number>();
    const spacing = 1000 / this.#c.requestsPerSecond;
    for (const product of [USDT_PRODUCT, ...batch.map((b) => b.product)]) {
      if (!this.#gate.open() || this.#ctx.signal.aborted) break;
      const px = await this.#ticker(product);
      if (px !== null) {
        if (product === USDT_PRODUCT) this.#usdtUsd = px;
        const entry = batch.find((b) => b.product === product);
        if (entry) prices.set(entry.coin, px * entry.multiplier);
      }
      await clock.sleep(spacing, this.#ctx.signal).catch(() => {});
    }
    if (prices.size === 0) return;
    const now = clock.now();
    this.#lastDataAt = now;
    this.#ctx.emit({
      type: "externalPrices",
      time: now,
      venue: "coinbase",
      quote: "USD",
      prices,
      usdtUsd: this.#usdtUsd,
    });
  }

  #nextBatch(size: number): { coin: string; product: string; multiplier: number }[] {
    const now = this.#ctx.clock.now();
    const candidates = [...this.#coins].sort().flatMap((coin) => {
      const asset = venueAsset(coin);
      if (!asset) return [];
      const product = `${asset.base}-USD`;
      if (this.#listed && this.#listed.size > 0 && !this.#listed.has(product)) return [];
      if ((this.#missing.get(product) ?? 0) > now) return [];
      return [{ coin, product, multiplier: asset.multiplier }];
    });
    if (candidates.length === 0) return [];
    const out = [];
    for (let i = 0; i < Math.min(size, candidates.length); i++) {
      out.push(candidates[(this.#cursor + i) % candidates.length] as (typeof candidates)[number]);
    }
    this.#cursor = (this.#cursor + out.length) % candidates.length;
    return out;
  }

  async #refreshListing(): Promise<void> {
    this.#listedAt = this.#ctx.clock.now();
    try {
      const body = await this.#get("/products");
      const parsed = validate(productsSchema, body);
      if (!parsed.ok) throw new Error(`invalid Coinbase products payload: ${parsed.error}`);
      this.#listed = new Set(
        parsed.value
          .filter((p) => p.quote_currency === "USD" && (p.status ?? "online") === "online")
          .map((p) => p.id),
      );
    } catch (err) {
      if (this.#ctx.signal.aborted) return;
      // Unknown listing: every product is tried, and those not found are skipped for a while.
      this.#listed = new Set();
      // A refusal here counts like one on a ticker: a 429 is waited out before the tickers, a
      // 451 or 403 moves to the next base URL first.
      this.#gate.failure(err);
      this.#ctx.log.warn(
        { venue: "coinbase", err: this.#gate.detail() },
        "coinbase product listing unavailable",
      );
    }
  }

  async #ticker(product: string): Promise<number | null> {
    try {
      const body = await this.#get(`/products/${product}/ticker`);
      const parsed = validate(tickerSchema, body);
      if (!parsed.ok) throw new Error(`invalid Coinbase ticker for ${product}: ${parsed.error}`);
      this.#gate.success();
      return parsed.value.price > 0 ? parsed.value.price : null;
    } catch (err) {
      if (this.#ctx.signal.aborted) return null;
      if (err instanceof HttpStatusError && (err.status === 404 || err.status === 400)) {
        this.#missing.set(product, this.#ctx.clock.now() + this.#c.listingRefreshMs);
        return null;
      }
      this.#gate.failure(err);
      this.#ctx.log.warn(
        { venue: "coinbase", product, err: this.#gate.detail() },
        "coinbase ticker failed",
      );
      return null;
    }
  }

  async #get(path: string): Promise<unknown> {
    const res = await requestWithRetry(
      this.#ctx.http,
      {
        url: `${this.#gate.baseUrl}${path}`,
        timeoutMs: this.#c.requestTimeoutMs,
        tag: { src: "coinbase", req: { path } },
      },
      {
        clock: this.#ctx.clock,
        random: this.#ctx.random,
        retries: this.#c.retries,
        backoff: { initialMs: 500, maxMs: 2_000, factor: 2 },
        signal: this.#ctx.signal,
      },
    );
    return res.body;
  }
}
