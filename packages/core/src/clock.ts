/** A handle to a scheduled callback. */
export interface TimerHandle {
  cancel(): void;
}

/**
 * Time as the pipeline sees it. Live code uses {@link SystemClock}; replays and tests use
 * `VirtualClock`, so the same detectors and sources run on recorded time.
 */
export interface Clock {
  /** Current time, epoch milliseconds. */
  now(): number;
  /** Runs `fn` once after `ms` milliseconds of clock time. */
  setTimeout(fn: () => void, ms: number): TimerHandle;
  /**
   * Resolves after `ms` milliseconds of clock time.
   * @throws the signal's reason when `signal` aborts first.
   */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

/** Wall-clock time from `Date.now()` and Node timers. */
export class SystemClock implements Clock {
  now(): number {
    return Date.now();
  }

  setTimeout(fn: () => void, ms: number): TimerHandle {
    const timer = setTimeout(fn, Math.max(0, ms));
    return { cancel: () => clearTimeout(timer) };
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return sleepOn(this, ms, signal);
  }
}

/** `sleep` built on a clock's `setTimeout`, honouring an abort signal. */
export function sleepOn(clock: Clock, ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) return Promise.reject(signal.reason);
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      timer.cancel();
      reject(signal?.reason);
    };
    const timer = clock.setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}
