import { readFileSync } from "node:fs";
import protobuf from "protobufjs";

/**
 * Prometheus' remote-write protobuf schema (`remote.proto`, `types.proto`, copied unchanged from
 * prometheus/prometheus `prompb/`, Apache-2.0, see this folder's README), parsed with protobufjs.
 * Each file is parsed on its own, so their `gogoproto/gogo.proto` import (Go code-generation
 * options only) is never fetched; the `(gogoproto.…)` field options are kept as inert options.
 */
function loadRoot(): protobuf.Root {
  const root = new protobuf.Root();
  for (const file of ["types.proto", "remote.proto"]) {
    const text = readFileSync(new URL(file, import.meta.url), "utf8");
    protobuf.parse(text, root, { keepCase: true });
  }
  root.resolveAll();
  return root;
}

const root = loadRoot();

/** `prometheus.WriteRequest`: the body of a remote-write 1.0 request, before Snappy. */
export const WriteRequestType: protobuf.Type = root.lookupType("prometheus.WriteRequest");

/** The decoded shape of a `WriteRequest` (protobufjs message, `keepCase` field names). */
export interface WriteRequestMessage {
  readonly timeseries?: readonly TimeSeriesMessage[];
  readonly metadata?: readonly unknown[];
}

export interface TimeSeriesMessage {
  readonly labels?: readonly { readonly name?: string; readonly value?: string }[];
  readonly samples?: readonly { readonly value?: number; readonly timestamp?: LongLike }[];
  readonly exemplars?: readonly unknown[];
  readonly histograms?: readonly unknown[];
}

/** An int64 as protobufjs gives it: a `Long` (the `long` package is installed) or a number. */
export type LongLike = number | { toNumber(): number };

/** An int64 field as a number (ms timestamps fit in 2^53). */
export function longToNumber(x: LongLike | undefined): number {
  if (x === undefined) return 0;
  return typeof x === "number" ? x : x.toNumber();
}
