/** What Stripe does to a subscription when every retry of its invoice has failed. */
export type ExhaustedRetriesAction = "cancel" | "unpaid" | "past_due";

/** Options of `startStripeApiServer`. */
export interface StripeApiServerOptions {
  /** The secret key requests must carry as `Authorization: Bearer …`; default "sk_test_local". */
  secretKey?: string;
  /** Port to listen on, on 127.0.0.1; default 0 (any free port). */
  port?: number;
  /** The real clock, epoch ms, for objects not on a test clock; default `Date.now`. */
  now?: () => number;
  /**
   * Automatic payment retries (dunning), like the Dashboard's custom retry schedule: after a
   * failed attempt on an automatically collected invoice, the next attempt is `delaysDays[n]`
   * days after attempt n + 1 failed (default 3, 5 and 7 days: attempts 2, 3 and 4). When the last
   * one fails the subscription is canceled (Stripe's default), marked unpaid or left past due.
   */
  retries?: { delaysDays?: readonly number[]; onExhausted?: ExhaustedRetriesAction };
  /**
   * Webhook delivery: each POST times out after `timeoutMs` (default 5000) and a non-2xx answer
   * or a network error is retried after each of `retryDelaysMs` (default 100, 500, 2000 ms).
   */
  webhooks?: { timeoutMs?: number; retryDelaysMs?: readonly number[] };
}

/** The options with every default filled in. */
export interface ResolvedOptions {
  secretKey: string;
  port: number;
  now: () => number;
  retryDelaysDays: readonly number[];
  onRetriesExhausted: ExhaustedRetriesAction;
  webhookTimeoutMs: number;
  webhookRetryDelaysMs: readonly number[];
}

/** Fills in the defaults of `StripeApiServerOptions`. */
export function resolveOptions(opts: StripeApiServerOptions): ResolvedOptions {
  return {
    secretKey: opts.secretKey ?? "sk_test_local",
    port: opts.port ?? 0,
    now: opts.now ?? Date.now,
    retryDelaysDays: opts.retries?.delaysDays ?? [3, 5, 7],
    onRetriesExhausted: opts.retries?.onExhausted ?? "cancel",
    webhookTimeoutMs: opts.webhooks?.timeoutMs ?? 5_000,
    webhookRetryDelaysMs: opts.webhooks?.retryDelaysMs ?? [100, 500, 2_000],
  };
}
