import { createReadStream } from "node:fs";
import { createInterface } from "node:readline";
import { createGunzip } from "node:zlib";
import type { Logger } from "@kamiyo/core";
import { type LineSources, lineParser, type ParsedLine, type ReplayLine } from "./format.ts";

/** Counts of what a replay file held. */
export interface ReadStats {
  lines: number;
  replayed: number;
  malformed: number;
  unknownSrc: number;
  outOfOrder: number;
}

/**
 * Reads a replay file line by line with one line of lookahead. Malformed lines and unknown
 * sources are reported (with their line number) and skipped; they never stop the replay.
 */
export class ReplayReader {
  readonly stats: ReadStats = { lines: 0, replayed: 0, malformed: 0, unknownSrc: 0, outOfOrder: 0 };
  readonly #lines: AsyncIterator<string>;
  readonly #log: Logger;
  #peeked: ReplayLine | null = null;
  #done = false;
  #lastTs = Number.NEGATIVE_INFINITY;
  readonly #unknownWarned = new Set<string>();
  readonly #parse: (text: string) => ParsedLine;

  /**
   * @param file an NDJSON file, gzip-compressed when its name ends in ".gz".
   * @param sources the sources its product line records (`ReplayModule.lines`).
   */
  constructor(file: string, log: Logger, sources: LineSources) {
    this.#parse = lineParser(sources);
    const raw = createReadStream(file);
    const input = file.endsWith(".gz") ? raw.pipe(createGunzip()) : raw;
    input.setEncoding("utf8");
    this.#lines = createInterface({ input, crlfDelay: Number.POSITIVE_INFINITY })[
      Symbol.asyncIterator
    ]();
    this.#log = log;
  }

  /** The next line without consuming it, or null at the end of the file. */
  async peek(): Promise<ReplayLine | null> {
    if (this.#peeked || this.#done) return this.#peeked;
    for (;;) {
      const next = await this.#lines.next();
      if (next.done) {
        this.#done = true;
        return null;
      }
      this.stats.lines++;
      const n = this.stats.lines;
      const parsed = this.#parse(next.value);
      if (parsed.kind === "blank") continue;
      if (parsed.kind === "error") {
        this.stats.malformed++;
        this.#log.warn(
          { line: n, error: parsed.message },
          `replay file line ${n} skipped: ${parsed.message}`,
        );
        continue;
      }
      if (parsed.kind === "unknown-src") {
        this.stats.unknownSrc++;
        if (!this.#unknownWarned.has(parsed.src)) {
          this.#unknownWarned.add(parsed.src);
          this.#log.warn(
            { line: n, src: parsed.src },
            `replay file line ${n}: unknown src "${parsed.src}" skipped (further ones silently)`,
          );
        }
        continue;
      }
      const line = parsed.line;
      if (line.ts < this.#lastTs) {
        this.stats.outOfOrder++;
        this.#log.warn(
          { line: n, ts: line.ts, previous: this.#lastTs },
          `replay file line ${n} is out of time order; replayed at the current time`,
        );
        line.ts = this.#lastTs;
      }
      this.#lastTs = line.ts;
      this.#peeked = line;
      return line;
    }
  }

  /** Consumes and returns the next line, or null at the end. */
  async next(): Promise<ReplayLine | null> {
    const line = await this.peek();
    this.#peeked = null;
    if (line) this.stats.replayed++;
    return line;
  }

  /** Time of the last line read so far. */
  get lastTs(): number {
    return this.#lastTs;
  }
}
