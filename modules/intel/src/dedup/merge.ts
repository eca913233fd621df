import type { Incident, SourceId, SourceRecord } from "../types.ts";
import { protocolKey } from "./protocol-key.ts";

/**
 * Which source's value wins when sources disagree, most trusted first: curated databases, then
 * write-ups, then the PoC collection and its explorer, then the SlowMist list, then our own
 * findings (which know only what the monitor saw).
 */
export const SOURCE_PRIORITY: readonly SourceId[] = [
  "defillama",
  "defi-hack-chronicle",
  "rekt",
  "defihacklabs",
  "defihacklabs-explorer",
  "slowmist",
  "kamiyo",
];

const rank = (r: SourceRecord) => SOURCE_PRIORITY.indexOf(r.source);

/**
 * One incident from the reports of it. Field rules:
 * - protocol, classification, technique, original amount: the most trusted source's non-null value;
 *   the other names become aliases;
 * - date: the earliest (sources that date it later are reporting late); attack time: the most
 *   trusted source's that has one;
 * - loss in USD: the median of the sources' USD figures (the lower middle one when even), so one
 *   outlier cannot move it; null when no source gives USD, and then `lossUnconverted` says a
 *   token amount exists that was not converted;
 * - returned funds: the largest figure; chains, transaction hashes and references: the union.
 */
export function mergeRecords(records: readonly SourceRecord[], id?: string): Incident {
  if (records.length === 0) throw new Error("mergeRecords needs at least one record");
  const byTrust = [...records].sort(
    (a, b) => rank(a) - rank(b) || a.sourceKey.localeCompare(b.sourceKey),
  );
  const top = byTrust[0] as SourceRecord;
  const first = <T>(f: (r: SourceRecord) => T | null): T | null => {
    for (const r of byTrust) {
      const v = f(r);
      if (v !== null) return v;
    }
    return null;
  };
  const usd = records
    .map((r) => r.lossUsd)
    .filter((v): v is number => v !== null)
    .sort((a, b) => a - b);
  const lossUsd = usd.length === 0 ? null : (usd[Math.floor((usd.length - 1) / 2)] as number);
  const original = first((r) => r.original);
  const returned = records.map((r) => r.returnedUsd).filter((v): v is number => v !== null);
  const date = records.map((r) => r.date).sort()[0] as string;
  const union = (f: (r: SourceRecord) => readonly string[]) => [...new Set(byTrust.flatMap(f))];
  return {
    id: id ?? incidentId(date, top.protocol),
    protocol: top.protocol,
    aliases: union((r) => [r.protocol]).filter((p) => p !== top.protocol),
    date,
    // Reports stored before attack times were kept have none.
    occurredAt: first((r) => r.occurredAt ?? null),
    chains: union((r) => r.chains),
    classification: first((r) => r.classification),
    technique: first((r) => r.technique),
    lossUsd,
    original,
    lossUnconverted: lossUsd === null && original !== null,
    returnedUsd: returned.length === 0 ? null : Math.max(...returned),
    txHashes: union((r) => r.txHashes),
    references: byTrust.map((r) => ({
      source: r.source,
      sourceKey: r.sourceKey,
      url: r.url,
      firstSeenAt: null,
    })),
  };
}

/** `exp_YYYYMMDD_<protocol key>`, the id an incident gets when first seen. */
export function incidentId(date: string, protocol: string): string {
  return `exp_${date.replaceAll("-", "")}_${protocolKey(protocol) || "unknown"}`;
}
