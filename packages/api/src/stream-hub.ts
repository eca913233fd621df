import type { Clock, TimerHandle } from "@kamiyo/core";
import { type Db, findingsChangedAfter } from "@kamiyo/db";
import type { ApiConfig } from "./config.ts";
import type { Position } from "./cursor.ts";
import { eventId, type FindingFeed, matches, type StreamEvent, type StreamFilter } from "./feed.ts";
import { toFindingJson } from "./schemas/common.ts";

/** One connected client, whatever its transport. */
export interface StreamSink {
  send(e: StreamEvent): void;
  heartbeat(): void;
  close(): void;
}

/** Serialized events: the feed hands one event object to every client, so it is serialized once. */
const serialized = new WeakMap<StreamEvent, string>();

/** The JSON of one stream event, the same for SSE `data:` and WebSocket messages. */
export function eventJson(e: StreamEvent): string {
  let json = serialized.get(e);
  if (json === undefined) {
    json = JSON.stringify({ id: e.id, change: e.change, finding: toFindingJson(e.finding) });
    serialized.set(e, json);
  }
  return json;
}

/**
 * Live-stream clients: caps how many connect, resumes a client from its last event id (findings
 * changed since, from the database, in change order), then delivers new changes from the feed,
 * with a heartbeat so proxies keep the connection open.
 */
export class StreamHub {
  readonly #feed: FindingFeed;
  readonly #config: ApiConfig;
  readonly #clock: Clock;
  readonly #sinks = new Set<StreamSink>();
  #heartbeat: TimerHandle | null = null;

  constructor(feed: FindingFeed, config: ApiConfig, clock: Clock) {
    this.#feed = feed;
    this.#config = config;
    this.#clock = clock;
  }

  get clients(): number {
    return this.#sinks.size;
  }

  get full(): boolean {
    return this.#sinks.size >= this.#config.maxStreamClients;
  }

  /**
   * Attaches a client: first the changes after `resumeFrom` that match its filter, then live ones.
   * @returns a detach function.
   */
  async attach(
    sink: StreamSink,
    filter: StreamFilter,
    resume: { db: Db; tenantId: string; from: Position } | null,
  ): Promise<() => void> {
    // Subscribe first and hold live events until the replay is sent, so nothing falls between.
    const held: StreamEvent[] = [];
    let replaying = resume !== null;
    const unsubscribe = this.#feed.subscribe(filter, (e) =>
      replaying ? held.push(e) : sink.send(e),
    );
    this.#sinks.add(sink);
    this.#startHeartbeat();
    if (resume) {
      const sent = new Set<string>();
      let after = { updatedAt: resume.from.at, id: resume.from.id };
      for (;;) {
        const rows = await findingsChangedAfter(resume.db, resume.tenantId, after, 500);
        for (const f of rows) {
          const e: StreamEvent = { id: eventId(f), change: "replay", finding: f };
          if (matches({ ...filter, changes: ["replay"] }, e)) {
            sink.send(e);
            sent.add(e.id);
          }
        }
        const last = rows.at(-1);
        if (!last || rows.length < 500) break;
        after = { updatedAt: last.updatedAt, id: last.id };
      }
      replaying = false;
      for (const e of held) if (!sent.has(e.id)) sink.send(e);
    }
    return () => {
      unsubscribe();
      this.#sinks.delete(sink);
    };
  }

  /** Closes every client (shutdown). */
  close(): void {
    this.#heartbeat?.cancel();
    for (const s of this.#sinks) s.close();
    this.#sinks.clear();
  }

  #startHeartbeat(): void {
    if (this.#heartbeat) return;
    const beat = () => {
      for (const s of this.#sinks) s.heartbeat();
      this.#heartbeat =
        this.#sinks.size > 0 ? this.#clock.setTimeout(beat, this.#config.streamHeartbeatMs) : null;
    };
    this.#heartbeat = this.#clock.setTimeout(beat, this.#config.streamHeartbeatMs);
  }
}
