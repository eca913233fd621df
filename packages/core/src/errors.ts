/** Every error the product reports has one of these codes; HTTP mapping lives in one switch. */
export type ErrorCode =
  | "invalid_input"
  | "not_found"
  | "method_not_allowed"
  | "unauthorized"
  | "forbidden"
  | "rate_limited"
  | "quota_exceeded"
  | "payment_required"
  | "conflict"
  | "config_invalid"
  | "upstream_unavailable"
  | "upstream_rejected"
  | "upstream_invalid"
  | "internal";

/** The one error type of the codebase. `retryable` says whether repeating the call may succeed. */
export class AppError extends Error {
  readonly code: ErrorCode;
  readonly retryable: boolean;
  readonly details: Record<string, unknown> | undefined;

  constructor(
    code: ErrorCode,
    message: string,
    options: { cause?: unknown; retryable?: boolean; details?: Record<string, unknown> } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "AppError";
    this.code = code;
    this.retryable = options.retryable ?? false;
    this.details = options.details;
  }
}

/** True for an abort caused by a signal (shutdown), which callers should not log as a failure. */
export function isAbortError(err: unknown): boolean {
  return err instanceof Error && err.name === "AbortError";
}

/** A short, log-safe description of an unknown thrown value. */
export function describeError(err: unknown): string {
  if (err instanceof Error) {
    const cause = err.cause instanceof Error ? `: ${err.cause.message}` : "";
    return `${err.message}${cause}`;
  }
  return String(err);
}
