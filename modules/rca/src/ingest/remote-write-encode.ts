import snappy from "snappyjs";
import { WriteRequestType } from "./prompb/schema.ts";

/** One series to encode: labels in the given order, samples as given (timestamps in epoch ms). */
export interface SeriesToEncode {
  readonly labels: readonly (readonly [string, string])[];
  readonly samples: readonly (readonly [timestamp: number, value: number])[];
  readonly histograms?: number;
}

/**
 * A remote-write 1.0 body as a sender builds it: a `prometheus.WriteRequest` encoded by protobufjs
 * from the checked-in .proto files, compressed by snappyjs: how the Nezha evaluation sends a day's
 * metrics (`nezha/ingest-day.ts`), and the tests' bodies.
 */
export function encodeRemoteWrite(series: readonly SeriesToEncode[]): Uint8Array {
  return snappy.compress(encodeWriteRequest(series));
}

/** The uncompressed `WriteRequest` protobuf of `series`. */
export function encodeWriteRequest(series: readonly SeriesToEncode[]): Uint8Array {
  const message = WriteRequestType.fromObject({
    timeseries: series.map((s) => ({
      labels: s.labels.map(([name, value]) => ({ name, value })),
      samples: s.samples.map(([timestamp, value]) => ({ timestamp, value })),
      histograms: Array.from({ length: s.histograms ?? 0 }, () => ({ sum: 1, schema: 0 })),
    })),
  });
  return WriteRequestType.encode(message).finish();
}
