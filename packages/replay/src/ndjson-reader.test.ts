import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Logger } from "@kamiyo/core";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { isFrame, type LineSources, type ReplayLine } from "./format.ts";
import { ReplayReader } from "./ndjson-reader.ts";

/** The sources of the recordings these tests read (the Hyperliquid monitor's, as sample data). */
const LINES: LineSources = { frames: ["hl.ws"], typed: ["hl.info"], rest: ["binance", "coinbase"] };

const T0 = 1_741_747_200_000;

interface Entry {
  level: "debug" | "info" | "warn" | "error";
  fields: Record<string, unknown>;
  msg: string | undefined;
}

/** A Logger that keeps every entry, children included. */
function collectingLogger(
  entries: Entry[] = [],
  bindings: Record<string, unknown> = {},
): Logger & {
  entries: Entry[];
} {
  const at =
    (level: Entry["level"]) =>
    (fields: object, msg?: string): void => {
      entries.push({ level, fields: { ...bindings, ...fields }, msg });
    };
  return {
    entries,
    debug: at("debug"),
    info: at("info"),
    warn: at("warn"),
    error: at("error"),
    child: (more) => collectingLogger(entries, { ...bindings, ...more }),
  };
}

let dir: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "kamiyo-reader-"));
});

afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

function file(lines: string[], ending = "\n"): string {
  const path = join(dir, "replay.ndjson");
  writeFileSync(path, lines.join(ending) + ending);
  return path;
}

async function readAll(reader: ReplayReader): Promise<ReplayLine[]> {
  const out: ReplayLine[] = [];
  for (let l = await reader.next(); l; l = await reader.next()) out.push(l);
  return out;
}

const ws = (ts: number, n: number) => JSON.stringify({ ts, src: "hl.ws", msg: { n } });

describe("ReplayReader", () => {
  it("reports malformed lines and unknown sources with their line numbers and keeps going", async () => {
    const log = collectingLogger();
    const path = file([
      ws(T0, 1), // 1
      "{broken", // 2
      "", // 3
      JSON.stringify({ ts: T0, src: "hl.info", req: { type: "" }, res: 1 }), // 4
      JSON.stringify({ ts: T0 + 1, src: "bybit", req: { path: "/x" }, res: 1 }), // 5
      ws(T0 + 2, 2), // 6
      JSON.stringify({ ts: T0 + 3, src: "bybit", req: { path: "/y" }, res: 1 }), // 7
      JSON.stringify({ ts: T0 + 3, src: "okx", res: 1 }), // 8
      ws(T0 + 4, 3), // 9
    ]);
    const reader = new ReplayReader(path, log, LINES);
    const lines = await readAll(reader);
    expect(lines.map((l) => (isFrame(l) ? l.msg : null))).toEqual([{ n: 1 }, { n: 2 }, { n: 3 }]);
    expect(reader.stats).toEqual({
      lines: 9,
      replayed: 3,
      malformed: 2,
      unknownSrc: 3,
      outOfOrder: 0,
    });
    const warns = log.entries.filter((e) => e.level === "warn");
    expect(warns.map((w) => w.fields.line)).toEqual([2, 4, 5, 8]);
    expect(warns[0]?.msg).toMatch(/line 2\b.*not valid JSON/);
    expect(warns[1]?.fields.error).toMatch(/^req\.type: /);
    expect(warns[1]?.msg).toMatch(/line 4\b.*req\.type/);
    // An unknown src is named, and warned about once per src.
    expect(warns[2]?.fields.src).toBe("bybit");
    expect(warns[2]?.msg).toMatch(/line 5\b.*unknown src "bybit"/);
    expect(warns[3]?.fields.src).toBe("okx");
    expect(reader.lastTs).toBe(T0 + 4);
  });

  it("counts out-of-order lines and replays them at the current time", async () => {
    const log = collectingLogger();
    const path = file([ws(T0 + 1_000, 1), ws(T0 + 500, 2), ws(T0 + 2_000, 3), ws(T0, 4)]);
    const reader = new ReplayReader(path, log, LINES);
    const lines = await readAll(reader);
    expect(lines.map((l) => l.ts)).toEqual([T0 + 1_000, T0 + 1_000, T0 + 2_000, T0 + 2_000]);
    expect(lines.map((l) => (isFrame(l) ? l.msg : null))).toEqual([
      { n: 1 },
      { n: 2 },
      { n: 3 },
      { n: 4 },
    ]);
    expect(reader.stats.outOfOrder).toBe(2);
    expect(reader.stats.replayed).toBe(4);
    const warns = log.entries.filter((e) => e.level === "warn");
    expect(warns.map((w) => [w.fields.line, w.fields.ts, w.fields.previous])).toEqual([
      [2, T0 + 500, T0 + 1_000],
      [4, T0, T0 + 2_000],
    ]);
    expect(warns[0]?.msg).toMatch(/line 2\b.*out of time order/);
  });

  it("peek() does not consume, and both return null at the end", async () => {
    const path = file([
      JSON.stringify({ ts: T0, src: "meta", label: "reconstruction" }),
      ws(T0 + 1, 1),
    ]);
    const reader = new ReplayReader(path, collectingLogger(), LINES);
    const first = await reader.peek();
    expect(first).toEqual({ ts: T0, src: "meta", label: "reconstruction" });
    expect(await reader.peek()).toBe(first);
    expect(reader.stats.replayed).toBe(0);
    expect(await reader.next()).toBe(first);
    expect((await reader.next())?.src).toBe("hl.ws");
    expect(await reader.peek()).toBeNull();
    expect(await reader.next()).toBeNull();
    expect(reader.stats).toMatchObject({ lines: 2, replayed: 2 });
  });

  it("reads CRLF files and a last line without a newline", async () => {
    const path = join(dir, "crlf.ndjson");
    writeFileSync(path, `${ws(T0, 1)}\r\n\r\n${ws(T0 + 1, 2)}`);
    const log = collectingLogger();
    const reader = new ReplayReader(path, log, LINES);
    expect((await readAll(reader)).map((l) => l.ts)).toEqual([T0, T0 + 1]);
    expect(reader.stats).toMatchObject({ lines: 3, malformed: 0 });
    expect(log.entries).toEqual([]);
  });
});
