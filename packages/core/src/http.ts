import { type BackoffPolicy, backoffDelay } from "./backoff.ts";
import type { Clock } from "./clock.ts";
import { AppError } from "./errors.ts";
import type { IoTracker } from "./io-tracker.ts";
import type { Random } from "./random.ts";

/** How a request appears in a recording: the replay format's `src` and `req`. */
export interface ExchangeTag {
  src: string;
  req: unknown;
}

export interface HttpRequest {
  url: string;
  method?: "GET" | "POST";
  /** Sent as JSON. */
  body?: unknown;
  headers?: Record<string, string>;
  /** Default: the client's timeout. */
  timeoutMs?: number;
  signal?: AbortSignal;
  /** Set by sources so that recorders can write the exchange in replay format. */
  tag?: ExchangeTag;
}

export interface HttpResponse {
  status: number;
  headers: Headers;
  /** Parsed JSON, or the raw text when the body is not JSON. */
  body: unknown;
}

/** One HTTP attempt. Any status is returned; network failures and timeouts throw. */
export interface HttpClient {
  /** @throws AppError("upstream_unavailable", retryable) on network errors and timeouts. */
  request(req: HttpRequest): Promise<HttpResponse>;
}

/** Options of {@link FetchHttpClient}. */
export interface FetchHttpClientOptions {
  userAgent: string;
  /** Per-request timeout, ms. */
  timeoutMs: number;
  /** Counts requests in flight (replays wait for zero). */
  io?: IoTracker;
}

/** {@link HttpClient} on Node's fetch; redirects are not followed. */
export class FetchHttpClient implements HttpClient {
  private readonly options: FetchHttpClientOptions;

  constructor(options: FetchHttpClientOptions) {
    this.options = options;
  }

  async request(req: HttpRequest): Promise<HttpResponse> {
    const io = this.options.io;
    io?.begin();
    try {
      return await this.#send(req);
    } finally {
      io?.end();
    }
  }

  async #send(req: HttpRequest): Promise<HttpResponse> {
    const timeout = AbortSignal.timeout(req.timeoutMs ?? this.options.timeoutMs);
    const signal = req.signal ? AbortSignal.any([req.signal, timeout]) : timeout;
    const headers: Record<string, string> = {
      "user-agent": this.options.userAgent,
      accept: "application/json",
      ...req.headers,
    };
    let payload: string | undefined;
    if (req.body !== undefined) {
      payload = JSON.stringify(req.body);
      headers["content-type"] = "application/json";
    }
    let res: Response;
    let text: string;
    try {
      res = await fetch(req.url, {
        method: req.method ?? (payload === undefined ? "GET" : "POST"),
        headers,
        body: payload,
        signal,
        redirect: "manual",
      });
      text = await res.text();
    } catch (err) {
      if (req.signal?.aborted) throw req.signal.reason;
      const timedOut = timeout.aborted;
      throw new AppError(
        "upstream_unavailable",
        timedOut
          ? `timed out after ${req.timeoutMs ?? this.options.timeoutMs} ms: ${req.url}`
          : `request failed: ${req.url}`,
        { cause: err, retryable: true },
      );
    }
    return { status: res.status, headers: res.headers, body: parseBody(text) };
  }
}

function parseBody(text: string): unknown {
  if (text.length === 0) return null;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** A non-2xx answer. `retryAfterMs` comes from the Retry-After header when present. */
export class HttpStatusError extends AppError {
  readonly status: number;
  readonly retryAfterMs: number | null;

  constructor(url: string, status: number, body: unknown, retryAfterMs: number | null) {
    const excerpt =
      typeof body === "string" ? body.slice(0, 200) : JSON.stringify(body)?.slice(0, 200);
    super(
      status === 429 || status === 418
        ? "rate_limited"
        : status >= 500
          ? "upstream_unavailable"
          : "upstream_rejected",
      `HTTP ${status} from ${url}: ${excerpt}`,
      { retryable: status === 429 || status >= 500, details: { status } },
    );
    this.status = status;
    this.retryAfterMs = retryAfterMs;
  }
}

/** Parses a Retry-After header (seconds or HTTP date) into milliseconds from `now`. */
export function parseRetryAfter(value: string | null, now: number): number | null {
  if (value === null || value.trim() === "") return null;
  const seconds = Number(value);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? null : Math.max(0, date - now);
}

/** Retry settings for {@link requestWithRetry}. */
export interface RetryOptions {
  clock: Clock;
  random: Random;
  /** Retries after the first attempt. */
  retries: number;
  backoff: BackoffPolicy;
  signal?: AbortSignal;
  /** Called before each wait, for logging and metrics. */
  onRetry?: (err: unknown, attempt: number, delayMs: number) => void;
}

/**
 * Sends `req` until it gets a 2xx, retrying network failures, 429 and 5xx with jittered
 * exponential backoff (a Retry-After header, when longer, wins).
 * @throws HttpStatusError for a non-retryable status or when retries run out; AppError for network failures.
 */
export async function requestWithRetry(
  http: HttpClient,
  req: HttpRequest,
  opts: RetryOptions,
): Promise<HttpResponse> {
  for (let attempt = 0; ; attempt++) {
    let failure: unknown;
    let retryAfterMs: number | null = null;
    try {
      const res = await http.request({ ...req, signal: opts.signal });
      if (res.status >= 200 && res.status < 300) return res;
      retryAfterMs = parseRetryAfter(res.headers.get("retry-after"), opts.clock.now());
      failure = new HttpStatusError(req.url, res.status, res.body, retryAfterMs);
    } catch (err) {
      failure = err;
    }
    const retryable = failure instanceof AppError && failure.retryable;
    if (!retryable || attempt >= opts.retries || opts.signal?.aborted) throw failure;
    const delay = Math.max(backoffDelay(opts.backoff, attempt, opts.random), retryAfterMs ?? 0);
    opts.onRetry?.(failure, attempt + 1, delay);
    await opts.clock.sleep(delay, opts.signal);
  }
}
