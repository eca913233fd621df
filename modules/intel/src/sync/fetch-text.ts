import { type BackoffPolicy, backoffDelay, describeError, type Random } from "@kamiyo/core";

/** What a conditional GET found. */
export type FetchResult =
  | { kind: "fresh"; text: string; etag: string | null; lastModified: string | null }
  | { kind: "unchanged" }
  | { kind: "failed"; error: string };

export interface FetchOptions {
  /** Validators from the previous successful fetch. */
  etag?: string | null;
  lastModified?: string | null;
  headers?: Record<string, string>;
  timeoutMs: number;
  /** Attempts in all, the first included. */
  attempts: number;
  backoff: BackoffPolicy;
  random: Random;
  sleep: (ms: number) => Promise<void>;
}

const MAX_BYTES = 32 * 1024 * 1024;

/**
 * GETs a text document with `If-None-Match` / `If-Modified-Since` when validators are known (304
 * means unchanged), a timeout per attempt, and retries with backoff on network errors, 429 and
 * 5xx. Never throws: a failure is a result naming the status or error.
 */
export async function fetchText(url: string, opts: FetchOptions): Promise<FetchResult> {
  const headers: Record<string, string> = { accept: "*/*", ...opts.headers };
  if (opts.etag) headers["if-none-match"] = opts.etag;
  if (opts.lastModified) headers["if-modified-since"] = opts.lastModified;
  let error = "";
  for (let attempt = 0; attempt < opts.attempts; attempt++) {
    if (attempt > 0) await opts.sleep(backoffDelay(opts.backoff, attempt - 1, opts.random));
    try {
      const res = await fetch(url, {
        headers,
        signal: AbortSignal.timeout(opts.timeoutMs),
        redirect: "follow",
      });
      if (res.status === 304) return { kind: "unchanged" };
      if (res.ok) {
        const length = Number(res.headers.get("content-length") ?? 0);
        if (length > MAX_BYTES)
          return { kind: "failed", error: `response of ${length} bytes is too large` };
        const text = await res.text();
        return {
          kind: "fresh",
          text,
          etag: res.headers.get("etag"),
          lastModified: res.headers.get("last-modified"),
        };
      }
      error = `HTTP ${res.status}`;
      await res.body?.cancel();
      if (res.status !== 429 && res.status < 500) return { kind: "failed", error };
    } catch (err) {
      error =
        (err as Error).name === "TimeoutError"
          ? `no answer within ${opts.timeoutMs} ms`
          : describeError(err);
    }
  }
  return { kind: "failed", error: `${error} (after ${opts.attempts} attempts)` };
}
