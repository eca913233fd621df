import { type Clock, describeError, type IoTracker, type Logger, pollEvery } from "@kamiyo/core";
import type { Db } from "@kamiyo/db";
import { type Incident, type IncidentCursor, timedIncidentsChanged } from "@kamiyo/intel";

/** Where incidents go: the correlator's queue (see `CrossProtocolCorrelator.queueIncident`). */
export interface IncidentTarget {
  queueIncident(i: Incident): "queued" | "ignored";
}

/**
 * How far back each look re-reads: an import's rows carry the time its transaction started, so
 * one committing after a later one can hold older `updated_at` values.
 */
const MARGIN_MS = 60_000;
/** Rows read per query. */
const PAGE = 500;

/**
 * Hands the correlator the exploit incidents with an attack time as imports and syncs store them.
 * Those run in other processes (`kamiyo intel import|sync`), so the monitor looks: every
 * `everyMs` of its clock it reads the incidents written since its last look (by `updated_at`,
 * re-reading a margin for late commits and skipping versions it already handed on) whose attack
 * time is at most `latenessMs` before the clock: older ones could no longer be correlated. The
 * correlator holds each until its clock reaches the attack time, so a replay meets an incident
 * when it replays the minutes it happened in.
 */
export class IncidentFeed {
  readonly #db: Db;
  readonly #clock: Clock;
  readonly #io: IoTracker;
  readonly #log: Logger;
  readonly #target: IncidentTarget;
  readonly #everyMs: number;
  readonly #latenessMs: number;
  readonly #abort = new AbortController();
  /** Latest `updated_at` read, epoch ms; null before the first look. */
  #highWater: number | null = null;
  /** The `updated_at` of the version of each incident handed on, within the margin. */
  readonly #seen = new Map<string, number>();
  #running: Promise<void> | null = null;

  constructor(
    deps: { db: Db; clock: Clock; io: IoTracker; log: Logger },
    target: IncidentTarget,
    opts: { everyMs: number; latenessMs: number },
  ) {
    this.#db = deps.db;
    this.#clock = deps.clock;
    this.#io = deps.io;
    this.#log = deps.log;
    this.#target = target;
    this.#everyMs = opts.everyMs;
    this.#latenessMs = opts.latenessMs;
  }

  /** Looks now, then every `everyMs` of the clock, until stopped. */
  start(): void {
    this.#running ??= pollEvery(this.#clock, this.#abort.signal, this.#everyMs, async () => {
      await this.poll();
    });
  }

  async stop(): Promise<void> {
    this.#abort.abort();
    await this.#running;
  }

  /**
   * One look. A failing read is logged and tried again at the next look; an incident whose time
   * the correlator refuses is logged and skipped.
   * @returns how many incidents were queued.
   */
  poll(): Promise<number> {
    return this.#io.track(async () => {
      try {
        return await this.#look();
      } catch (err) {
        this.#log.warn(
          { err: describeError(err) },
          "reading exploit incidents failed; trying again at the next look",
        );
        return 0;
      }
    });
  }

  async #look(): Promise<number> {
    const occurredSince = this.#clock.now() - this.#latenessMs;
    let after: IncidentCursor | null =
      this.#highWater === null ? null : { updatedAt: this.#highWater - MARGIN_MS, id: "" };
    let queued = 0;
    for (;;) {
      const page = await timedIncidentsChanged(this.#db, after, occurredSince, PAGE);
      for (const { incident, updatedAt } of page) {
        this.#highWater = Math.max(this.#highWater ?? updatedAt, updatedAt);
        if (this.#seen.get(incident.id) === updatedAt) continue;
        this.#seen.set(incident.id, updatedAt);
        try {
          if (this.#target.queueIncident(incident) === "queued") queued++;
        } catch (err) {
          this.#log.warn(
            { incident: incident.id, err: describeError(err) },
            "exploit incident with an unusable attack time skipped",
          );
        }
      }
      const last = page.at(-1);
      if (page.length < PAGE || !last) break;
      after = { updatedAt: last.updatedAt, id: last.incident.id };
    }
    const forget = (this.#highWater ?? 0) - MARGIN_MS;
    for (const [id, at] of this.#seen) if (at < forget) this.#seen.delete(id);
    if (queued > 0) this.#log.info({ queued }, "exploit incidents with an attack time queued");
    return queued;
  }
}
