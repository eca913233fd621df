import { readFileSync } from "node:fs";
import { AppError } from "@kamiyo/core";
import snappy from "snappyjs";
import { describe, expect, it } from "vitest";
import {
  checkRemoteWriteHeaders,
  DEFAULT_REMOTE_WRITE_LIMITS,
  decodeRemoteWrite,
  isStaleMarker,
} from "./remote-write-decode.ts";
import { encodeRemoteWrite, encodeWriteRequest } from "./remote-write-encode.ts";

const T0 = Date.UTC(2022, 7, 22, 3, 51, 19);
const NOW = T0 + 5 * 60_000;
const STALE = new DataView(new BigUint64Array([0x7ff0000000000002n]).buffer).getFloat64(0, true);

/** The refusal reason of what `f` throws (fails the test when it does not throw an AppError). */
function refusal(f: () => unknown): { reason: unknown; message: string } {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(AppError);
    const err = e as AppError;
    expect(err.code).toBe("invalid_input");
    return { reason: err.details?.reason, message: err.message };
  }
  throw new Error("expected a refusal");
}

describe("decodeRemoteWrite", () => {
  it("decodes the fixed vector written by Python's protobuf and python-snappy", () => {
    const body = readFileSync(
      new URL("../../fixtures/remote-write/write-request-1.snappy", import.meta.url),
    );
    const out = decodeRemoteWrite(body, NOW);
    expect(out.series).toEqual([
      {
        labels: {
          __name__: "pod_cpu_usage_millicores",
          namespace: "default",
          pod: "cartservice-579f59597d-wc2lz",
        },
        samples: [
          { timestamp: T0, value: 2.8428216598097054 },
          { timestamp: T0 + 60_000, value: 3.168873748529038 },
          { timestamp: T0 + 120_000, value: 2.2307136372817635 },
        ],
      },
      {
        labels: {
          __name__: "http_requests_total",
          code: "500",
          job: "api:v1",
          service: "frontend",
        },
        samples: [
          { timestamp: T0 + 60_000, value: 1027 },
          { timestamp: T0 + 120_000, value: -0.5 },
        ],
      },
    ]);
    expect(out.staleSeries).toEqual([
      {
        labels: expect.objectContaining({ pod: "cartservice-579f59597d-wc2lz" }),
        at: T0 + 180_000,
      },
    ]);
    expect(out.stats).toMatchObject({ series: 2, samples: 5, stale: 1, nonFinite: 1, tooNew: 0 });
  });

  it("round-trips what a protobufjs + snappyjs sender encodes, histograms counted and ignored", () => {
    const body = encodeRemoteWrite([
      {
        labels: [
          ["__name__", "container_memory_working_set_bytes"],
          ["namespace", "shop"],
          ["pod", "cart-5d8f7c9b4-x2k9q"],
        ],
        samples: [
          [T0 + 60_000, 2.5e8],
          [T0, 2.4e8],
        ],
        histograms: 2,
      },
    ]);
    const out = decodeRemoteWrite(body, NOW);
    // Out-of-order samples come back in time order.
    expect(out.series[0]?.samples).toEqual([
      { timestamp: T0, value: 2.4e8 },
      { timestamp: T0 + 60_000, value: 2.5e8 },
    ]);
    expect(out.stats.ignoredHistograms).toBe(2);
  });

  it("counts and drops samples too far in the future or the past", () => {
    const limits = DEFAULT_REMOTE_WRITE_LIMITS;
    const body = encodeRemoteWrite([
      {
        labels: [["__name__", "up"]],
        samples: [
          [NOW + limits.maxFutureMs + 1, 1],
          [NOW + limits.maxFutureMs, 1],
          [NOW, 1],
          [NOW - limits.maxPastMs, 1],
          [NOW - limits.maxPastMs - 1, 1],
          [NOW - 86_400_000, 1],
        ],
      },
      { labels: [["__name__", "down"]], samples: [[NOW + 3_600_000, 0]] },
    ]);
    const out = decodeRemoteWrite(body, NOW);
    expect(out.stats).toMatchObject({
      samples: 3,
      tooNew: 2,
      tooOld: 2,
      emptySeries: 1,
      series: 1,
    });
    expect(out.series.map((s) => s.labels.__name__)).toEqual(["up"]);
  });

  it("tells a staleness marker from an ordinary NaN, even once the marker is quieted", () => {
    expect(isStaleMarker(STALE)).toBe(true);
    expect(
      isStaleMarker(
        new DataView(new BigUint64Array([0x7ff8000000000002n]).buffer).getFloat64(0, true),
      ),
    ).toBe(true);
    expect(isStaleMarker(Number.NaN)).toBe(false);
    expect(isStaleMarker(2)).toBe(false);
  });

  it("refuses a body that is not Snappy, naming the encoding", () => {
    const raw = encodeWriteRequest([{ labels: [["__name__", "up"]], samples: [[NOW, 1]] }]);
    const r = refusal(() => decodeRemoteWrite(raw, NOW));
    expect(r.reason).toBe("bad_snappy");
    expect(r.message).toMatch(/Snappy/);
    expect(
      refusal(() => decodeRemoteWrite(new Uint8Array([0xff, 0xff, 0xff, 0xff, 0xff, 0xff]), NOW))
        .reason,
    ).toBe("bad_snappy");
  });

  it("refuses a truncated protobuf", () => {
    const raw = encodeWriteRequest([
      { labels: [["__name__", "pod_cpu_usage_millicores"]], samples: [[NOW, 1]] },
    ]);
    const r = refusal(() =>
      decodeRemoteWrite(snappy.compress(raw.subarray(0, raw.length - 5)), NOW),
    );
    expect(r.reason).toBe("bad_protobuf");
    expect(r.message).toMatch(/not a prometheus.WriteRequest/);
  });

  it("refuses oversize bodies before and after decompression", () => {
    const body = encodeRemoteWrite([
      {
        labels: [
          ["__name__", "up"],
          ["blob", "x".repeat(1500)],
        ],
        samples: [[NOW, 1]],
      },
    ]);
    const small = { ...DEFAULT_REMOTE_WRITE_LIMITS, maxCompressedBytes: 10 };
    expect(refusal(() => decodeRemoteWrite(body, NOW, small)).message).toMatch(
      /more than the 10 allowed/,
    );
    const inflated = { ...DEFAULT_REMOTE_WRITE_LIMITS, maxDecompressedBytes: 1000 };
    const r = refusal(() => decodeRemoteWrite(body, NOW, inflated));
    expect(r.reason).toBe("too_large");
    expect(r.message).toMatch(/decompressed/);
    const fewSeries = { ...DEFAULT_REMOTE_WRITE_LIMITS, maxSeries: 0 };
    expect(refusal(() => decodeRemoteWrite(body, NOW, fewSeries)).reason).toBe("too_many_series");
  });

  it.each([
    [
      [
        ["__name__", "up"],
        ["0bad", "x"],
      ],
      /series 0: label name "0bad"/,
    ],
    [
      [
        ["__name__", "up"],
        ["a-b", "x"],
      ],
      /label name "a-b" does not match/,
    ],
    [[["job", "x"]], /series 0 has no __name__ label/],
    [[["__name__", "my-metric"]], /metric name "my-metric"/],
    [
      [
        ["__name__", "up"],
        ["job", "a"],
        ["job", "b"],
      ],
      /label job appears twice/,
    ],
    [
      [
        ["__name__", "up"],
        ["job", ""],
      ],
      /label job has an empty value/,
    ],
  ] as const)("refuses bad labels %j, naming them", (labels, message) => {
    const body = encodeRemoteWrite([{ labels, samples: [[NOW, 1]] }]);
    const r = refusal(() => decodeRemoteWrite(body, NOW));
    expect(r.reason).toBe("bad_labels");
    expect(r.message).toMatch(message);
  });
});

describe("checkRemoteWriteHeaders", () => {
  const ok = {
    contentEncoding: "snappy",
    contentType: "application/x-protobuf",
    version: "0.1.0",
  };
  it("accepts what Prometheus sends", () => {
    expect(() => checkRemoteWriteHeaders(ok)).not.toThrow();
    expect(() =>
      checkRemoteWriteHeaders({
        ...ok,
        contentType: "application/x-protobuf;proto=prometheus.WriteRequest",
      }),
    ).not.toThrow();
  });
  it.each([
    [{ ...ok, contentEncoding: "gzip" }, /Content-Encoding is "gzip"/],
    [{ ...ok, contentEncoding: undefined }, /Content-Encoding is ""/],
    [{ ...ok, contentType: "application/json" }, /Content-Type is "application\/json"/],
    [
      { ...ok, contentType: "application/x-protobuf;proto=io.prometheus.write.v2.Request" },
      /send remote write 1.0/,
    ],
    [{ ...ok, version: "2.0.0" }, /Version 2.0.0 is not supported/],
  ])("refuses %j", (headers, message) => {
    expect(() => checkRemoteWriteHeaders(headers)).toThrow(message);
  });
});
