import {
  describeError,
  type Finding,
  type LiquidationEvent,
  type Logger,
  type Observation,
} from "@kamiyo/core";
import {
  type Db,
  type HistoryRecord,
  insertLiquidations,
  insertMarketSamples,
  insertVaultPnl,
  insertVaultStates,
  type MarketSampleRecord,
  pruneHistory,
  type Queryable,
  type StoredPortfolio,
  upsertFindings,
  upsertVaultPortfolios,
  type VaultPnlRecord,
  type VaultStateRecord,
} from "@kamiyo/db";

/**
 * Work done with findings in the transaction that writes them (the alert router). It may return
 * a function to run once that transaction committed (telling others what it stored).
 */
export type AfterFindings = (
  tx: Queryable,
  findings: Finding[],
  // biome-ignore lint/suspicious/noConfusingVoidType: a step with nothing to do after the commit is a plain async function
) => Promise<void | (() => void)>;

/** Rows waiting for the next flush, bounded so an unreachable database costs bounded memory. */
const MAX_PENDING_ROWS = 100_000;

/** What one flush writes, in one transaction. Maps keep the latest state per key. */
interface Batch {
  findings: Map<string, Finding>;
  portfolios: Map<string, StoredPortfolio>;
  states: VaultStateRecord[];
  pnl: VaultPnlRecord[];
  market: MarketSampleRecord[];
  liquidations: LiquidationEvent[];
}

function emptyBatch(): Batch {
  return {
    findings: new Map(),
    portfolios: new Map(),
    states: [],
    pnl: [],
    market: [],
    liquidations: [],
  };
}

function rowsIn(b: Batch): number {
  return (
    b.findings.size +
    b.portfolios.size +
    b.states.length +
    b.pnl.length +
    b.market.length +
    b.liquidations.length
  );
}

/** A failed batch put back before what arrived since (newer states win), within the bound. */
function mergeBack(failed: Batch, since: Batch): Batch {
  const cap = <T>(rows: T[]) => rows.slice(-MAX_PENDING_ROWS);
  return {
    findings: new Map([...failed.findings, ...since.findings]),
    portfolios: new Map([...failed.portfolios, ...since.portfolios]),
    states: cap(failed.states.concat(since.states)),
    pnl: cap(failed.pnl.concat(since.pnl)),
    market: cap(failed.market.concat(since.market)),
    liquidations: cap(failed.liquidations.concat(since.liquidations)),
  };
}

/**
 * Persists what the pipeline sees: finding changes (latest state per id), each vault's latest
 * portfolio, and compact time series (one vault state and one market sample per subject per
 * `sampleEveryMs`, every portfolio reading, every liquidation the liquidations detector classified). Writes are batched; a batch the
 * database cannot take now is kept for the next flush, one it refuses outright is dropped.
 */
export class MonitorStore {
  readonly #db: Db;
  readonly #tenantId: string;
  readonly #log: Logger;
  readonly #sampleEveryMs: number;
  readonly #lastSample = new Map<string, number>();
  readonly #external = new Map<string, { binance: number | null; coinbase: number | null }>();
  #pending = emptyBatch();
  #flushing: Promise<void> | null = null;
  #again = false;
  readonly counters = { flushes: 0, flushFailures: 0, droppedRows: 0 };
  readonly #findingsWritten = new Set<(count: number) => void>();
  readonly #recordListeners: ((r: HistoryRecord) => void)[] = [];

  readonly #afterFindings: AfterFindings | null;

  constructor(
    db: Db,
    tenantId: string,
    log: Logger,
    sampleEveryMs: number,
    afterFindings: AfterFindings | null = null,
  ) {
    this.#db = db;
    this.#tenantId = tenantId;
    this.#log = log;
    this.#sampleEveryMs = sampleEveryMs;
    this.#afterFindings = afterFindings;
  }

  /** True when nothing waits to be written and no write is running. */
  get idle(): boolean {
    return this.#flushing === null && rowsIn(this.#pending) === 0;
  }

  /** Calls `fn` after every committed write that included findings, with how many. */
  onFindingsWritten(fn: (count: number) => void): void {
    this.#findingsWritten.add(fn);
  }

  /**
   * Calls `fn` with every time-series row as it is queued for writing (the same rows, in the
   * same order, that later reads of the history return). A throwing listener stops the
   * observation's recording: the caller isolates it.
   */
  onRecord(fn: (r: HistoryRecord) => void): void {
    this.#recordListeners.push(fn);
  }

  finding(f: Finding): void {
    this.#pending.findings.set(f.id, f);
  }

  /**
   * A liquidation as the liquidations detector classified it (see `DetectorOutput.liquidation`):
   * the store keeps no classifier of its own, so its rows always agree with the findings.
   */
  liquidation(e: LiquidationEvent): void {
    this.#record({ type: "liquidation", row: e });
  }

