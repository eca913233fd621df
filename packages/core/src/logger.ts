import { pino } from "pino";

/** Structured logger; pino's signature (fields first, message second). */
export interface Logger {
  debug(fields: object, msg?: string): void;
  info(fields: object, msg?: string): void;
  warn(fields: object, msg?: string): void;
  error(fields: object, msg?: string): void;
  child(bindings: Record<string, unknown>): Logger;
}

export type LogLevel = "debug" | "info" | "warn" | "error" | "silent";

/** Field names whose values are never written to logs, at any depth pino can address. */
const REDACT = [
  "password",
  "secret",
  "token",
  "apiKey",
  "authorization",
  "*.password",
  "*.secret",
  "*.token",
  "*.apiKey",
  "*.authorization",
  "headers.authorization",
  "headers.cookie",
];

/**
 * JSON lines on stderr (stdout is kept for findings), secrets redacted.
 * @param level minimum level written; "silent" writes nothing.
 * @param destination where the lines go (default: stderr, written synchronously).
 */
export function createLogger(
  level: LogLevel,
  bindings: Record<string, unknown> = {},
  destination: pino.DestinationStream = pino.destination({ dest: 2, sync: true }),
): Logger {
  return pino(
    {
      level,
      base: { ...bindings },
      redact: { paths: REDACT, censor: "[redacted]" },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label: string) => ({ level: label }) },
    },
    destination,
  );
}

/** A logger that drops everything (tests, benchmarks). */
export const silentLogger: Logger = {
  debug() {},
  info() {},
  warn() {},
  error() {},
  child() {
    return silentLogger;
  },
};

/**
 * Logs at most `perWindow` messages per `windowMs` for one noisy condition (malformed frames,
 * a failing venue), then reports how many were suppressed. It counts in wall-clock time
 * (pass `performance.now()`), since log volume matters in real time even during a replay.
 */
export class LogThrottle {
  #windowStart = Number.NEGATIVE_INFINITY;
  #count = 0;
  #suppressed = 0;

  readonly #perWindow: number;
  readonly #windowMs: number;

  /** @param perWindow messages allowed per window; @param windowMs window length, ms. */
  constructor(perWindow: number, windowMs: number) {
    this.#perWindow = perWindow;
    this.#windowMs = windowMs;
  }

  /** @returns true when the caller may log now; also reports how many were suppressed before. */
  allow(now: number): { ok: boolean; suppressed: number } {
    if (now - this.#windowStart >= this.#windowMs) {
      const suppressed = this.#suppressed;
      this.#windowStart = now;
      this.#count = 0;
      this.#suppressed = 0;
      this.#count++;
      return { ok: true, suppressed };
    }
    if (this.#count < this.#perWindow) {
      this.#count++;
      return { ok: true, suppressed: 0 };
    }
    this.#suppressed++;
    return { ok: false, suppressed: 0 };
  }
}
