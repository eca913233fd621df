import { type Clock, TokenBucket } from "@kamiyo/core";
import {
  BrokenCircuitError,
  type CircuitBreakerPolicy,
  CircuitState,
  ConsecutiveBreaker,
  circuitBreaker,
  ExponentialBackoff,
  handleWhen,
  type RetryPolicy,
  retry,
  TaskCancelledError,
  type TimeoutPolicy,
  TimeoutStrategy,
  timeout,
} from "cockatiel";
import { PlatformError, type PlatformId, type PlatformUsage } from "./platform.ts";

/** How one platform account's calls are guarded and paced. Defaults in `LANE_DEFAULTS`. */
export interface LaneOptions {
  /** Each attempt's limit, ms. */
  timeoutMs: number;
  /** Retries after the first attempt, for idempotent calls only. */
  retries: number;
  /** Exponential backoff with decorrelated jitter between retries, ms. */
  backoffInitialMs: number;
  backoffMaxMs: number;
  /** Consecutive failures (unavailable, timeout, rate limited) that open the circuit. */
  breakerFailures: number;
  /** How long the circuit stays open before one call is let through to probe, ms. */
  halfOpenAfterMs: number;
  /** Outgoing calls a minute to this account, and the burst above that pace. */
  callsPerMinute: number;
  burst: number;
  /**
   * The longest platform-announced wait a call waits for in line before retrying; a longer one
   * fails the call with the wait in `PlatformError.retryAfterMs` (the account stays paused).
   */
  maxInlineWaitMs: number;
  /**
   * The share of a platform's rate limit (`PlatformUsage.percent`, reported with answers that
   * succeeded) from which the account is slowed down: paused for the part of the limit's window
   * (`resetMs`, else `backoffMaxMs`) that the usage past this share is of the rest, and for the
   * whole window at 100 %, so it is not throttled (Meta throttles an account for up to an hour).
   */
  slowDownAtPercent: number;
}

export const LANE_DEFAULTS: LaneOptions = {
  timeoutMs: 10_000,
  retries: 2,
  backoffInitialMs: 200,
  backoffMaxMs: 5_000,
  breakerFailures: 5,
  halfOpenAfterMs: 30_000,
  callsPerMinute: 60,
  burst: 10,
  maxInlineWaitMs: 60_000,
  slowDownAtPercent: 90,
};

/** A breaker's state as metrics name it. */
export type BreakerState = "closed" | "open" | "half_open" | "isolated";

const STATE: Record<CircuitState, BreakerState> = {
  [CircuitState.Closed]: "closed",
  [CircuitState.Open]: "open",
  [CircuitState.HalfOpen]: "half_open",
  [CircuitState.Isolated]: "isolated",
};

/** A lane's counters since it was made (what `syncflow_circuit_breaker_state_count` reads). */
export interface LaneCounters {
  calls: number;
  successes: number;
  failures: number;
  retries: number;
  timeouts: number;
  rateLimited: number;
  /** Answers whose reported usage of a rate limit paused the account (`slowDownAtPercent`). */
  slowedDown: number;
  /** Calls refused without being sent because the circuit was open. */
  shortCircuited: number;
  opened: number;
  halfOpened: number;
  closed: number;
}

/** A lane as reported: platform, account, breaker state and counters. */
export interface LaneSnapshot {
  platform: PlatformId;
  account: string;
  state: BreakerState;
  /** Until when the platform asked this account to wait, ms since the epoch (0: no wait). */
  pausedUntil: number;
  counters: LaneCounters;
}

/** `PlatformError.code` of a call refused because the lane's circuit is open (never sent). */
export const CIRCUIT_OPEN = "circuit_open";

/**
 * A wait shared by lanes: by every lane of one tenant's platform when the platform limits all the
 * accounts its credentials call for (a `PlatformError.limitScope` of "platform"), by every
 * tenant's lanes of the platform when it limits the install's own app credentials ("app").
 */
export interface PlatformPause {
  until: number;
}

const tripsBreaker = (err: unknown): boolean =>
  err instanceof TaskCancelledError || (err instanceof PlatformError && err.retryable);

/**
 * One platform account's calls: its own circuit breaker (cockatiel, consecutive failures), a
 * timeout per attempt, retries with jittered exponential backoff for idempotent calls only, and
 * pacing: a token bucket on the injected clock plus a pause when the platform says to wait.
 * Lanes share nothing but a platform-wide pause (a limit over all of the credentials' accounts),
 * so one account or platform failing leaves the others sending.
 */
