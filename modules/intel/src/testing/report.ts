import type { SourceRecord } from "../types.ts";

/** A source report for tests: the fields given, the rest empty (key `${date}-${protocol}`). */
export function report(
  over: Partial<SourceRecord> & Pick<SourceRecord, "source" | "protocol" | "date">,
): SourceRecord {
  return {
    sourceKey: `${over.date}-${over.protocol}`,
    occurredAt: null,
    chains: [],
    classification: null,
    technique: null,
    lossUsd: null,
    original: null,
    returnedUsd: null,
    txHashes: [],
    url: null,
    ...over,
  };
}
