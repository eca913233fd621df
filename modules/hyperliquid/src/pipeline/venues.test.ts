import {
  FetchHttpClient,
  IoTracker,
  type SourceHealth,
  seededRandom,
  silentLogger,
  VirtualClock,
} from "@kamiyo/core";
import { Monitor } from "@kamiyo/monitor";
import { afterEach, describe, expect, it } from "vitest";
import type { AssetCtx } from "../observations.ts";
import { MONITOR_PLUGINS, type MonitorConfigInput, monitorConfig } from "./monitor-config.ts";
import { refusingUrl, type VenueAnswer, VenueServer } from "./testing/venue-servers.ts";

/** 2025-03-27 00:00 UTC. */
const T0 = 1_743_033_600_000;
const POLL_MS = 10_000;
/** Coinbase spaces its requests 200 ms apart (5 a second) and emits after the last one. */
const COINBASE_REQUESTS_PER_POLL = 4;

type VenueKind = "binance" | "coinbase";
type VenueConfig = NonNullable<
  NonNullable<NonNullable<MonitorConfigInput["sources"]>["binance"]>["config"]
>;

interface Run {
  clock: VirtualClock;
  monitor: Monitor;
  io: IoTracker;
  /** Requests the venue servers hold unanswered on purpose. */
  held: () => number;
  health(venue: VenueKind): SourceHealth;
}

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function server(kind: VenueKind, clock: VirtualClock): Promise<VenueServer> {
  const s =
    kind === "binance" ? await VenueServer.binance(clock) : await VenueServer.coinbase(clock);
  cleanups.push(() => s.close());
  return s;
}

/**
 * A monitor with only the Binance and Coinbase sources, on a virtual clock, told (as the
 * Hyperliquid source would) that BTC, ETH and SOL are listed.
 */
async function start(
  clock: VirtualClock,
  venues: Record<VenueKind, VenueConfig & { urls: string[] }>,
  held: () => number = () => 0,
): Promise<Run> {
  const io = new IoTracker();
  const config = monitorConfig.parse({
    sources: {
      hyperliquid: { enabled: false },
      binance: { config: { pollMs: POLL_MS, ...venues.binance } },
      coinbase: { config: { pollMs: POLL_MS, ...venues.coinbase } },
    },
    tickMs: 60_000,
  });
  const monitor = await Monitor.create(config, {
    clock,
    random: seededRandom(1),
    log: silentLogger,
    http: new FetchHttpClient({ userAgent: "kamiyo-test", timeoutMs: 30_000, io }),
    io,
    db: null,
    tenantId: "ten_default",
    plugins: MONITOR_PLUGINS,
  });
  monitor.emit({ type: "market", time: clock.now(), assets: ["BTC", "ETH", "SOL"].map(asset) });
  monitor.start();
  cleanups.push(() => monitor.stop());
  return {
    clock,
    monitor,
    io,
    held,
    health: (venue) => monitor.health().sources[venue] as SourceHealth,
  };
}

/**
 * Waits until nothing is in flight but the requests a server holds unanswered on purpose, and
 * the pipeline's queue is drained, over three event-loop turns.
 */
async function settle(run: Run): Promise<void> {
  const deadline = Date.now() + 10_000;
  for (let stable = 0; stable < 3; ) {
    await new Promise((r) => setImmediate(r));
    const idle = run.io.inFlight <= run.held() && run.monitor.health().stats.queue.size === 0;
    stable = idle ? stable + 1 : 0;
    if (Date.now() > deadline) throw new Error("the monitor did not settle within 10 s");
  }
}

/** Moves the clock to `t`, timer by timer, letting the sources' I/O finish at each step. */
async function runTo(run: Run, t: number): Promise<void> {
  await settle(run);
  for (let next = run.clock.nextTimerAt(); next !== undefined && next <= t; ) {
    run.clock.advanceTo(next);
    await settle(run);
    next = run.clock.nextTimerAt();
  }
  run.clock.advanceTo(t);
  await settle(run);
}

