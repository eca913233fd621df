import { type Clock, describeError, type Logger, type TimerHandle } from "@kamiyo/core";
import type { Db } from "@kamiyo/db";

/**
 * Notices changes another process makes to a table: polls a cheap fingerprint query (for
 * example `max(updated_at)` and `count(*)`) and counts how often its answer changed. A response
 * cache over the table uses the count as its generation.
 */
export class TableWatch {
  #generation = 0;
  #last: string | null = null;
  #timer: TimerHandle | null = null;
  #stopped = false;
  readonly #db: Db;
  readonly #sql: string;
  readonly #clock: Clock;
  readonly #log: Logger;
  readonly #everyMs: number;

  constructor(deps: { db: Db; clock: Clock; log: Logger }, sql: string, everyMs: number) {
    this.#db = deps.db;
    this.#clock = deps.clock;
    this.#log = deps.log;
    this.#sql = sql;
    this.#everyMs = everyMs;
  }

  get generation(): number {
    return this.#generation;
  }

  /** Checks now and then every `everyMs`; a failed check changes the generation (reads again). */
  async start(): Promise<void> {
    await this.check();
    this.#schedule();
  }

  async check(): Promise<void> {
    let answer: string;
    try {
      answer = JSON.stringify(await this.#db.query(this.#sql));
    } catch (err) {
      this.#log.warn({ err: describeError(err) }, "table watch query failed");
      answer = `error ${this.#generation}`;
    }
    if (answer !== this.#last) {
      this.#last = answer;
      this.#generation++;
    }
  }

  stop(): void {
    this.#stopped = true;
    this.#timer?.cancel();
  }

  #schedule(): void {
    if (this.#stopped) return;
    this.#timer = this.#clock.setTimeout(() => {
      void this.check().finally(() => this.#schedule());
    }, this.#everyMs);
  }
}
