/** Options of one JSON call. */
export interface JsonCall {
  method: "GET" | "POST" | "PATCH" | "PUT";
  url: string;
  headers?: Record<string, string>;
  /** A JSON body, or a form (URLSearchParams). */
  body?: unknown;
  timeoutMs: number;
  /** Retry network errors, 429 and 5xx (only for calls safe to repeat: reads, keyed writes). */
  retry: boolean;
}

/** A non-2xx answer: its status and parsed body. */
export class HttpStatusError extends Error {
  readonly status: number;
  readonly body: unknown;
  readonly retryable: boolean;
  constructor(what: string, status: number, body: unknown) {
    super(`${what}: HTTP ${status} ${JSON.stringify(body).slice(0, 300)}`);
    this.status = status;
    this.body = body;
    this.retryable = status === 429 || status >= 500;
  }
}

const ATTEMPTS = 3;
const BASE_DELAY_MS = 200;

/**
 * One call with `fetch`: a timeout per attempt, and when `retry` is set up to two retries of
 * network errors, 429 and 5xx after a jittered exponential backoff (full jitter, from 200 ms).
 * @returns the parsed JSON body (null when empty).
 * @throws HttpStatusError for a non-2xx answer; the fetch error after the last attempt.
 */
export async function callJson<T>(call: JsonCall, what: string): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      const form = call.body instanceof URLSearchParams;
      const res = await fetch(call.url, {
        method: call.method,
        headers: {
          accept: "application/json",
          ...(call.body === undefined
            ? {}
            : { "content-type": form ? "application/x-www-form-urlencoded" : "application/json" }),
          ...call.headers,
        },
        ...(call.body === undefined
          ? {}
          : { body: form ? String(call.body) : JSON.stringify(call.body) }),
        signal: AbortSignal.timeout(call.timeoutMs),
      });
      const text = await res.text();
      const body = text ? (JSON.parse(text) as unknown) : null;
      if (!res.ok) throw new HttpStatusError(what, res.status, body);
      return body as T;
    } catch (e) {
      const retryable = e instanceof HttpStatusError ? e.retryable : !(e instanceof SyntaxError);
      if (!call.retry || !retryable || attempt >= ATTEMPTS) throw e;
      const delay = Math.random() * BASE_DELAY_MS * 2 ** (attempt - 1);
      await new Promise((r) => setTimeout(r, delay));
    }
  }
}
