import { describe, expect, it } from "vitest";
import {
  assertCorrelationEvent,
  mergeVersions,
  normalizeAsset,
  protocolKey,
} from "./correlation-event.ts";
import { event, T0 } from "./test-helpers.ts";

describe("correlation events", () => {
  it("normalises assets and protocol names", () => {
    expect(normalizeAsset("kPEPE")).toBe("PEPE");
    expect(normalizeAsset("1000PEPE")).toBe("PEPE");
    expect(normalizeAsset("kaito")).toBe("KAITO");
    expect(normalizeAsset(" ")).toBeNull();
    expect(protocolKey(" Euler Finance (V1) ")).toBe("euler-finance-v1");
  });

  it("merges versions: the newer wins, an aggregate keeps its largest count and earliest span", () => {
    const v1 = event({ aggregate: true, count: 7, usd: 2e6, spanStart: T0 - 60_000 });
    const v2 = { ...v1, time: T0 + 5_000, spanStart: T0, count: 5, usd: 1.5e6, title: "v2" };
    expect(mergeVersions(v1, v2)).toMatchObject({
      time: T0 + 5_000,
      spanStart: T0 - 60_000,
      count: 7,
      usd: 2e6,
      title: "v2",
    });
    const s1 = event({ usd: 5e6 });
    expect(mergeVersions(s1, { ...s1, usd: 4e6 }).usd).toBe(4e6);
  });

  it("names the event and the field of a malformed event", () => {
    expect(() => assertCorrelationEvent(event({ id: "e1", spanStart: T0 + 1 }))).toThrow(
      /"e1": spanStart .* not after time/,
    );
    expect(() => assertCorrelationEvent(event({ id: "e2", count: 0 }))).toThrow(/"e2": count 0/);
    expect(() => assertCorrelationEvent(event({ id: "e3", protocol: "" }))).toThrow(
      /"e3": protocol/,
    );
    expect(() => assertCorrelationEvent(event({ id: "" }))).toThrow(
      /id must be a non-empty string/,
    );
    expect(() => assertCorrelationEvent(event())).not.toThrow();
  });
});
