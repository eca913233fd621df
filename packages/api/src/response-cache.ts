import type { FastifyReply, FastifyRequest } from "fastify";

interface Entry {
  /** UTF-8, encoded once when stored rather than on every send. */
  body: Buffer;
  /** The data's generation when the read that produced `body` started. */
  generation: number;
  storedAt: number;
}

/**
 * Serialized JSON bodies of reads, kept as bytes, so that many dashboards polling the same page
 * cost one query and one serialisation between two changes. An entry is valid while the data it was read from
 * are unchanged: `generation()` (a count of changes: the finding feed's writes, or a TableWatch on
 * the incidents table) must not have moved since the read started, and it must be younger than
 * `ttlMs`, which bounds the staleness a change nobody reports could cause. Entries are bounded in
 * number, oldest evicted first. A `ttlMs` of 0 turns the cache off.
 */
export class ResponseCache {
  readonly #entries = new Map<string, Entry>();
  readonly #generation: () => number;
  readonly #now: () => number;
  readonly #ttlMs: number;
  readonly #maxEntries: number;
  readonly #pending = new WeakMap<FastifyRequest, { key: string; generation: number }>();
  readonly counts = { hit: 0, miss: 0 };

  constructor(opts: {
    generation: () => number;
    now: () => number;
    ttlMs: number;
    maxEntries?: number;
  }) {
    this.#generation = opts.generation;
    this.#now = opts.now;
    this.#ttlMs = opts.ttlMs;
    this.#maxEntries = opts.maxEntries ?? 1_000;
  }

  get size(): number {
    return this.#entries.size;
  }

  /**
   * In a route handler: sends the cached body for `key` and returns true, or remembers that this
   * request's 200 body is to be stored under `key` (by `capture`, the route's onSend hook).
   */
  serve(req: FastifyRequest, reply: FastifyReply, key: string): boolean {
    if (this.#ttlMs === 0) return false;
    const e = this.#entries.get(key);
    const generation = this.#generation();
    if (e && e.generation === generation && this.#now() - e.storedAt < this.#ttlMs) {
      this.counts.hit++;
      reply.type("application/json; charset=utf-8").send(e.body);
      return true;
    }
    this.counts.miss++;
    this.#pending.set(req, { key, generation });
    return false;
  }

  /** The route's onSend hook: stores the serialized body of a successful read. */
  readonly capture = async (
    req: FastifyRequest,
    reply: FastifyReply,
    payload: unknown,
  ): Promise<unknown> => {
    const p = this.#pending.get(req);
    if (p && req.method === "GET" && reply.statusCode === 200 && typeof payload === "string") {
      this.#entries.delete(p.key);
      if (this.#entries.size >= this.#maxEntries) {
        const oldest = this.#entries.keys().next().value;
        if (oldest !== undefined) this.#entries.delete(oldest);
      }
      this.#entries.set(p.key, {
        body: Buffer.from(payload),
        generation: p.generation,
        storedAt: this.#now(),
      });
    }
    return payload;
  };
}
