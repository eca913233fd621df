import { describe, expect, it } from "vitest";
import { canonicalJson, type LineSources, lineParser } from "./format.ts";

/** The sources of the recordings these tests read (the Hyperliquid monitor's, as sample data). */
const LINES: LineSources = { frames: ["hl.ws"], typed: ["hl.info"], rest: ["binance", "coinbase"] };

const TS = 1_741_747_200_000;

function errorOf(text: string): string {
  const parsed = lineParser(LINES)(text);
  if (parsed.kind !== "error") throw new Error(`expected an error, got ${JSON.stringify(parsed)}`);
  return parsed.message;
}

describe("parseLine", () => {
  it("accepts a line of each src, keeping the payload verbatim", () => {
    const lines = [
      { ts: TS, src: "hl.ws", msg: { channel: "trades", data: [{ coin: "ETH", px: "1915.0" }] } },
      {
        ts: TS,
        src: "hl.info",
        req: { type: "clearinghouseState", user: "0x2e3d94f0562703b25c83308a05046ddaf9a8dd14" },
        res: { marginSummary: { accountValue: "1.0" } },
      },
      {
        ts: TS,
        src: "hl.info",
        req: { type: "metaAndAssetCtxs" },
        res: { error: "busy" },
        status: 429,
      },
      {
        ts: TS,
        src: "binance",
        req: { path: "/api/v3/ticker/price", query: { symbol: "ETHUSDT" } },
        res: { symbol: "ETHUSDT", price: "1915.10" },
      },
      { ts: TS, src: "coinbase", req: { path: "/products/ETH-USD/ticker" }, res: { price: "1" } },
      { ts: TS, src: "meta", label: "reconstruction", description: "made by hand" },
    ];
    for (const line of lines) {
      expect(lineParser(LINES)(JSON.stringify(line))).toEqual({ kind: "line", line });
    }
  });

  it("accepts a null msg and a null res (recorded verbatim)", () => {
    expect(lineParser(LINES)(JSON.stringify({ ts: 0, src: "hl.ws", msg: null })).kind).toBe("line");
    const info = { ts: 0, src: "hl.info", req: { type: "vaultDetails", vaultAddress: "0x1" } };
    expect(lineParser(LINES)(JSON.stringify({ ...info, res: null })).kind).toBe("line");
  });

  it("rejects bad lines with the path of the offending field", () => {
    expect(errorOf("{not json")).toBe("not valid JSON");
    expect(errorOf(JSON.stringify({ ts: TS, src: "hl.ws" }))).toMatch(/^msg: /);
    expect(errorOf(JSON.stringify({ ts: -1, src: "hl.ws", msg: {} }))).toMatch(/^ts: /);
    expect(errorOf(JSON.stringify({ ts: 1.5, src: "hl.ws", msg: {} }))).toMatch(/^ts: /);
    expect(errorOf(JSON.stringify({ ts: String(TS), src: "hl.ws", msg: {} }))).toMatch(/^ts: /);
    expect(errorOf(JSON.stringify({ src: "meta" }))).toMatch(/^ts: /);
    expect(errorOf(JSON.stringify({ ts: TS, src: "hl.info", req: {}, res: 1 }))).toMatch(
      /^req\.type: /,
    );
    expect(errorOf(JSON.stringify({ ts: TS, src: "hl.info", req: { type: "" }, res: 1 }))).toMatch(
      /^req\.type: /,
    );
    expect(errorOf(JSON.stringify({ ts: TS, src: "hl.info", req: { type: "meta" } }))).toMatch(
      /^res: /,
    );
    expect(
      errorOf(JSON.stringify({ ts: TS, src: "binance", req: { path: "api/v3" }, res: 1 })),
    ).toMatch(/^req\.path: /);
    expect(
      errorOf(
        JSON.stringify({
          ts: TS,
          src: "binance",
          req: { path: "/api/v3/ticker/price", query: { limit: 5 } },
          res: 1,
        }),
      ),
    ).toMatch(/^req\.query\.limit: /);
    expect(
      errorOf(
        JSON.stringify({ ts: TS, src: "coinbase", req: { path: "/x" }, res: 1, status: 999 }),
      ),
    ).toMatch(/^status: /);
    expect(errorOf(JSON.stringify({ ts: TS }))).toMatch(/^src: /);
    expect(errorOf(JSON.stringify({ ts: TS, src: 7 }))).toMatch(/^src: /);
    expect(errorOf("[1,2]")).toMatch(/^line: /);
    expect(errorOf("42")).toMatch(/^line: /);
    expect(errorOf("null")).toMatch(/^line: /);
  });

  it("reports an unknown src as such, not as malformed", () => {
    expect(
      lineParser(LINES)(JSON.stringify({ ts: TS, src: "bybit", req: { path: "/x" }, res: 1 })),
    ).toEqual({ kind: "unknown-src", src: "bybit" });
    // Even when the rest of the line would not validate.
    expect(lineParser(LINES)(JSON.stringify({ src: "okx" }))).toEqual({
      kind: "unknown-src",
      src: "okx",
    });
  });

  it("reports blank and whitespace-only lines as blank", () => {
    expect(lineParser(LINES)("")).toEqual({ kind: "blank" });
    expect(lineParser(LINES)("   \t ")).toEqual({ kind: "blank" });
    expect(lineParser(LINES)("\r")).toEqual({ kind: "blank" });
  });
});

describe("canonicalJson", () => {
  it("sorts keys at every depth, including inside arrays", () => {
    const a = { type: "x", req: { z: 1, a: { d: [{ y: 1, b: 2 }], c: null } } };
    const b = { req: { a: { c: null, d: [{ b: 2, y: 1 }] }, z: 1 }, type: "x" };
    expect(canonicalJson(a)).toBe(canonicalJson(b));
    expect(canonicalJson(a)).toBe('{"req":{"a":{"c":null,"d":[{"b":2,"y":1}]},"z":1},"type":"x"}');
  });

  it("drops undefined values but keeps null, false and empty strings", () => {
    expect(canonicalJson({ b: undefined, a: { c: undefined, d: 1 } })).toBe('{"a":{"d":1}}');
    expect(canonicalJson({ dex: "", n: null, f: false })).toBe('{"dex":"","f":false,"n":null}');
  });

  it("keeps array order and scalars as JSON.stringify does", () => {
    expect(canonicalJson(["b", "a", 3])).toBe('["b","a",3]');
    expect(canonicalJson("x")).toBe('"x"');
    expect(canonicalJson(1.5)).toBe("1.5");
    expect(canonicalJson(null)).toBe("null");
  });
});
