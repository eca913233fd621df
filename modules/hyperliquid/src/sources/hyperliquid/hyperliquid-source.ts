import {
  describeError,
  isAbortError,
  LogThrottle,
  pollEvery,
  type SourceContext,
  type SourceHealth,
  type SourceInstance,
  TokenBucket,
} from "@kamiyo/core";
import type { HlObservation, VaultMember } from "../../observations.ts";
import { defineSource } from "../../plugin-kit.ts";
import { type HyperliquidConfig, hyperliquidConfig } from "./config.ts";
import { discoverFamily } from "./family.ts";
import { InfoClient } from "./info-client.ts";
import {
  clearinghouseStateSchema,
  fillsSchema,
  metaAndAssetCtxsSchema,
  oiCapSchema,
  portfolioSchema,
} from "./schemas.ts";
import { HyperliquidSocket } from "./ws-client.ts";
import type { WsFrame } from "./ws-frames.ts";

/** Hyperliquid info API pollers plus the WebSocket streams, as observations. */
export const hyperliquidSource = defineSource({
  kind: "hyperliquid",
  description:
    "Hyperliquid info API (market contexts, HLP family vaults, OI caps) and WebSocket (trades, liquidator fills)",
  config: hyperliquidConfig,
  create: (config, ctx) => new HyperliquidRunner(config, ctx),
});

interface PollState {
  okAt: number | null;
  failures: number;
  lastError: string | null;
}

class HyperliquidRunner implements SourceInstance {
  readonly #c: HyperliquidConfig;
  readonly #ctx: SourceContext<HlObservation>;
  readonly #info: InfoClient;
  readonly #socket: HyperliquidSocket;
  readonly #polls = new Map<string, PollState>();
  readonly #failLog = new LogThrottle(3, 60_000);
  readonly #known = new Map<string, VaultMember>();
  #family: VaultMember[];
  #discovered = false;
  #tradeCoins = new Set<string>();
  #fillUsers = new Set<string>();
  #lastDataAt: number | null = null;
  #dropped = 0;

