import type { DetectorOutput, FindingChange } from "@kamiyo/core";

/**
 * A detector that reads what the pipeline derived rather than raw observations: the time-series
 * rows the store writes (the ML anomaly detector scores features built from exactly the rows it
 * was trained on) and other detectors' finding changes (the cross-protocol correlator). Its
 * signals become findings like any detector's, under its own `kind`.
 */
export interface DerivedDetector {
  readonly kind: string;
  /** What it runs, for people (`/meta`): the model and its version, the patterns it looks for. */
  readonly description: string;
  /**
   * A time-series row, as a module's history queues it for writing (only with a database); the
   * row's shape is the module's (the Hyperliquid monitor's `HistoryRecord`).
   */
  record?(r: unknown, out: DetectorOutput): void;
  /** A finding change of another detector (never its own). */
  finding?(change: FindingChange, out: DetectorOutput): void;
  /** Called on the monitor's tick with the clock time. */
  tick?(now: number, out: DetectorOutput): void;
  /** Its own counters (for health and metrics), by name. */
  stats?(): { [counter: string]: number };
}
