import { PlatformError, type PlatformErrorKind } from "../platform.ts";

/** The Graph API's error object (`{"error": {...}}`). */
export interface GraphError {
  message?: string;
  type?: string;
  code?: number;
  error_subcode?: number;
  is_transient?: boolean;
  fbtrace_id?: string;
}

/**
 * Throttling codes: 4 (app), 17 (user), 32 (page), 613 (calls over the rate limit, e.g. subcode
 * 1487742 ad-account mutations), 80000–80014 (business use case limits, 80004 ads management).
 */
export function isGraphRateLimit(code: number | undefined): boolean {
  return (
    code === 4 ||
    code === 17 ||
    code === 32 ||
    code === 613 ||
    (code !== undefined && code >= 80_000 && code <= 80_014)
  );
}

/**
 * The longest wait the `X-Business-Use-Case-Usage` header announces, ms: its value is JSON,
 * `{"<business object id>": [{"type": "ads_management", "call_count": 100,
 * "estimated_time_to_regain_access": 5, ...}]}`, the wait in minutes. Undefined when absent,
 * malformed or zero.
 */
export function bucRetryAfterMs(header: string | undefined | null): number | undefined {
  if (!header) return undefined;
  let usage: unknown;
  try {
    usage = JSON.parse(header);
  } catch {
    return undefined;
  }
  let minutes = 0;
  if (usage && typeof usage === "object")
    for (const entries of Object.values(usage))
      if (Array.isArray(entries))
        for (const e of entries) {
          const m = Number(
            (e as { estimated_time_to_regain_access?: unknown })?.estimated_time_to_regain_access,
          );
          if (Number.isFinite(m) && m > minutes) minutes = m;
        }
  return minutes > 0 ? minutes * 60_000 : undefined;
}

/** What `facebook-nodejs-business-sdk`'s `FacebookRequestError` carries. */
interface SdkRequestError {
  name?: string;
  message?: string;
  status?: number | null;
  response?: GraphError | null;
  headers?: Record<string, unknown> | null;
}

const header = (headers: SdkRequestError["headers"], name: string): string | undefined => {
  const v = headers?.[name] ?? headers?.[name.toLowerCase()];
  return typeof v === "string" ? v : undefined;
};

/**
 * An error thrown by the Meta SDK as a `PlatformError`: throttling codes `rate_limited` (with the
 * BUC header's wait), transient errors (codes 1 and 2, `is_transient`, 5xx, no response)
 * `unavailable`, token and permission errors (190, 10, 200–299) `auth`, the rest `rejected`.
 */
export function metaError(err: unknown): PlatformError {
  const e = (err ?? {}) as SdkRequestError;
  if (e.name !== "FacebookRequestError")
    // No cause: the SDK's errors carry the request URL, and the SDK puts the token in it.
    return new PlatformError("meta", "unavailable", `request failed: ${e.message ?? String(err)}`);
  const g = e.response ?? {};
  const status = e.status ?? undefined;
  const code = g.code;
  let kind: PlatformErrorKind = "rejected";
  if (isGraphRateLimit(code)) kind = "rate_limited";
  else if (status === undefined || status >= 500 || code === 1 || code === 2 || g.is_transient)
    kind = "unavailable";
  else if (code === 190 || code === 10 || (code !== undefined && code >= 200 && code < 300))
    kind = "auth";
  const retryAfterMs = bucRetryAfterMs(header(e.headers, "x-business-use-case-usage"));
  return new PlatformError("meta", kind, g.message ?? e.message ?? "Graph API error", {
    ...(status !== undefined ? { status } : {}),
    // 4 (the app's calls) and 17 (the user's) count over every account; the rest per account.
    ...(kind === "rate_limited"
      ? { limitScope: code === 4 || code === 17 ? ("platform" as const) : ("account" as const) }
      : {}),
    ...(code !== undefined
      ? { code: g.error_subcode !== undefined ? `${code}/${g.error_subcode}` : String(code) }
      : {}),
    ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
    ...(g.fbtrace_id ? { requestId: g.fbtrace_id } : {}),
  });
}
