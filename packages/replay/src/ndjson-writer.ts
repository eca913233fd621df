import { createWriteStream, type WriteStream } from "node:fs";
import type { ReplayLine } from "./format.ts";

/**
 * Writes replay lines in `ts` order. Exchanges are stamped with their request time but finish
 * later, so lines are held for `reorderMs` of their own time before they are written.
 */
export class ReplayWriter {
  readonly #out: WriteStream;
  readonly #reorderMs: number;
  #pending: ReplayLine[] = [];
  #written = 0;
  #closed = false;

  constructor(file: string, reorderMs = 10_000) {
    this.#out = createWriteStream(file, { encoding: "utf8" });
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
    await new Promise<void>((resolve, reject) =>
      this.#out.end((err?: Error | null) => (err ? reject(err) : resolve())),
    );
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