  constructor(config: HyperliquidConfig, ctx: SourceContext<HlObservation>) {
    this.#c = config;
    this.#ctx = ctx;
    for (const m of config.familySeed) this.#known.set(m.address, m);
    this.#family = config.familySeed.map((m) => m);
    this.#info = new InfoClient({
      url: config.infoUrl,
      http: ctx.http,
      budget: new TokenBucket(
        ctx.clock,
        config.weightPerMinute,
        Math.min(config.weightPerMinute, 200),
      ),
      clock: ctx.clock,
      random: ctx.random,
      log: ctx.log,
      retries: config.retries,
      backoff: { initialMs: 500, maxMs: 5_000, factor: 2 },
      signal: ctx.signal,
    });
    this.#socket = new HyperliquidSocket({
      url: config.wsUrl,
      clock: ctx.clock,
      random: ctx.random,
      log: ctx.log,
      io: ctx.io,
      signal: ctx.signal,
      pingIntervalMs: config.pingIntervalMs,
      pongTimeoutMs: config.pongTimeoutMs,
      ackTimeoutMs: config.ackTimeoutMs,
      reconnect: { initialMs: config.reconnectInitialMs, maxMs: config.reconnectMaxMs, factor: 2 },
      stableAfterMs: 30_000,
      maxFrameBytes: config.maxFrameBytes,
      onFrame: (frame) => this.#onFrame(frame),
      onRaw: ctx.tapFrame ? (text) => ctx.tapFrame?.("hl.ws", text) : undefined,
      onReconnect: (gapStart) => void this.#backfill(gapStart),
    });
  }

  async run(): Promise<void> {
    const c = this.#c;
    const coins = c.tradeCoins === "all" ? c.bootstrapCoins : c.tradeCoins;
    for (const coin of coins) this.#streamTrades(coin);
    this.#updateFillSubscriptions();
    this.#emitFamily();
    await Promise.all([
      this.#socket.run(),
      this.#every("family", c.familyRefreshMs, () => this.#refreshFamily()),
      this.#every("market", c.marketPollMs, () => this.#pollMarket()),
      this.#every("liquidatorState", c.vaultStatePollMs, () => this.#pollVaultStates("liquidator")),
      this.#every("familyState", c.familyStatePollMs, () => this.#pollVaultStates("family")),
      this.#every("portfolio", c.portfolioPollMs, () => this.#pollPortfolios("parent")),
      this.#every("childPortfolio", c.childPortfolioPollMs, () => this.#pollPortfolios("child")),
      this.#every("oiCap", c.oiCapPollMs, () => this.#pollOiCap()),
    ]);
  }

  health(): SourceHealth {
    const s = this.#socket.counters;
    const i = this.#info.counters;
    const failing = [...this.#polls]
      .filter(([, p]) => p.failures > 0)
      .map(([name, p]) => `${name}: ${p.lastError}`);
    return {
      status: this.#status(),
      detail: [
        this.#socket.connected ? "websocket connected" : "websocket disconnected",
        this.#discovered
          ? `HLP family discovered (${this.#family.length})`
          : "HLP family from seed list",
        ...failing,
      ].join("; "),
      lastDataAt: this.#lastDataAt,
      counters: {
        wsConnects: s.connects,
        wsReconnects: s.reconnects,
        wsFrames: s.frames,
        wsMalformed: s.malformed,
        wsInvalid: s.invalid,
        wsGreetings: s.greetings,
        wsOtherChannels: s.otherChannels,
        wsServerErrors: s.serverErrors,
        wsPongTimeouts: s.pongTimeouts,
        wsAckTimeouts: s.ackTimeouts,
        wsSubscriptions: this.#socket.subscriptionCount,
        infoRequests: i.requests,
        infoFailures: i.failures,
        infoInvalid: i.invalid,
        infoWeight: i.weight,
        dropped: this.#dropped,
      },
    };
  }

  #emit(obs: HlObservation): void {
    this.#lastDataAt = this.#ctx.clock.now();
    if (!this.#ctx.emit(obs)) this.#dropped++;
  }

  #onFrame(frame: WsFrame): void {
    const now = this.#ctx.clock.now();
    switch (frame.channel) {
      case "trades": {
        const first = frame.trades[0];
        if (first)
          this.#emit({ type: "trades", time: first.time, coin: first.coin, trades: frame.trades });
        return;
      }
      case "userFills":
        this.#emit({
          type: "fills",
          time: now,
          user: frame.user,
          fills: frame.fills,
          snapshot: frame.snapshot,
        });
        return;
      default:
        return;
    }
  }

  /** After a reconnect: fills of watched vaults since the gap began, through the info API. */
  async #backfill(gapStart: number): Promise<void> {
    // Fills up to the gap's start arrived on the socket; ask from just before it.
    const since = gapStart - 1_000;
    for (const user of this.#fillUsers) {
      try {
        const fills = await this.#info.request(
          { type: "userFillsByTime", user, startTime: since },
          fillsSchema,
        );
        this.#emit({ type: "fills", time: this.#ctx.clock.now(), user, fills, snapshot: false });
      } catch (err) {
        if (isAbortError(err) || this.#ctx.signal.aborted) return;
        this.#ctx.log.warn({ user, err: describeError(err) }, "fill backfill failed");
      }
    }
  }

  async #every(name: string, intervalMs: number, fn: () => Promise<void>): Promise<void> {
    const { clock, signal } = this.#ctx;
    const state: PollState = { okAt: null, failures: 0, lastError: null };
    this.#polls.set(name, state);
    await pollEvery(clock, signal, intervalMs, async () => {
      try {
        await fn();
        state.okAt = clock.now();
        state.failures = 0;
        state.lastError = null;
      } catch (err) {
        if (signal.aborted) return;
        state.failures++;
        state.lastError = describeError(err);
        const gate = this.#failLog.allow(performance.now());
        if (gate.ok)
          this.#ctx.log.warn(
            { poll: name, err: state.lastError, failures: state.failures },
            "poll failed",
          );
      }
    });
  }

  /** Down when the market poll keeps failing and the socket is down; degraded when any poll fails. */
  #status(): SourceHealth["status"] {
    const polls = [...this.#polls.values()];
    if (polls.every((p) => p.okAt === null && p.failures === 0)) return "starting";
    const market = this.#polls.get("market");
    if (market && market.failures > 2 && !this.#socket.connected) return "down";
    return polls.some((p) => p.failures > 0) ? "degraded" : "up";
  }

  async #refreshFamily(): Promise<void> {
    const c = this.#c;
    const members = await discoverFamily(this.#info, c.hlpVault, c.extraLiquidators, this.#known);
    for (const m of members) if (m.name !== m.address) this.#known.set(m.address, m);
    this.#family = members;
    this.#discovered = true;
    this.#updateFillSubscriptions();
    this.#emitFamily();
  }

  #emitFamily(): void {
    this.#emit({
      type: "vaultFamily",
      time: this.#ctx.clock.now(),
      parent: this.#c.hlpVault,
      members: this.#family,
      discovered: this.#discovered,
    });
  }

  #updateFillSubscriptions(): void {
    const wanted = new Set(
      this.#family.filter((m) => m.role === "liquidator").map((m) => m.address),
    );
    for (const user of this.#fillUsers) {
      if (!wanted.has(user)) this.#socket.unsubscribe({ type: "userFills", user });
    }
    for (const user of wanted) this.#socket.subscribe({ type: "userFills", user });
    this.#fillUsers = wanted;
  }

  #streamTrades(coin: string): void {
    if (this.#tradeCoins.has(coin)) return;
    this.#tradeCoins.add(coin);
    this.#socket.subscribe({ type: "trades", coin });
  }

  async #pollMarket(): Promise<void> {
    const assets = await this.#info.request({ type: "metaAndAssetCtxs" }, metaAndAssetCtxsSchema);
    this.#emit({ type: "market", time: this.#ctx.clock.now(), assets });
    if (this.#c.tradeCoins === "all") {
      for (const a of assets) if (!a.isDelisted) this.#streamTrades(a.coin);
    }
  }

  /** Liquidator vaults (inherited positions) are polled often; the parent and strategy children less. */
  async #pollVaultStates(which: "liquidator" | "family"): Promise<void> {
    let failed: unknown = null;
    for (const vault of this.#family.filter(
      (m) => (m.role === "liquidator") === (which === "liquidator"),
    )) {
      try {
        const s = await this.#info.request(
          { type: "clearinghouseState", user: vault.address },
          clearinghouseStateSchema,
        );
        this.#emit({
          type: "vaultState",
          time: s.time,
          vault,
          accountValue: s.accountValue,
          totalNtlPos: s.totalNtlPos,
          positions: s.positions,
        });
      } catch (err) {
        if (this.#ctx.signal.aborted) throw err;
        failed = err;
      }
    }
    if (failed !== null) throw failed;
  }

  async #pollPortfolios(which: "parent" | "child"): Promise<void> {
    let failed: unknown = null;
    const vaults = this.#family.filter((m) =>
      which === "parent" ? m.role === "parent" : m.role !== "parent",
    );
    for (const vault of vaults) {
      try {
        const p = await this.#info.request(
          { type: "portfolio", user: vault.address },
          portfolioSchema,
        );
        this.#emit({ type: "vaultPortfolio", time: this.#ctx.clock.now(), vault, ...p });
      } catch (err) {
        if (this.#ctx.signal.aborted) throw err;
        failed = err;
      }
    }
    if (failed !== null) throw failed;
  }

  async #pollOiCap(): Promise<void> {
    const coins = await this.#info.request({ type: "perpsAtOpenInterestCap" }, oiCapSchema);
    this.#emit({ type: "oiCap", time: this.#ctx.clock.now(), coins });
  }
}
