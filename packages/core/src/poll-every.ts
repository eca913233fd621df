import type { Clock } from "./clock.ts";

/**
 * Runs `fn` now and then every `intervalMs` of clock time, on a fixed cadence (a slow run does
 * not push later runs back; an overrun skips ahead instead of bursting), until `signal` aborts.
 * `fn` handles its own errors.
 */
export async function pollEvery(
  clock: Clock,
  signal: AbortSignal,
  intervalMs: number,
  fn: () => Promise<void>,
): Promise<void> {
  let next = clock.now();
  while (!signal.aborted) {
    await fn();
    next += intervalMs;
    const wait = next - clock.now();
    if (wait < 0) next = clock.now();
    await clock.sleep(Math.max(0, wait), signal).catch(() => {});
  }
}