export class PlatformLane {
  readonly platform: PlatformId;
  readonly account: string;
  readonly #clock: Clock;
  readonly #options: LaneOptions;
  readonly #bucket: TokenBucket;
  readonly #breaker: CircuitBreakerPolicy;
  readonly #timeout: TimeoutPolicy;
  readonly #retry: RetryPolicy;
  #pausedUntil = 0;
  readonly #platformPause: PlatformPause;
  readonly #appPause: PlatformPause;
  readonly #counters: LaneCounters = {
    calls: 0,
    successes: 0,
    failures: 0,
    retries: 0,
    timeouts: 0,
    rateLimited: 0,
    slowedDown: 0,
    shortCircuited: 0,
    opened: 0,
    halfOpened: 0,
    closed: 0,
  };

  /**
   * @param platformPause the wait the lanes of this platform's credentials share (one object per
   *   tenant and platform); the lane's own by default.
   * @param appPause the wait every tenant's lanes of this platform share (one object per
   *   platform: the install's app credentials); the lane's own by default.
   */
  constructor(
    platform: PlatformId,
    account: string,
    clock: Clock,
    options: Partial<LaneOptions> = {},
    platformPause: PlatformPause = { until: 0 },
    appPause: PlatformPause = { until: 0 },
  ) {
    this.#platformPause = platformPause;
    this.#appPause = appPause;
    this.platform = platform;
    this.account = account;
    this.#clock = clock;
    const o = { ...LANE_DEFAULTS, ...options };
    this.#options = o;
    this.#bucket = new TokenBucket(clock, o.callsPerMinute, o.burst);
    this.#breaker = circuitBreaker(handleWhen(tripsBreaker), {
      halfOpenAfter: o.halfOpenAfterMs,
      breaker: new ConsecutiveBreaker(o.breakerFailures),
    });
    this.#breaker.onBreak(() => this.#counters.opened++);
    this.#breaker.onHalfOpen(() => this.#counters.halfOpened++);
    this.#breaker.onReset(() => this.#counters.closed++);
    this.#timeout = timeout(o.timeoutMs, TimeoutStrategy.Aggressive);
    this.#retry = retry(
      handleWhen(
        (err) =>
          tripsBreaker(err) &&
          !(
            err instanceof PlatformError &&
            (err.code === CIRCUIT_OPEN || (err.retryAfterMs ?? 0) > o.maxInlineWaitMs)
          ),
      ),
      {
        maxAttempts: o.retries,
        backoff: new ExponentialBackoff({
          initialDelay: o.backoffInitialMs,
          maxDelay: o.backoffMaxMs,
        }),
      },
    );
    this.#retry.onRetry(() => this.#counters.retries++);
  }

  /**
   * Runs one platform call through the lane: paced, guarded by the breaker, timed out, and
   * retried only when `idempotent` (a non-idempotent call that timed out may have happened, so
   * it is never sent twice). The call gets an abort signal that fires on timeout.
   * @throws PlatformError (`timeout` for a timeout, `unavailable` while the circuit is open,
   *   with `code` `circuit_open`), or what `fn` threw otherwise.
   */
  async run<T>(
    fn: (signal: AbortSignal) => Promise<T>,
    opts: { idempotent: boolean; signal?: AbortSignal },
  ): Promise<T> {
    const attempt = async (outer?: AbortSignal): Promise<T> => {
      await this.#paced(outer);
      this.#counters.calls++;
      try {
        const value = await this.#breaker.execute(() =>
          this.#timeout.execute(({ signal }) => fn(signal), outer),
        );
        this.#counters.successes++;
        this.#slowDown(value);
        return value;
      } catch (err) {
        throw this.#failed(err);
      }
    };
    if (!opts.idempotent) return attempt(opts.signal);
    return this.#retry.execute(({ signal }) => attempt(signal), opts.signal);
  }

  /** The lane's breaker state and counters now. */
  snapshot(): LaneSnapshot {
    return {
      platform: this.platform,
      account: this.account,
      state: STATE[this.#breaker.state],
      pausedUntil: this.#until() > this.#clock.now() ? this.#until() : 0,
      counters: { ...this.#counters },
    };
  }

  #until(): number {
    return Math.max(this.#pausedUntil, this.#platformPause.until, this.#appPause.until);
  }

  /** Waits out a platform-announced pause, then for a token of the account's pace. */
  async #paced(signal?: AbortSignal): Promise<void> {
    for (;;) {
      const wait = this.#until() - this.#clock.now();
      if (wait <= 0) break;
      await this.#clock.sleep(wait, signal);
    }
    await this.#bucket.take(1, signal);
  }

  /**
   * Pauses the account when an answer says its calls used `slowDownAtPercent` or more of a rate
   * limit: for (percent − threshold) / (100 − threshold) of the limit's window, all of it at 100 %.
   */
  #slowDown(value: unknown): void {
    const usage = (value as { usage?: PlatformUsage } | null)?.usage;
    const from = this.#options.slowDownAtPercent;
    if (!usage || usage.percent < from) return;
    const window = usage.resetMs ?? this.#options.backoffMaxMs;
    const share = Math.min(1, (usage.percent - from) / Math.max(1, 100 - from));
    const wait = Math.ceil(window * share);
    if (wait <= 0) return;
    this.#counters.slowedDown++;
    this.#pausedUntil = Math.max(this.#pausedUntil, this.#clock.now() + wait);
  }

  #failed(err: unknown): unknown {
    if (err instanceof BrokenCircuitError) {
      this.#counters.shortCircuited++;
      return new PlatformError(
        this.platform,
        "unavailable",
        `circuit open for account ${this.account}`,
        {
          code: CIRCUIT_OPEN,
          cause: err,
        },
      );
    }
    this.#counters.failures++;
    if (err instanceof TaskCancelledError) {
      this.#counters.timeouts++;
      return new PlatformError(
        this.platform,
        "timeout",
        `no answer within ${this.#options.timeoutMs} ms`,
        {
          cause: err,
        },
      );
    }
    if (err instanceof PlatformError && err.kind === "rate_limited") {
      this.#counters.rateLimited++;
      // Unannounced limits still wait the first backoff step, so retries don't hammer.
      const until = this.#clock.now() + (err.retryAfterMs ?? this.#options.backoffInitialMs);
      const pause =
        err.limitScope === "app"
          ? this.#appPause
          : err.limitScope === "platform"
            ? this.#platformPause
            : null;
      if (pause) pause.until = Math.max(pause.until, until);
      else this.#pausedUntil = Math.max(this.#pausedUntil, until);
    }
    return err;
  }
}
