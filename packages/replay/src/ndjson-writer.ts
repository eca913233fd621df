import { createWriteStream } from "node:fs";
import type { Writable } from "node:stream";
import { createGzip } from "node:zlib";
import type { ReplayLine } from "./format.ts";

/**
 * Writes replay lines in `ts` order. Exchanges are stamped with their request time but finish
 * later, so lines are held for `reorderMs` of their own time before they are written.
 */
export class ReplayWriter {
  readonly #out: Writable;
  readonly #done: Promise<void>;
  readonly #reorderMs: number;
  #pending: ReplayLine[] = [];
  #written = 0;
  #closed = false;

  /** @param file the output, gzip-compressed when its name ends in ".gz". */
  constructor(file: string, reorderMs = 10_000) {
    const sink = createWriteStream(file);
    this.#done = new Promise((resolve, reject) => {
      sink.on("finish", () => resolve());
      sink.on("error", reject);
    });
    if (file.endsWith(".gz")) {
      const gzip = createGzip();
      gzip.pipe(sink);
      this.#out = gzip;
    } else {
      this.#out = sink;
    }
    this.#reorderMs = reorderMs;
  }

  get written(): number {
    return this.#written;
  }

  write(line: ReplayLine): void {
    if (this.#closed) return;
    this.#pending.push(line);
  }

  /** Writes every held line older than `now - reorderMs`. */
  flush(now: number): void {
    this.#emit((l) => l.ts <= now - this.#reorderMs);
  }

  /** Writes everything held and closes the file. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#emit(() => true);
    this.#closed = true;
    // Resolves when the file itself is finished, after any gzip stream has flushed into it.
    this.#out.end();
    await this.#done;
  }

  #emit(due: (l: ReplayLine) => boolean): void {
    const ready = this.#pending.filter(due);
    if (ready.length === 0) return;
    this.#pending = this.#pending.filter((l) => !due(l));
    ready.sort((a, b) => a.ts - b.ts);
    this.#out.write(`${ready.map((l) => JSON.stringify(l)).join("\n")}\n`);
    this.#written += ready.length;
  }
}
