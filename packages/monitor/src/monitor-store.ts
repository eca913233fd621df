import { describeError, type Finding, type Logger, type Observation } from "@kamiyo/core";
import { type Db, pruneResolvedFindings, type Queryable, upsertFindings } from "@kamiyo/db";
import type { HistoryBatch, HistoryStore } from "./history.ts";

/**
 * Work done with findings in the transaction that writes them (the alert router). It may return
 * a function to run once that transaction committed (telling others what it stored).
 */
export type AfterFindings = (
  tx: Queryable,
  findings: Finding[],
  // biome-ignore lint/suspicious/noConfusingVoidType: a step with nothing to do after the commit is a plain async function
) => Promise<void | (() => void)>;

/**
 * Persists what the pipeline sees: finding changes (latest state per id) and what the product
 * modules' histories keep of the observations (`HistoryStore`: their time series and latest
 * states), in one transaction per flush. Writes are batched; a batch the database cannot take now
 * is kept for the next flush, one it refuses outright is dropped.
 */
export class MonitorStore {
  readonly #db: Db;
  readonly #tenantId: string;
  readonly #log: Logger;
  readonly #histories: readonly HistoryStore[];
  #findings = new Map<string, Finding>();
  #flushing: Promise<void> | null = null;
  #again = false;
  readonly #counters = { flushes: 0, flushFailures: 0, droppedRows: 0 };
  readonly #findingsWritten = new Set<(count: number) => void>();
  readonly #recordListeners: ((row: unknown) => void)[] = [];
  readonly #record = (row: unknown) => {
    for (const fn of this.#recordListeners) fn(row);
  };

  readonly #afterFindings: AfterFindings | null;

  constructor(
    db: Db,
    tenantId: string,
    log: Logger,
    histories: readonly HistoryStore[],
    afterFindings: AfterFindings | null = null,
  ) {
    this.#db = db;
    this.#tenantId = tenantId;
    this.#log = log;
    this.#histories = histories;
    this.#afterFindings = afterFindings;
  }

  /** Flushes, failed flushes, and rows dropped (refused batches, and queues full while the database was away). */
  get counters(): { flushes: number; flushFailures: number; droppedRows: number } {
    let queueDrops = 0;
    for (const h of this.#histories) queueDrops += h.dropped;
    return { ...this.#counters, droppedRows: this.#counters.droppedRows + queueDrops };
  }

  /** True when nothing waits to be written and no write is running. */
  get idle(): boolean {
    return this.#flushing === null && this.#pendingRows() === 0;
  }

  #pendingRows(): number {
    let n = this.#findings.size;
    for (const h of this.#histories) n += h.pending;
    return n;
  }

  /** Calls `fn` after every committed write that included findings, with how many. */
  onFindingsWritten(fn: (count: number) => void): void {
    this.#findingsWritten.add(fn);
  }

  /**
   * Calls `fn` with every time-series row a history queues for writing (the same rows, in the
   * same order, that later reads of the history return). A throwing listener stops the
   * observation's recording: the caller isolates it.
   */
  onRecord(fn: (row: unknown) => void): void {
    this.#recordListeners.push(fn);
  }

  finding(f: Finding): void {
    this.#findings.set(f.id, f);
  }

  /** Hands an observation (or one a detector derived, `DetectorOutput.keep`) to every history. */
  observe(obs: Observation): void {
    for (const h of this.#histories) h.observe(obs, this.#record);
  }

  /** Starts a flush unless one is running (then another follows it). Resolves when written. */
  flush(): Promise<void> {
    if (this.#flushing) {
      this.#again = true;
      return this.#flushing;
    }
    if (this.#pendingRows() === 0) return Promise.resolve();
    this.#flushing = this.#write().finally(() => {
      this.#flushing = null;
      if (this.#again) {
        this.#again = false;
        void this.flush();
      }
    });
    return this.#flushing;
  }

  /** Deletes history older than `before` (epoch ms): each module's, and resolved findings. */
  async prune(before: number): Promise<void> {
    try {
      const deleted: Record<string, number> = {
        findings: await pruneResolvedFindings(this.#db, this.#tenantId, before),
      };
      for (const h of this.#histories)
        Object.assign(deleted, await h.prune(this.#db, this.#tenantId, before));
      this.#log.info({ deleted }, "pruned history past retention");
    } catch (err) {
      this.#log.warn({ err: describeError(err) }, "retention prune failed");
    }
  }

  async #write(): Promise<void> {
    const findings = this.#findings;
    this.#findings = new Map();
    const batches: HistoryBatch[] = this.#histories.map((h) => h.take());
    let committed: (() => void) | null = null;
    try {
      await this.#db.transaction(async (tx) => {
        committed = null;
        await upsertFindings(tx, [...findings.values()]);
        if (this.#afterFindings && findings.size > 0)
          committed = await this.#runAfterFindings(tx, [...findings.values()]);
        for (const b of batches) await b.write(tx, this.#tenantId);
      });
      this.#counters.flushes++;
      this.#afterCommit(committed);
      if (findings.size > 0) this.#notifyFindingsWritten(findings.size);
    } catch (err) {
      this.#counters.flushFailures++;
      if (isDataError(err)) {
        // The database refused the rows themselves: retrying would block every later write.
        const rows = findings.size + batches.reduce((a, b) => a + b.rows, 0);
        this.#counters.droppedRows += rows;
        this.#log.error(
          { err: describeError(err), rows },
          "database refused a batch; it is dropped",
        );
        return;
      }
      this.#log.warn({ err: describeError(err) }, "database write failed; will retry");
      // Newer states win: what arrived since goes over the failed batch.
      this.#findings = new Map([...findings, ...this.#findings]);
      for (const b of batches) b.restore();
    }
  }

  /**
   * Runs the after-findings step (alert routing) in a savepoint of the write's transaction: its
   * work commits with the findings, and its failure is logged and rolled back without losing them.
   * @returns its after-commit function, if it returned one and did not fail.
   */
  async #runAfterFindings(tx: Queryable, findings: Finding[]): Promise<(() => void) | null> {
    await tx.exec("SAVEPOINT after_findings");
    try {
      const committed = await this.#afterFindings?.(tx, findings);
      await tx.exec("RELEASE SAVEPOINT after_findings");
      return committed ?? null;
    } catch (err) {
      await tx.exec("ROLLBACK TO SAVEPOINT after_findings");
      this.#log.error({ err: describeError(err) }, "after-findings step failed; findings kept");
      return null;
    }
  }

  #afterCommit(fn: (() => void) | null): void {
    try {
      fn?.();
    } catch (err) {
      this.#log.error({ err: describeError(err) }, "after-commit step failed");
    }
  }

  #notifyFindingsWritten(count: number): void {
    for (const fn of this.#findingsWritten) {
      try {
        fn(count);
      } catch (err) {
        this.#log.error({ err: describeError(err) }, "findings-written listener failed");
      }
    }
  }
}

/**
 * SQLSTATE classes that mean the rows (or the statement) are wrong, not the connection:
 * 22 data exception, 23 integrity constraint violation, 42 syntax error or access rule.
 */
function isDataError(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === "string" && /^(22|23|42)/.test(code);
}