/** Waits in real time (request timeouts are real time). */
async function until(check: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 5_000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

function asset(coin: string): AssetCtx {
  return {
    coin,
    markPx: 100,
    oraclePx: 100,
    midPx: 100,
    funding: 0.0000125,
    openInterest: 1_000,
    premium: 0,
    prevDayPx: 100,
    dayNtlVlm: 1e9,
    impactBidPx: null,
    impactAskPx: null,
    maxLeverage: 20,
    isDelisted: false,
  };
}

/** Each venue's own answers when it limits or bans a client, or refuses its location. */
function refusal(venue: VenueKind, status: number, retryAfterS?: number): VenueAnswer {
  const headers = retryAfterS === undefined ? undefined : { "retry-after": String(retryAfterS) };
  const body =
    venue === "coinbase"
      ? { message: status === 429 ? "Public rate limit exceeded" : "Forbidden" }
      : status === 429
        ? { code: -1003, msg: "Too many requests; current limit of IP is 6000 per minute." }
        : status === 418
          ? { code: -1003, msg: "Way too many requests; IP banned until 1743033900000." }
          : status === 451
            ? {
                code: 0,
                msg: "Service unavailable from a restricted location according to 'b. Eligibility' in https://www.binance.com/en/terms. Please contact customer service if you believe you received this message in error.",
              }
            : "<HTML><HEAD><TITLE>ERROR: The request could not be satisfied</TITLE></HEAD><BODY><H1>403 ERROR</H1></BODY></HTML>";
  return { status, headers, body };
}

describe("Binance and Coinbase behind their venue gates (local venue servers, virtual time)", () => {
  it.each([
    { venue: "binance", status: 429, retryAfterS: 120, limited: 2 },
    { venue: "binance", status: 418, retryAfterS: 300, limited: 1 },
    { venue: "coinbase", status: 429, retryAfterS: 120, limited: 2 },
  ] as const)(
    "$venue $status with Retry-After $retryAfterS s: no request before it is up, then prices again",
    async ({ venue, status, retryAfterS, limited }) => {
      const clock = new VirtualClock(T0);
      const limiting = await server(venue, clock);
      const other = await server(venue === "binance" ? "coinbase" : "binance", clock);
      limiting.override = (_path, n) =>
        n <= limited ? refusal(venue, status, retryAfterS) : undefined;
      const [binance, coinbase] = venue === "binance" ? [limiting, other] : [other, limiting];
      const run = await start(clock, {
        binance: { urls: [binance.url] },
        coinbase: { urls: [coinbase.url] },
      });
      await runTo(run, T0 + limited * retryAfterS * 1_000 + 2 * POLL_MS);

      const times = limiting.requests.map((r) => r.at);
      // The limited answers, then at least one request once the wait was over.
      expect(times.length).toBeGreaterThan(limited);
      const waits = times.slice(1, limited + 1).map((t, i) => t - (times[i] as number));
      expect(waits).toHaveLength(limited);
      expect(Math.min(...waits)).toBeGreaterThanOrEqual(retryAfterS * 1_000);
      const h = run.health(venue);
      expect(h.counters.rateLimited).toBe(1);
      expect(h.lastDataAt).toBeGreaterThanOrEqual((times[limited] as number) - 1);
      expect(h.status).toBe("up");
    },
  );

  it.each([
    ["binance", 451],
    ["binance", 403],
    ["coinbase", 451],
    ["coinbase", 403],
  ] as const)(
    "%s %i on the first base URL: the next base URL is used from then on",
    async (venue, status) => {
      const clock = new VirtualClock(T0);
      const primary = await server(venue, clock);
      const mirror = await server(venue, clock);
      const other = await server(venue === "binance" ? "coinbase" : "binance", clock);
      primary.override = () => refusal(venue, status);
      const run = await start(
        clock,
        venue === "binance"
          ? { binance: { urls: [primary.url, mirror.url] }, coinbase: { urls: [other.url] } }
          : { binance: { urls: [other.url] }, coinbase: { urls: [primary.url, mirror.url] } },
      );
      await runTo(run, T0 + 6 * POLL_MS + POLL_MS / 2);

      expect(primary.requests).toHaveLength(1);
      // Every poll after the refusal went to the mirror, and its prices came through.
      const polls = new Set(mirror.requests.map((r) => Math.floor((r.at - T0) / POLL_MS)));
      expect([...polls].sort()).toEqual(
        venue === "binance" ? [1, 2, 3, 4, 5, 6] : [0, 1, 2, 3, 4, 5, 6],
      );
      const h = run.health(venue);
      expect(h.counters).toMatchObject({ restricted: 1, fallbacks: 1 });
      expect(h.detail).toBe(`ok (fallback ${mirror.url})`);
      expect(h.lastDataAt).toBeGreaterThanOrEqual(T0 + 6 * POLL_MS);
    },
  );

  it("a Binance that never answers holds up neither Coinbase's polls nor the pipeline", async () => {
    const clock = new VirtualClock(T0);
    const binance = await server("binance", clock);
    const coinbase = await server("coinbase", clock);
    binance.override = () => "hang";
    const run = await start(
      clock,
      {
        binance: { urls: [binance.url], requestTimeoutMs: 30_000 },
        coinbase: { urls: [coinbase.url] },
      },
      () => binance.held,
    );
    const seen: (number | null)[] = [];
    for (let k = 0; k <= 6; k++) {
      await runTo(run, T0 + k * POLL_MS + POLL_MS / 2);
      seen.push(run.health("coinbase").lastDataAt);
    }
    // Coinbase's prices at every poll, each right after its four requests.
    expect(seen).toEqual(
      [0, 1, 2, 3, 4, 5, 6].map((k) => T0 + k * POLL_MS + COINBASE_REQUESTS_PER_POLL * 200),
    );
    // All routed by the pipeline while Binance's first request is still unanswered.
    expect(run.monitor.health().stats.observations.externalPrices).toBe(7);
    expect(binance.requests).toHaveLength(1);
    expect(binance.held).toBe(1);
    expect(run.health("binance")).toMatchObject({ status: "starting", lastDataAt: null });
  });

  it("a Coinbase that refuses connections holds up neither Binance's polls nor the pipeline", async () => {
    const clock = new VirtualClock(T0);
    const binance = await server("binance", clock);
    const run = await start(clock, {
      binance: { urls: [binance.url] },
      coinbase: { urls: [await refusingUrl()] },
    });
    const seen: (number | null)[] = [];
    for (let k = 0; k <= 6; k++) {
      await runTo(run, T0 + k * POLL_MS + POLL_MS / 2);
      seen.push(run.health("binance").lastDataAt);
    }
    expect(seen).toEqual([0, 1, 2, 3, 4, 5, 6].map((k) => T0 + k * POLL_MS));
    expect(run.monitor.health().stats.observations.externalPrices).toBe(7);
    const h = run.health("coinbase");
    expect(h.status).toBe("down");
    expect(h.detail).toMatch(/^failing: request failed: http:\/\/127\.0\.0\.1:\d+\/products\//);
    expect(h.lastDataAt).toBeNull();
  });

  it("a request hanging past its timeout marks Binance failing; it backs off and comes back", async () => {
    const clock = new VirtualClock(T0);
    const binance = await server("binance", clock);
    const coinbase = await server("coinbase", clock);
    binance.override = (_path, n) => (n === 1 ? "hang" : undefined);
    const run = await start(
      clock,
      {
        // Long enough that an answered request never times out on a loaded machine.
        binance: { urls: [binance.url], requestTimeoutMs: 1_000, retries: 0 },
        coinbase: { urls: [coinbase.url] },
      },
      () => binance.held,
    );
    await until(() => run.health("binance").counters.failures === 1, "the request timeout");
    expect(run.health("binance")).toMatchObject({
      status: "degraded",
      detail: expect.stringMatching(/^failing: timed out after 1000 ms: /),
    });
    await runTo(run, T0 + 3 * POLL_MS);
    expect(binance.requests.map((r) => r.at)).toEqual([
      T0,
      T0 + POLL_MS,
      T0 + 2 * POLL_MS,
      T0 + 3 * POLL_MS,
    ]);
    expect(run.health("binance")).toMatchObject({ status: "up", lastDataAt: T0 + 3 * POLL_MS });
  });
});
