import { AppError } from "@kamiyo/core";
import snappy from "snappyjs";
import {
  longToNumber,
  type TimeSeriesMessage,
  type WriteRequestMessage,
  WriteRequestType,
} from "./prompb/schema.ts";
import type { RemoteWriteSeries } from "./remote-write.ts";

/** What a remote-write body may hold; every limit refuses the whole request with a clear error. */
export interface RemoteWriteLimits {
  /** Largest Snappy-compressed body, bytes. Default 4 MiB. */
  readonly maxCompressedBytes: number;
  /** Largest decompressed protobuf, bytes (read from the Snappy header before inflating). Default 32 MiB. */
  readonly maxDecompressedBytes: number;
  /** Most series in one request. Default 50,000. */
  readonly maxSeries: number;
  /** Most float samples in one request. Default 500,000. */
  readonly maxSamples: number;
  /** Most labels on one series. Default 64. */
  readonly maxLabels: number;
  /** Longest label name, characters. Default 1024. */
  readonly maxLabelNameLength: number;
  /** Longest label value, characters. Default 2048. */
  readonly maxLabelValueLength: number;
  /** Samples more than this far after `now` are dropped and counted, ms. Default 10 min. */
  readonly maxFutureMs: number;
  /** Samples more than this far before `now` are dropped and counted, ms. Default 2 h (a sender's WAL replay after an outage). */
  readonly maxPastMs: number;
}

export const DEFAULT_REMOTE_WRITE_LIMITS: RemoteWriteLimits = {
  maxCompressedBytes: 4 * 1024 * 1024,
  maxDecompressedBytes: 32 * 1024 * 1024,
  maxSeries: 50_000,
  maxSamples: 500_000,
  maxLabels: 64,
  maxLabelNameLength: 1024,
  maxLabelValueLength: 2048,
  maxFutureMs: 10 * 60_000,
  maxPastMs: 2 * 3_600_000,
};

/** Why a body was refused: `details.reason` of the {@link AppError} the decoder throws. */
export type RemoteWriteRefusal =
  | "too_large"
  | "bad_snappy"
  | "bad_protobuf"
  | "too_many_series"
  | "too_many_samples"
  | "bad_labels";

/** What the decoder kept and what it dropped, counted. */
export interface RemoteWriteStats {
  readonly series: number;
  readonly samples: number;
  /** Samples dropped for being more than `maxFutureMs` ahead of `now`. */
  readonly tooNew: number;
  /** Samples dropped for being more than `maxPastMs` behind `now`. */
  readonly tooOld: number;
  /** Prometheus staleness markers (the series ended), not kept as samples. */
  readonly stale: number;
  /** NaN (other than a staleness marker) and ±Inf values, dropped. */
  readonly nonFinite: number;
  /** Native histograms and exemplars, which this receiver does not read. */
  readonly ignoredHistograms: number;
  readonly ignoredExemplars: number;
  /** Series that carried no sample left to keep. */
  readonly emptySeries: number;
}

/** A decoded request: each series' finite samples in time order, and the counts. */
export interface DecodedRemoteWrite {
  readonly series: readonly RemoteWriteSeries[];
  /** Series (by their labels) whose last sample was a staleness marker, with its time. */
  readonly staleSeries: readonly {
    readonly labels: Readonly<Record<string, string>>;
    readonly at: number;
  }[];
  readonly stats: RemoteWriteStats;
}

const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;

/**
 * Decodes a Prometheus remote-write 1.0 body (a Snappy block-compressed `prometheus.WriteRequest`)
 * into series. Samples outside `[now − maxPastMs, now + maxFutureMs]` are dropped and counted, as
 * are NaN/±Inf values; a staleness marker (`0x7ff0000000000002`) ends its series and is reported in
 * `staleSeries`. Throws {@link AppError} `invalid_input` with `details.reason` a
 * {@link RemoteWriteRefusal} and a message naming what is wrong (the series and label) when the body
 * is too large, not Snappy, not a WriteRequest, or breaks the spec's label rules (names
 * `[a-zA-Z_][a-zA-Z0-9_]*`, `__name__` present and `[a-zA-Z_:][a-zA-Z0-9_:]*`, names unique,
 * values non-empty).
 */
