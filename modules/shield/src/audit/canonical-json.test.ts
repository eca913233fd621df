import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { canonicalJson } from "./canonical-json.ts";
import {
  auditGenesisHash,
  auditRecordHash,
  auditRecordHashOfCanonicalBody,
} from "./record-hash.ts";

/** RFC 8785 Appendix B: IEEE 754 doubles (as hex) and their canonical JSON. */
const APPENDIX_B: [string, string][] = [
  ["0000000000000000", "0"],
  ["8000000000000000", "0"],
  ["0000000000000001", "5e-324"],
  ["8000000000000001", "-5e-324"],
  ["7fefffffffffffff", "1.7976931348623157e+308"],
  ["ffefffffffffffff", "-1.7976931348623157e+308"],
  ["4340000000000000", "9007199254740992"],
  ["c340000000000000", "-9007199254740992"],
  ["4430000000000000", "295147905179352830000"],
  ["44b52d02c7e14af5", "9.999999999999997e+22"],
  ["44b52d02c7e14af6", "1e+23"],
  ["44b52d02c7e14af7", "1.0000000000000001e+23"],
  ["444b1ae4d6e2ef4e", "999999999999999700000"],
  ["444b1ae4d6e2ef4f", "999999999999999900000"],
  ["444b1ae4d6e2ef50", "1e+21"],
  ["3eb0c6f7a0b5ed8c", "9.999999999999997e-7"],
  ["3eb0c6f7a0b5ed8d", "0.000001"],
  ["41b3de4355555553", "333333333.3333332"],
  ["41b3de4355555554", "333333333.33333325"],
  ["41b3de4355555555", "333333333.3333333"],
  ["41b3de4355555556", "333333333.3333334"],
  ["41b3de4355555557", "333333333.33333343"],
  ["becbf647612f3696", "-0.0000033333333333333333"],
  ["43143ff3c1cb0959", "1424953923781206.2"],
];

const double = (hex: string): number => Buffer.from(hex, "hex").readDoubleBE(0);

describe("canonicalJson (RFC 8785)", () => {
  it.each(APPENDIX_B)("writes the double %s as %s (Appendix B)", (hex, want) => {
    expect(canonicalJson(double(hex))).toBe(want);
  });

  it("refuses NaN and Infinity (Appendix B: they must be errors)", () => {
    expect(() => canonicalJson(double("7fffffffffffffff"))).toThrow("NaN");
    expect(() => canonicalJson({ x: double("7ff0000000000000") })).toThrow("Infinity");
    expect(() => canonicalJson(undefined)).toThrow("no JSON form");
  });

  it("sorts members by UTF-16 code units (§3.2.3's example)", () => {
    const input = JSON.parse(`{
      "\\u20ac": "Euro Sign",
      "\\r": "Carriage Return",
      "\\ufb33": "Hebrew Letter Dalet With Dagesh",
      "1": "One",
      "\\ud83d\\ude00": "Emoji: Grinning Face",
      "\\u0080": "Control",
      "\\u00f6": "Latin Small Letter O With Diaeresis"
    }`);
    expect(canonicalJson(input)).toBe(
      `{"\\r":"Carriage Return","1":"One","\u0080":"Control","\u00f6":"Latin Small Letter O With Diaeresis","\u20ac":"Euro Sign","\ud83d\ude00":"Emoji: Grinning Face","\ufb33":"Hebrew Letter Dalet With Dagesh"}`,
    );
  });

  it("writes §3.2.2's sample as the RFC does", () => {
    const input = JSON.parse(`{
      "numbers": [333333333.33333329, 1E30, 4.50, 2e-3, 0.000000000000000000000000001],
      "string": "\\u20ac$\\u000F\\u000aA'\\u0042\\u0022\\u005c\\\\\\"\\/",
      "literals": [null, true, false]
    }`);
    expect(canonicalJson(input)).toBe(
      `{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],"string":"€$\\u000f\\nA'B\\"\\\\\\\\\\"/"}`,
    );
  });
});

describe("auditRecordHash", () => {
  it("is the SHA-256 of the canonical JSON, whatever the order of the body's members", () => {
    const fields = {
      seq: 1,
      kind: "decision",
      at: "2026-01-01T00:00:00.000Z",
      prev_hash: auditGenesisHash("ten_a"),
    };
    const a = auditRecordHash({ ...fields, body: { verdict: "allow", amountMicros: 5 } });
    const b = auditRecordHash({ ...fields, body: { amountMicros: 5, verdict: "allow" } });
    expect(a).toBe(b);
    expect(a).toMatch(/^[0-9a-f]{64}$/);
    expect(auditRecordHash({ ...fields, body: { verdict: "deny", amountMicros: 5 } })).not.toBe(a);
    // Written out by hand: what an auditor recomputes without our code.
    const sha256 = (text: string) => createHash("sha256").update(text).digest("hex");
    expect(a).toBe(
      sha256(
        `{"at":"2026-01-01T00:00:00.000Z","body":{"amountMicros":5,"verdict":"allow"},"kind":"decision","prev_hash":"${fields.prev_hash}","seq":1}`,
      ),
    );
    expect(auditGenesisHash("ten_a")).toBe(
      sha256('{"chain":"kamiyo-shield-audit","tenant":"ten_a"}'),
    );
    expect(auditGenesisHash("ten_a")).not.toBe(auditGenesisHash("ten_b"));
  });

  it("is the same when the body's canonical JSON is made first (as appending does)", () => {
    const body = { verdict: "allow", reasons: [{ code: "x", message: 'é \u2028 "q"' }], n: 1e21 };
    for (const kind of ["decision", 'naïve "kind"\n']) {
      const fields = {
        seq: 123_456,
        kind,
        at: "2026-01-01T00:00:00.000Z",
        prev_hash: "ab".repeat(32),
      };
      expect(auditRecordHashOfCanonicalBody(fields, canonicalJson(body))).toBe(
        auditRecordHash({ ...fields, body }),
      );
    }
  });
});
