import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { isFrame, type LineSources, lineParser, type ReplayLine } from "./format.ts";
import { ReplayWriter } from "./ndjson-writer.ts";

/** The sources of the recordings these tests read (the Hyperliquid monitor's, as sample data). */
const LINES: LineSources = { frames: ["hl.ws"], typed: ["hl.info"], rest: ["binance", "coinbase"] };

const T0 = 1_741_747_200_000;

let dir: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "kamiyo-writer-"));
});

afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

const ws = (ts: number, n: number): ReplayLine => ({ ts, src: "hl.ws", msg: { n } });

function readLines(path: string): ReplayLine[] {
  const text = readFileSync(path, "utf8");
  expect(text.endsWith("\n")).toBe(true);
  return text
    .slice(0, -1)
    .split("\n")
    .map((t) => {
      const p = lineParser(LINES)(t);
      if (p.kind !== "line") throw new Error(`unexpected line ${t}`);
      return p.line;
    });
}

describe("ReplayWriter", () => {
  it("holds lines for the reorder window and writes them sorted by ts", async () => {
    const path = join(dir, "out.ndjson");
    const w = new ReplayWriter(path, 10_000);
    w.write(ws(T0 + 5_000, 1));
    w.write(ws(T0 + 1_000, 2));
    w.write(ws(T0 + 3_000, 3));
    w.flush(T0 + 10_999);
    expect(w.written).toBe(0);
    w.flush(T0 + 12_000);
    expect(w.written).toBe(1);
    // Finished late but stamped with its (earlier) request time: still in order.
    w.write(ws(T0 + 2_500, 4));
    w.flush(T0 + 15_000);
    expect(w.written).toBe(4);
    w.write(ws(T0 + 30_000, 5));
    w.write(ws(T0 + 25_000, 6));
    w.flush(T0 + 20_000);
    expect(w.written).toBe(4);
    await w.close();
    expect(w.written).toBe(6);
    const lines = readLines(path);
    expect(lines.map((l) => l.ts - T0)).toEqual([1_000, 2_500, 3_000, 5_000, 25_000, 30_000]);
    expect(lines.map((l) => (isFrame(l) ? l.msg : null))).toEqual([
      { n: 2 },
      { n: 4 },
      { n: 3 },
      { n: 1 },
      { n: 6 },
      { n: 5 },
    ]);
  });

  it("keeps the write order of lines with equal ts", async () => {
    const path = join(dir, "ties.ndjson");
    const w = new ReplayWriter(path);
    for (let i = 0; i < 20; i++) w.write(ws(T0 + (i % 2), i));
    await w.close();
    const msgs = readLines(path).map((l) => (isFrame(l) ? (l.msg as { n: number }).n : -1));
    expect(msgs).toEqual([0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 1, 3, 5, 7, 9, 11, 13, 15, 17, 19]);
  });

  it("close() flushes everything, writes lines verbatim, and ignores later writes", async () => {
    const path = join(dir, "close.ndjson");
    const w = new ReplayWriter(path, 60_000);
    const info: ReplayLine = {
      ts: T0,
      src: "hl.info",
      req: { type: "metaAndAssetCtxs" },
      res: { error: "rate limited" },
      status: 429,
    };
    const meta: ReplayLine = { ts: T0 - 1, src: "meta", label: "live recording" };
    w.write(info);
    w.write(meta);
    await w.close();
    w.write(ws(T0 + 1, 1));
    await w.close();
    expect(w.written).toBe(2);
    expect(readLines(path)).toEqual([meta, info]);
  });

  it("writes an empty file when nothing was written", async () => {
    const path = join(dir, "empty.ndjson");
    const w = new ReplayWriter(path);
    await w.close();
    expect(readFileSync(path, "utf8")).toBe("");
  });
});

describe("gzip recordings", () => {
  it("writes .gz files the reader reads back", async () => {
    const { mkdtempSync } = await import("node:fs");
    const { tmpdir } = await import("node:os");
    const { join } = await import("node:path");
    const { gunzipSync } = await import("node:zlib");
    const { readFileSync } = await import("node:fs");
    const { ReplayReader } = await import("./ndjson-reader.ts");
    const { silentLogger } = await import("@kamiyo/core");
    const file = join(mkdtempSync(join(tmpdir(), "kamiyo-gz-")), "r.ndjson.gz");
    const w = new ReplayWriter(file, 0);
    w.write({ ts: 2, src: "hl.ws", msg: { channel: "pong" } });
    w.write({ ts: 1, src: "meta", label: "x" });
    await w.close();
    expect(gunzipSync(readFileSync(file)).toString("utf8").trim().split("\n")).toHaveLength(2);
    const r = new ReplayReader(file, silentLogger, LINES);
    expect((await r.next())?.ts).toBe(1);
    expect((await r.next())?.ts).toBe(2);
    expect(await r.next()).toBeNull();
    expect(r.stats.malformed).toBe(0);
  });
});