export function decodeRemoteWrite(
  body: Uint8Array,
  now: number,
  limits: RemoteWriteLimits = DEFAULT_REMOTE_WRITE_LIMITS,
): DecodedRemoteWrite {
  if (body.byteLength > limits.maxCompressedBytes)
    throw refuse(
      "too_large",
      `body is ${body.byteLength} bytes, more than the ${limits.maxCompressedBytes} allowed`,
    );
  const raw = inflate(body, limits.maxDecompressedBytes);
  let message: WriteRequestMessage;
  try {
    message = WriteRequestType.decode(raw) as unknown as WriteRequestMessage;
  } catch (cause) {
    throw refuse(
      "bad_protobuf",
      `body is not a prometheus.WriteRequest: ${(cause as Error).message}`,
      cause,
    );
  }
  const timeseries = message.timeseries ?? [];
  if (timeseries.length > limits.maxSeries)
    throw refuse(
      "too_many_series",
      `${timeseries.length} series in one request, more than the ${limits.maxSeries} allowed`,
    );
  const total = timeseries.reduce((n, ts) => n + (ts.samples?.length ?? 0), 0);
  if (total > limits.maxSamples)
    throw refuse(
      "too_many_samples",
      `${total} samples in one request, more than the ${limits.maxSamples} allowed`,
    );

  const counts = {
    samples: 0,
    tooNew: 0,
    tooOld: 0,
    stale: 0,
    nonFinite: 0,
    emptySeries: 0,
    ignoredHistograms: 0,
    ignoredExemplars: 0,
  };
  const series: RemoteWriteSeries[] = [];
  const staleSeries: { labels: Record<string, string>; at: number }[] = [];
  timeseries.forEach((ts, i) => {
    const labels = labelsOf(ts, i, limits);
    counts.ignoredHistograms += ts.histograms?.length ?? 0;
    counts.ignoredExemplars += ts.exemplars?.length ?? 0;
    const samples: { timestamp: number; value: number }[] = [];
    let staleAt: number | undefined;
    for (const s of ts.samples ?? []) {
      const timestamp = longToNumber(s.timestamp);
      const value = s.value ?? 0;
      if (timestamp > now + limits.maxFutureMs) counts.tooNew++;
      else if (timestamp < now - limits.maxPastMs) counts.tooOld++;
      else if (isStaleMarker(value)) {
        counts.stale++;
        staleAt = Math.max(staleAt ?? timestamp, timestamp);
      } else if (!Number.isFinite(value)) counts.nonFinite++;
      else samples.push({ timestamp, value });
    }
    samples.sort((a, b) => a.timestamp - b.timestamp);
    if (staleAt !== undefined && (samples.at(-1)?.timestamp ?? -Infinity) < staleAt)
      staleSeries.push({ labels, at: staleAt });
    if (samples.length === 0) {
      counts.emptySeries++;
      return;
    }
    counts.samples += samples.length;
    series.push({ labels, samples });
  });
  return { series, staleSeries, stats: { series: series.length, ...counts } };
}

function inflate(body: Uint8Array, max: number): Uint8Array {
  try {
    return snappy.uncompress(body, max);
  } catch (cause) {
    const message = (cause as Error).message;
    if (/too big/.test(message))
      throw refuse(
        "too_large",
        `decompressed body would be larger than the ${max} bytes allowed (${message})`,
        cause,
      );
    throw refuse(
      "bad_snappy",
      `body is not Snappy block-compressed (Content-Encoding: snappy): ${message}`,
      cause,
    );
  }
}

