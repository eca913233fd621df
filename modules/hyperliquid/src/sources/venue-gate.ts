import {
  AppError,
  type BackoffPolicy,
  backoffDelay,
  type Clock,
  HttpStatusError,
  type Random,
  type SourceHealth,
} from "@kamiyo/core";

/**
 * Failure handling of one outside venue: after an error the venue is skipped for a backoff
 * period (a Retry-After header, when given, sets it), and its health goes degraded, then down.
 * A 451 (restricted location) or 403 makes the venue move to its next base URL.
 */
export class VenueGate {
  readonly #clock: Clock;
  readonly #random: Random;
  readonly #policy: BackoffPolicy;
  readonly #urls: readonly string[];
  #urlIndex = 0;
  #blockedUntil = 0;
  #failures = 0;
  #lastError: string | null = null;
  readonly counters = { requests: 0, failures: 0, rateLimited: 0, restricted: 0, fallbacks: 0 };

  /** @param urls base URLs in order of preference (the first is the primary). */
  constructor(clock: Clock, random: Random, policy: BackoffPolicy, urls: readonly string[]) {
    this.#clock = clock;
    this.#random = random;
    this.#policy = policy;
    this.#urls = urls;
  }

  /** The base URL in use. */
  get baseUrl(): string {
    return this.#urls[this.#urlIndex] as string;
  }

  /** False while the venue is backing off. */
  open(): boolean {
    return this.#clock.now() >= this.#blockedUntil;
  }

  success(): void {
    this.counters.requests++;
    this.#failures = 0;
    this.#lastError = null;
  }

  /** Records a failed call and decides the backoff and fallback. */
  failure(err: unknown): void {
    this.counters.requests++;
    this.counters.failures++;
    this.#failures++;
    this.#lastError = err instanceof Error ? err.message : String(err);
    let delay = backoffDelay(this.#policy, this.#failures - 1, this.#random);
    if (err instanceof HttpStatusError) {
      if (err.status === 429 || err.status === 418) {
        this.counters.rateLimited++;
        delay = Math.max(delay, err.retryAfterMs ?? 60_000);
      } else if (err.status === 451 || err.status === 403) {
        this.counters.restricted++;
        if (this.#urlIndex + 1 < this.#urls.length) {
          this.#urlIndex++;
          this.counters.fallbacks++;
          delay = 0;
        } else {
          this.#urlIndex = 0;
          delay = Math.max(delay, 10 * 60_000);
        }
      }
    } else if (
      err instanceof AppError &&
      !err.retryable &&
      this.#urlIndex + 1 < this.#urls.length
    ) {
      this.#urlIndex++;
      this.counters.fallbacks++;
    }
    this.#blockedUntil = this.#clock.now() + delay;
  }

  status(): SourceHealth["status"] {
    if (this.#failures === 0) return this.counters.requests === 0 ? "starting" : "up";
    return this.#failures >= 3 ? "down" : "degraded";
  }

  detail(): string {
    const where = this.#urlIndex > 0 ? ` (fallback ${this.baseUrl})` : "";
    return this.#lastError ? `failing${where}: ${this.#lastError}` : `ok${where}`;
  }
}
