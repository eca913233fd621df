import type { Random } from "./random.ts";

/** Exponential backoff settings, in milliseconds. */
export interface BackoffPolicy {
  initialMs: number;
  maxMs: number;
  /** Growth per attempt; 2 doubles the ceiling each time. */
  factor: number;
}

/**
 * "Full jitter" delay for retry number `attempt` (0-based): uniform in [0, min(max, initial·factor^attempt)],
 * never below 10% of that ceiling so a retry storm is still spread but not instantaneous.
 */
export function backoffDelay(policy: BackoffPolicy, attempt: number, random: Random): number {
  const ceiling = Math.min(policy.maxMs, policy.initialMs * policy.factor ** attempt);
  return Math.round(ceiling * (0.1 + 0.9 * random()));
}
