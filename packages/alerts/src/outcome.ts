import type { SendOutcome } from "./types.ts";

/** The outcome of an attempt that failed without a usable answer (nothing to be told by a Retry-After). */
export function failure(
  error: string,
  opts: { retry: boolean; latencyMs?: number; status?: number | null; excerpt?: string },
): SendOutcome {
  return {
    ok: false,
    retry: opts.retry,
    gone: false,
    status: opts.status ?? null,
    latencyMs: opts.latencyMs ?? 0,
    error,
    excerpt: opts.excerpt ?? "",
    retryAfterMs: null,
  };
}
