import { PlatformError, type PlatformErrorKind } from "../platform.ts";

/** One error of a `GoogleAdsFailure` (REST JSON: camelCase fields). */
export interface GoogleAdsError {
  /** One key naming the error enum, e.g. `{quotaError: "RESOURCE_EXHAUSTED"}`. */
  errorCode?: Record<string, string>;
  message?: string;
  details?: {
    quotaErrorDetails?: { rateScope?: string; rateName?: string; retryDelay?: string };
  };
}

/** The REST error body: a `google.rpc.Status` whose details hold a `GoogleAdsFailure`. */
export interface GoogleAdsErrorBody {
  error?: {
    code?: number;
    message?: string;
    status?: string;
    details?: ({ "@type"?: string } & {
      errors?: GoogleAdsError[];
      requestId?: string;
      retryDelay?: string;
    })[];
  };
}

/** A protobuf `Duration` in JSON ("30s", "1.500s") to ms. */
export function durationToMs(duration: string | undefined): number | undefined {
  const m = duration === undefined ? null : /^(\d+)(?:\.(\d{1,9}))?s$/.exec(duration);
  if (!m) return undefined;
  return Number(m[1]) * 1000 + Math.round(Number(`0.${m[2] ?? "0"}`) * 1000);
}

const UNAVAILABLE = new Set(["UNAVAILABLE", "INTERNAL", "DEADLINE_EXCEEDED", "ABORTED"]);
const AUTH = new Set(["UNAUTHENTICATED", "PERMISSION_DENIED"]);

/**
 * A failed Google Ads REST call as a `PlatformError`: quota errors (HTTP 429,
 * `RESOURCE_EXHAUSTED`) are `rate_limited` with the wait the `QuotaErrorDetails.retry_delay`
 * (or a `google.rpc.RetryInfo`, or a `Retry-After` header) gave, over the developer token
 * (`rate_scope` DEVELOPER: every account) or the account; 5xx `unavailable`; 401/403
 * `auth`; the rest `rejected`, with the first error's code and message.
 */
export function googleAdsError(
  status: number,
  body: GoogleAdsErrorBody | undefined,
  headers: Headers,
): PlatformError {
  const rpc = body?.error;
  const failure = rpc?.details?.find((d) => d["@type"]?.endsWith(".errors.GoogleAdsFailure"));
  const first = failure?.errors?.[0];
  const [codeKey, codeValue] = Object.entries(first?.errorCode ?? {})[0] ?? [];
  const retryInfo = rpc?.details?.find(
    (d) => d["@type"] === "type.googleapis.com/google.rpc.RetryInfo",
  );
  const header = Number(headers.get("retry-after"));
  const retryAfterMs =
    durationToMs(first?.details?.quotaErrorDetails?.retryDelay) ??
    durationToMs(retryInfo?.retryDelay) ??
    (Number.isFinite(header) && header > 0 ? header * 1000 : undefined);
  const rpcStatus = rpc?.status ?? "";
  let kind: PlatformErrorKind = "rejected";
  if (status === 429 || rpcStatus === "RESOURCE_EXHAUSTED" || codeKey === "quotaError")
    kind = "rate_limited";
  else if (status >= 500 || UNAVAILABLE.has(rpcStatus)) kind = "unavailable";
  else if (status === 401 || status === 403 || AUTH.has(rpcStatus)) kind = "auth";
  const message = first?.message ?? rpc?.message ?? `HTTP ${status}`;
  const rateScope = first?.details?.quotaErrorDetails?.rateScope;
  return new PlatformError("google_ads", kind, message, {
    status,
    ...(kind === "rate_limited"
      ? // The developer token is the install's: its quota is every tenant's.
        { limitScope: rateScope === "DEVELOPER" ? ("app" as const) : ("account" as const) }
      : {}),
    ...(codeKey ? { code: `${codeKey}: ${codeValue}` } : rpcStatus ? { code: rpcStatus } : {}),
    ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
    ...((failure?.requestId ?? headers.get("request-id"))
      ? { requestId: failure?.requestId ?? (headers.get("request-id") as string) }
      : {}),
  });
}
