import {
  type Clock,
  describeError,
  type Finding,
  type FindingChange,
  type Logger,
  type Severity,
  type TimerHandle,
} from "@kamiyo/core";
import { type Db, findingsChangedAfter } from "@kamiyo/db";
import { encodeCursor } from "./cursor.ts";

/** The change a stream sends; `replay` marks findings re-sent on resume (their latest state). */
export type StreamChange = FindingChange["change"] | "replay";

export interface StreamEvent {
  /** Resume position: pass it back as Last-Event-ID. */
  id: string;
  change: StreamChange;
  finding: Finding;
}

/** What a stream client asked for. Every list, when present, must contain the value. */
export interface StreamFilter {
  severities?: readonly Severity[];
  detectors?: readonly string[];
  subjects?: readonly string[];
  changes: readonly StreamChange[];
}

export function matches(filter: StreamFilter, e: StreamEvent): boolean {
  const f = e.finding;
  return (
    filter.changes.includes(e.change) &&
    (!filter.severities || filter.severities.includes(f.severity)) &&
    (!filter.detectors || filter.detectors.includes(f.detector)) &&
    (!filter.subjects || filter.subjects.includes(f.subject.id))
  );
}

export function eventId(f: Finding): string {
  return encodeCursor({ at: f.updatedAt, id: f.id });
}

type Listener = (e: StreamEvent) => void;

/**
 * Fans finding changes out to stream clients. Changes come from the monitor in this process
 * (`publish`), or, in an API-only process, from polling the database (`startPolling`).
 */
export class FindingFeed {
  readonly #clients = new Map<Listener, StreamFilter>();
  #poll: TimerHandle | null = null;
  /** The polling read, once `startPolling` set it up. */
  #tick: (() => Promise<void>) | null = null;
  #reading = false;
  #again = false;
  #published = 0;
  #generation = 0;

  get clients(): number {
    return this.#clients.size;
  }

  /** Changes delivered to at least one filter check, for metrics. */
  get published(): number {
    return this.#published;
  }

  /** Counts writes of findings to the database; a read made before the last one may be stale. */
  get generation(): number {
    return this.#generation;
  }

  /** Findings in the database changed: the monitor's store committed some, or a poll found some. */
  written(): void {
    this.#generation++;
  }

  subscribe(filter: StreamFilter, listener: Listener): () => void {
    this.#clients.set(listener, filter);
    return () => this.#clients.delete(listener);
  }

  publish(change: FindingChange): void {
    this.#published++;
    const e: StreamEvent = {
      id: eventId(change.finding),
      change: change.change,
      finding: change.finding,
    };
    for (const [listener, filter] of this.#clients) if (matches(filter, e)) listener(e);
  }

  /**
   * Polls the database for changed findings every `everyMs`, starting from now (and at once on
   * `pollNow`).
   */
  startPolling(db: Db, tenantId: string, clock: Clock, log: Logger, everyMs: number): void {
    let after = { updatedAt: clock.now(), id: "" };
    const tick = async () => {
      this.#poll?.cancel();
      this.#reading = true;
      try {
        for (;;) {
          const changed = await findingsChangedAfter(db, tenantId, after, 500);
          if (changed.length > 0) this.written();
          for (const f of changed) this.publish({ change: changeOf(f), finding: f });
          const last = changed.at(-1);
          if (last) after = { updatedAt: last.updatedAt, id: last.id };
          if (changed.length < 500) break;
        }
      } catch (err) {
        log.warn({ err: describeError(err) }, "finding feed poll failed");
      } finally {
        this.#reading = false;
      }
      if (this.#again) {
        this.#again = false;
        void tick();
      } else this.#poll = clock.setTimeout(() => void tick(), everyMs);
    };
    this.#tick = tick;
    this.#poll = clock.setTimeout(() => void tick(), everyMs);
  }

  /**
   * Reads the changed findings now rather than at the next poll (another process said it wrote
   * some); a read under way is followed by one more.
   */
  pollNow(): void {
    if (!this.#tick) return;
    if (this.#reading) this.#again = true;
    else void this.#tick();
  }

  stop(): void {
    this.#tick = null;
    this.#poll?.cancel();
    this.#clients.clear();
  }
}

/** What a polled row most likely was; escalations look like updates from the database. */
function changeOf(f: Finding): FindingChange["change"] {
  if (f.status === "resolved") return "resolved";
  return f.occurrences === 1 && f.updatedAt === f.detectedAt ? "opened" : "updated";
}