function labelsOf(
  ts: TimeSeriesMessage,
  i: number,
  limits: RemoteWriteLimits,
): Record<string, string> {
  const list = ts.labels ?? [];
  const where = `series ${i}`;
  if (list.length > limits.maxLabels)
    throw refuse(
      "bad_labels",
      `${where} has ${list.length} labels, more than the ${limits.maxLabels} allowed`,
    );
  const labels: Record<string, string> = {};
  for (const { name = "", value = "" } of list) {
    if (name.length > limits.maxLabelNameLength)
      throw refuse(
        "bad_labels",
        `${where}: label name of ${name.length} characters, more than ${limits.maxLabelNameLength}`,
      );
    if (!LABEL_NAME.test(name))
      throw refuse(
        "bad_labels",
        `${where}: label name ${JSON.stringify(name)} does not match [a-zA-Z_][a-zA-Z0-9_]*`,
      );
    if (Object.hasOwn(labels, name))
      throw refuse("bad_labels", `${where}: label ${name} appears twice`);
    if (value === "") throw refuse("bad_labels", `${where}: label ${name} has an empty value`);
    if (value.length > limits.maxLabelValueLength)
      throw refuse(
        "bad_labels",
        `${where}: label ${name}'s value has ${value.length} characters, more than ${limits.maxLabelValueLength}`,
      );
    labels[name] = value;
  }
  const metric = labels.__name__;
  if (metric === undefined) throw refuse("bad_labels", `${where} has no __name__ label`);
  if (!METRIC_NAME.test(metric))
    throw refuse(
      "bad_labels",
      `${where}: metric name ${JSON.stringify(metric)} does not match [a-zA-Z_:][a-zA-Z0-9_:]*`,
    );
  return labels;
}

const bits = new DataView(new ArrayBuffer(8));

/**
 * Prometheus' staleness marker is the NaN with bits `0x7ff0000000000002`, a signalling NaN that a
 * CPU may quiet (set bit 51) on its way through a double; both forms are the marker.
 */
export function isStaleMarker(value: number): boolean {
  if (!Number.isNaN(value)) return false;
  bits.setFloat64(0, value);
  return (bits.getBigUint64(0) | 0x0008000000000000n) === 0x7ff8000000000002n;
}

function refuse(reason: RemoteWriteRefusal, message: string, cause?: unknown): AppError {
  return new AppError("invalid_input", `remote write: ${message}`, {
    details: { reason },
    ...(cause === undefined ? {} : { cause }),
  });
}

/** The request headers a remote-write 1.0 sender sets, as received (any case, possibly absent). */
export interface RemoteWriteHeaders {
  readonly contentEncoding?: string | undefined;
  readonly contentType?: string | undefined;
  readonly version?: string | undefined;
}

/**
 * Checks a remote-write request's headers: `Content-Encoding: snappy`, `Content-Type:
 * application/x-protobuf` (a `proto=prometheus.WriteRequest` parameter is accepted) and
 * `X-Prometheus-Remote-Write-Version` 0.1.x when present. Throws {@link AppError} `invalid_input`
 * (`details.reason` `unsupported_encoding`, `unsupported_content_type` or `unsupported_version`)
 * naming the header; remote write 2.0 (`io.prometheus.write.v2.Request`) is refused by name.
 */
export function checkRemoteWriteHeaders(h: RemoteWriteHeaders): void {
  const fail = (reason: string, message: string) =>
    new AppError("invalid_input", `remote write: ${message}`, { details: { reason } });
  if ((h.contentEncoding ?? "").trim().toLowerCase() !== "snappy")
    throw fail(
      "unsupported_encoding",
      `Content-Encoding is ${JSON.stringify(h.contentEncoding ?? "")}, expected "snappy"`,
    );
  const [type = "", ...params] = (h.contentType ?? "").split(";").map((p) => p.trim());
  if (type.toLowerCase() !== "application/x-protobuf")
    throw fail(
      "unsupported_content_type",
      `Content-Type is ${JSON.stringify(h.contentType ?? "")}, expected "application/x-protobuf"`,
    );
  const proto = params.find((p) => p.startsWith("proto="))?.slice(6);
  if (proto !== undefined && proto !== "prometheus.WriteRequest")
    throw fail(
      "unsupported_content_type",
      `proto=${proto} is not supported: send remote write 1.0 (prometheus.WriteRequest)`,
    );
  if (h.version !== undefined && !/^0\.1(\.\d+)?$/.test(h.version.trim()))
    throw fail(
      "unsupported_version",
      `X-Prometheus-Remote-Write-Version ${h.version} is not supported: send 0.1.0`,
    );
}
