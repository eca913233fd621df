import type { Observation } from "@kamiyo/core";
import type { Queryable } from "@kamiyo/db";

/**
 * What a product module keeps of the observations its pipeline sees, beside the findings: compact
 * time series and latest states in tables of its own. The monitor's store asks it for a batch at
 * each flush and writes the batch in the transaction that writes the findings.
 */
export interface HistoryPlugin {
  /** What people read in `/meta` and logs. */
  readonly description: string;
  create(settings: HistorySettings): HistoryStore;
}

export interface HistorySettings {
  /** Samples of one subject are kept at most once per this many ms (`KAMIYO_SAMPLE_EVERY_MS`). */
  sampleEveryMs: number;
}

/** A running history: it queues rows from observations until the store takes them. */
export interface HistoryStore {
  /**
   * Queues what it keeps of an observation (or of a derived one a detector handed over with
   * `DetectorOutput.keep`); `record` receives each time-series row as queued, for the derived
   * detectors that learn from exactly the stored rows.
   */
  observe(obs: Observation, record: (row: unknown) => void): void;
  /** Rows queued and not yet taken. */
  readonly pending: number;
  /** Rows refused because the queue was full (an unreachable database), since the start. */
  readonly dropped: number;
  /** Takes everything queued, as one batch; the queue is empty afterwards. */
  take(): HistoryBatch;
  /** Deletes rows older than `before` (epoch ms). @returns rows deleted per table. */
  prune(q: Queryable, tenantId: string, before: number): Promise<Record<string, number>>;
}

/** Rows taken for one write. */
export interface HistoryBatch {
  readonly rows: number;
  /** Writes them in the caller's transaction. */
  write(tx: Queryable, tenantId: string): Promise<void>;
  /** Puts them back before what was queued since (the write failed and will be retried). */
  restore(): void;
}
