import type { FastifyRateLimitStore, FastifyRateLimitStoreCtor } from "@fastify/rate-limit";
import type { Logger } from "@kamiyo/core";
import { Redis } from "ioredis";

/** A counter's state after one more hit: hits in the window, and ms until the window ends. */
export interface WindowCount {
  current: number;
  ttl: number;
}

/** Where the counters live now, for `/ready`. */
export interface LimitStoreState {
  /** `redis`: shared by every replica; `memory`: this process's own. */
  backend: "redis" | "memory";
  /** REDIS_URL is set but Redis does not answer: limits are per process until it is back. */
  degraded: boolean;
  error: string | null;
}

/** Keys past this many are pruned of ended windows (and, if none ended, cleared). */
const MAX_MEMORY_KEYS = 100_000;

/**
 * One fixed window per key, INCRBY then PEXPIRE when the key has no expiry yet, atomically (a Lua script):
 * every replica counting into the same key sees the same total. Returns `[current, ttl ms]`.
 */
const INCR_SCRIPT = `
local current = redis.call('INCRBY', KEYS[1], ARGV[2])
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[1]); ttl = tonumber(ARGV[1]) end
return {current, ttl}`;

/**
 * The counters behind every rate limit and quota (`@fastify/rate-limit`'s store): fixed windows
 * in Redis when `REDIS_URL` is set, so replicas share them, else in this process's memory. When
 * Redis does not answer (down, or not connected yet), a count is taken in memory instead and the
 * store reports itself degraded (in `/ready`); it goes back to Redis once Redis is reachable. A
 * limit never fails a request because Redis is away.
 */
export class LimitStore implements FastifyRateLimitStore {
  readonly #redis: Redis | null;
  readonly #memory = new Map<string, { current: number; endsAt: number }>();
  readonly #log: Logger;
  readonly #now: () => number;
  #error: string | null = null;

  constructor(deps: { redisUrl: string | null; log: Logger; now: () => number }) {
    this.#log = deps.log;
    this.#now = deps.now;
    this.#redis = deps.redisUrl
      ? new Redis(deps.redisUrl, {
          // Commands while disconnected fail at once (and count in memory) instead of queueing.
          enableOfflineQueue: false,
          maxRetriesPerRequest: 0,
          connectTimeout: 2_000,
          commandTimeout: 500,
          retryStrategy: (attempt) => Math.min(200 * attempt, 5_000),
          keyPrefix: "kamiyo:limit:",
        })
      : null;
    this.#redis?.on("error", (err: Error) => this.#degrade(err));
    this.#redis?.on("ready", () => this.#recover());
  }

  /** Adds one hit to `key`'s window of `timeWindow` ms (`@fastify/rate-limit`'s store contract). */
  incr(
    key: string,
    callback: (error: Error | null, result?: WindowCount) => void,
    timeWindow: number,
  ): void {
    const taken = this.take(key, timeWindow);
    if (taken instanceof Promise) taken.then((count) => callback(null, count));
    else callback(null, taken);
  }

  /**
   * `key`'s window as it stands, without a hit (`@fastify/rate-limit`'s `{ increment: false }`):
   * sign-in asks whether an address is already past its failures before checking a password.
   */
  read(
    key: string,
    callback: (error: Error | null, result?: WindowCount) => void,
    timeWindow: number,
  ): void {
    const memory = () => {
      const w = this.#memory.get(key);
      const now = this.#now();
      return w && w.endsAt > now
        ? { current: w.current, ttl: w.endsAt - now }
        : { current: 0, ttl: timeWindow };
    };
    const redis = this.#redis;
    if (redis?.status !== "ready") {
      callback(null, memory());
      return;
    }
    redis
      .multi()
      .get(key)
      .pttl(key)
      .exec()
      .then((replies) => {
        this.#recover();
        const current = Number(replies?.[0]?.[1] ?? 0);
        const ttl = Number(replies?.[1]?.[1] ?? -1);
        callback(null, { current, ttl: ttl > 0 ? ttl : timeWindow });
      })
      .catch((err: Error) => {
        this.#degrade(err);
        callback(null, memory());
      });
  }

  /**
   * `by` more hits on `key`'s window (one by default; a negative `by` gives back what a refused
   * reservation took): synchronously from memory (no Redis configured, or Redis away), else a
   * promise of Redis's count (memory's if Redis fails it). The limiter on every request uses this;
   * it awaits only when it must.
   */
  take(key: string, timeWindow: number, by = 1): WindowCount | Promise<WindowCount> {
    const redis = this.#redis;
    if (redis?.status !== "ready") {
      if (redis && this.#error === null) this.#degrade(new Error(`Redis is ${redis.status}`));
      return this.#incrMemory(key, timeWindow, by);
    }
    return redis
      .eval(INCR_SCRIPT, 1, key, Math.max(1, Math.ceil(timeWindow)), by)
      .then((reply) => {
        this.#recover();
        const [current, ttl] = reply as [number, number];
        return { current, ttl };
      })
      .catch((err: Error) => {
        this.#degrade(err);
        return this.#incrMemory(key, timeWindow, by);
      });
  }

  /** Limiters made per route share these counters (their keys say what they count). */
  child(): FastifyRateLimitStore {
    return this;
  }

  get state(): LimitStoreState {
    if (!this.#redis) return { backend: "memory", degraded: false, error: null };
    const degraded = this.#error !== null || this.#redis.status !== "ready";
    return {
      backend: degraded ? "memory" : "redis",
      degraded,
      error: degraded ? (this.#error ?? `Redis is ${this.#redis.status}`) : null,
    };
  }

  /** Connects now (otherwise the first counts are taken in memory while Redis connects). */
  async ready(timeoutMs = 2_000): Promise<void> {
    const redis = this.#redis;
    if (!redis || redis.status === "ready") return;
    await new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        redis.off("ready", done);
        resolve();
      };
      const timer = setTimeout(done, timeoutMs);
      redis.once("ready", done);
    });
  }

  async close(): Promise<void> {
    this.#redis?.disconnect(false);
  }

  /** The store as `@fastify/rate-limit` takes it (a constructor; every instance is this one). */
  asCtor(): FastifyRateLimitStoreCtor {
    const store = this;
    return function Shared() {
      return store;
    } as unknown as FastifyRateLimitStoreCtor;
  }

  #incrMemory(key: string, timeWindow: number, by: number): WindowCount {
    const now = this.#now();
    let w = this.#memory.get(key);
    if (!w || w.endsAt <= now) {
      if (!w && this.#memory.size >= MAX_MEMORY_KEYS) this.#prune(now);
      w = { current: 0, endsAt: now + timeWindow };
      this.#memory.set(key, w);
    }
    w.current += by;
    return { current: w.current, ttl: w.endsAt - now };
  }

  #prune(now: number): void {
    for (const [k, w] of this.#memory) if (w.endsAt <= now) this.#memory.delete(k);
    if (this.#memory.size >= MAX_MEMORY_KEYS) this.#memory.clear();
  }

  /**
   * Redis answered (or reconnected): no longer degraded. A command that timed out leaves the
   * connection up, so no `ready` event follows it; the next answer ends the degradation.
   */
  #recover(): void {
    if (this.#error === null) return;
    this.#error = null;
    this.#log.info({}, "Redis is back: rate limits are shared again");
  }

  #degrade(err: Error): void {
    const first = this.#error === null;
    this.#error = err.message || String(err);
    // Once per outage: a reconnect loop would otherwise log every few hundred ms.
    if (first)
      this.#log.warn(
        { error: this.#error },
        "Redis does not answer: rate limits and quotas count in this process until it is back",
      );
  }
}