  observe(obs: Observation): void {
    switch (obs.type) {
      case "vaultState": {
        if (!this.#due(`v:${obs.vault.address}`, obs.time)) return;
        let upnl = 0;
        for (const p of obs.positions) upnl += p.unrealizedPnl;
        this.#record({
          type: "vaultState",
          row: {
            vault: obs.vault.address,
            name: obs.vault.name,
            role: obs.vault.role,
            time: obs.time,
            accountValue: obs.accountValue,
            totalNtlPos: obs.totalNtlPos,
            unrealizedPnl: upnl,
            positions: obs.positions,
          },
        });
        return;
      }
      case "vaultPortfolio": {
        const { vault } = obs;
        this.#pending.portfolios.set(vault.address, {
          vault: vault.address,
          name: vault.name,
          role: vault.role,
          time: obs.time,
          periods: { day: obs.day, week: obs.week, month: obs.month, allTime: obs.allTime },
        });
        const pnl = obs.allTime.pnl.at(-1);
        const av = obs.allTime.accountValue.at(-1) ?? obs.day.accountValue.at(-1);
        if (pnl && av)
          this.#record({
            type: "vaultPnl",
            row: {
              vault: vault.address,
              time: pnl[0],
              accountValue: av[1],
              cumulativePnl: pnl[1],
            },
          });
        return;
      }
      case "externalPrices":
        for (const [coin, px] of obs.prices) {
          const e = this.#external.get(coin) ?? { binance: null, coinbase: null };
          e[obs.venue] = px;
          this.#external.set(coin, e);
        }
        return;
      case "market":
        for (const a of obs.assets) {
          if (a.isDelisted || !this.#due(`m:${a.coin}`, obs.time)) continue;
          const ext = this.#external.get(a.coin);
          this.#record({
            type: "market",
            row: {
              coin: a.coin,
              time: obs.time,
              markPx: a.markPx,
              oraclePx: a.oraclePx,
              midPx: a.midPx,
              binancePx: ext?.binance ?? null,
              coinbasePx: ext?.coinbase ?? null,
              funding: a.funding,
              openInterest: a.openInterest,
              dayNtlVlm: a.dayNtlVlm,
            },
          });
        }
        return;
      default:
        return;
    }
  }

  /** Starts a flush unless one is running (then another follows it). Resolves when written. */
  flush(): Promise<void> {
    if (this.#flushing) {
      this.#again = true;
      return this.#flushing;
    }
    if (rowsIn(this.#pending) === 0) return Promise.resolve();
    this.#flushing = this.#write().finally(() => {
      this.#flushing = null;
      if (this.#again) {
        this.#again = false;
        void this.flush();
      }
    });
    return this.#flushing;
  }

  /** Deletes history older than `before` (epoch ms). */
  async prune(before: number): Promise<void> {
    try {
      const deleted = await pruneHistory(this.#db, this.#tenantId, before);
      this.#log.info({ deleted }, "pruned history past retention");
    } catch (err) {
      this.#log.warn({ err: describeError(err) }, "retention prune failed");
    }
  }

  async #write(): Promise<void> {
    const batch = this.#pending;
    this.#pending = emptyBatch();
    let committed: (() => void) | null = null;
    try {
      await this.#db.transaction(async (tx) => {
        committed = null;
        await upsertFindings(tx, [...batch.findings.values()]);
        if (this.#afterFindings && batch.findings.size > 0)
          committed = await this.#runAfterFindings(tx, [...batch.findings.values()]);
        await upsertVaultPortfolios(tx, this.#tenantId, [...batch.portfolios.values()]);
        await insertVaultStates(tx, this.#tenantId, batch.states);
        await insertVaultPnl(tx, this.#tenantId, batch.pnl);
        await insertMarketSamples(tx, this.#tenantId, batch.market);
        await insertLiquidations(tx, this.#tenantId, batch.liquidations);
      });
      this.counters.flushes++;
      this.#afterCommit(committed);
      if (batch.findings.size > 0) this.#notifyFindingsWritten(batch.findings.size);
    } catch (err) {
      this.counters.flushFailures++;
      if (isDataError(err)) {
        // The database refused the rows themselves: retrying would block every later write.
        const rows = rowsIn(batch);
        this.counters.droppedRows += rows;
        this.#log.error(
          { err: describeError(err), rows },
          "database refused a batch; it is dropped",
        );
        return;
      }
      this.#log.warn({ err: describeError(err) }, "database write failed; will retry");
      this.#pending = mergeBack(batch, this.#pending);
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

  #due(key: string, time: number): boolean {
    const last = this.#lastSample.get(key);
    if (last !== undefined && time - last < this.#sampleEveryMs) return false;
    this.#lastSample.set(key, time);
    return true;
  }

  /** Queues a time-series row for the next flush and hands it to record listeners. */
  #record(r: HistoryRecord): void {
    const b = this.#pending;
    switch (r.type) {
      case "vaultState":
        this.#push(b.states, r.row);
        break;
      case "vaultPnl":
        this.#push(b.pnl, r.row);
        break;
      case "market":
        this.#push(b.market, r.row);
        break;
      case "liquidation":
        this.#push(b.liquidations, r.row);
        break;
    }
    for (const fn of this.#recordListeners) fn(r);
  }

  #push<T>(rows: T[], row: T): void {
    if (rows.length >= MAX_PENDING_ROWS) {
      this.counters.droppedRows++;
      return;
    }
    rows.push(row);
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
