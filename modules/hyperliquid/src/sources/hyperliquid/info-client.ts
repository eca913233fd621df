import {
  AppError,
  type BackoffPolicy,
  type Clock,
  type HttpClient,
  type Logger,
  type Random,
  requestWithRetry,
  type TokenBucket,
} from "@kamiyo/core";
import type { z } from "zod";
import { validate } from "../validate.ts";
import { itemWeight, requestWeight } from "./weights.ts";

export interface InfoClientOptions {
  /** Full URL of the info endpoint, e.g. https://api.hyperliquid.xyz/info. */
  url: string;
  http: HttpClient;
  /** Shared request-weight budget (under the 1200/min limit). */
  budget: TokenBucket;
  clock: Clock;
  random: Random;
  log: Logger;
  retries: number;
  backoff: BackoffPolicy;
  signal: AbortSignal;
}

/** Counters of the info client. */
export interface InfoCounters {
  requests: number;
  failures: number;
  invalid: number;
  weight: number;
}

/** Hyperliquid `POST /info`, weighted, retried, validated at the edge. */
export class InfoClient {
  readonly counters: InfoCounters = { requests: 0, failures: 0, invalid: 0, weight: 0 };
  readonly #o: InfoClientOptions;

  constructor(options: InfoClientOptions) {
    this.#o = options;
  }

  /**
   * Sends `body` and validates the answer with `schema`.
   * @throws AppError("upstream_invalid") when the payload does not match; HTTP and network errors after retries.
   */
  async request<S extends z.ZodType>(
    body: { type: string } & Record<string, unknown>,
    schema: S,
  ): Promise<z.output<S>> {
    const o = this.#o;
    const weight = requestWeight(body.type);
    await o.budget.take(weight, o.signal);
    this.counters.requests++;
    this.counters.weight += weight;
    let res: Awaited<ReturnType<typeof requestWithRetry>>;
    try {
      res = await requestWithRetry(
        o.http,
        { url: o.url, method: "POST", body, tag: { src: "hl.info", req: body } },
        {
          clock: o.clock,
          random: o.random,
          retries: o.retries,
          backoff: o.backoff,
          signal: o.signal,
          onRetry: (err, attempt, delayMs) =>
            o.log.debug(
              { type: body.type, attempt, delayMs, err: String(err) },
              "retrying info request",
            ),
        },
      );
    } catch (err) {
      this.counters.failures++;
      throw err;
    }
    if (Array.isArray(res.body)) {
      const extra = itemWeight(body.type, res.body.length);
      if (extra > 0) {
        o.budget.charge(extra);
        this.counters.weight += extra;
      }
    }
    const parsed = validate(schema, res.body);
    if (!parsed.ok) {
      this.counters.invalid++;
      throw new AppError("upstream_invalid", `invalid ${body.type} response: ${parsed.error}`, {
        details: { type: body.type },
      });
    }
    return parsed.value;
  }
}
