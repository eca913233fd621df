import type { DeliveryStatus } from "../store/outbox.ts";
import type { SendOutcome } from "../types.ts";

/** Default delays before the 2nd, 3rd, … attempt: 1 min, 5 min, 15 min, 1 h, 6 h, 24 h. */
export const DEFAULT_RETRY_SCHEDULE_MS: readonly number[] = [
  60_000,
  5 * 60_000,
  15 * 60_000,
  60 * 60_000,
  6 * 60 * 60_000,
  24 * 60 * 60_000,
];

/** The longest wait a Retry-After header can impose. */
const MAX_RETRY_AFTER_MS = 24 * 60 * 60_000;

/**
 * What follows an attempt: delivered on success; exhausted when retrying cannot help or the
 * schedule is used up; otherwise pending again after the schedule's next delay, or after the
 * receiver's Retry-After when it gave one (at least 1 s, at most 24 h).
 * @param step attempts since the delivery was created or last replayed, this one included.
 */
export function afterAttempt(
  outcome: SendOutcome,
  step: number,
  nowMs: number,
  schedule: readonly number[],
): { status: DeliveryStatus; nextAttemptAt: number | null } {
  if (outcome.ok) return { status: "delivered", nextAttemptAt: null };
  if (!outcome.retry || step > schedule.length) return { status: "exhausted", nextAttemptAt: null };
  const delay =
    outcome.retryAfterMs !== null
      ? Math.min(Math.max(outcome.retryAfterMs, 1_000), MAX_RETRY_AFTER_MS)
      : (schedule[step - 1] as number);
  return { status: "pending", nextAttemptAt: nowMs + delay };
}
