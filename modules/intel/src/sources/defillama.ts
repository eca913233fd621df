import { canonicalChains } from "../chains.ts";
import type { ParseIssue, ParseResult, SourceRecord } from "../types.ts";
import { unixSecondsToIsoDay } from "./dates.ts";
import { readJsonArray } from "./json-array.ts";
import { keyAllocator } from "./keys.ts";

const SOURCE = "defillama";

/** One element of `GET /hacks` (legacy) or `GET /api/hacks` (pro), as documented. */
interface Hack {
  date?: unknown;
  name?: unknown;
  classification?: unknown;
  technique?: unknown;
  amount?: unknown;
  chain?: unknown;
  source?: unknown;
  returnedFunds?: unknown;
}

function text(v: unknown): string | null {
  return typeof v === "string" && v.trim() !== "" ? v.trim() : null;
}

/** A USD figure: a non-negative number, or null/absent for unknown; anything else is an error. */
function usd(v: unknown, field: string): number | null | string {
  if (v === null || v === undefined) return null;
  return typeof v === "number" && Number.isFinite(v) && v >= 0
    ? v
    : `${field} ${JSON.stringify(v)} is not a non-negative number or null`;
}

function toRecord(row: unknown): Omit<SourceRecord, "sourceKey"> | string {
  if (typeof row !== "object" || row === null || Array.isArray(row)) return "not an object";
  const h = row as Hack;
  const date = typeof h.date === "number" ? unixSecondsToIsoDay(h.date) : null;
  if (!date) return `date ${JSON.stringify(h.date)} is not a unix time in seconds`;
  const protocol = text(h.name);
  if (!protocol) return "name is missing or empty";
  const lossUsd = usd(h.amount, "amount");
  if (typeof lossUsd === "string") return lossUsd;
  const returnedUsd = usd(h.returnedFunds, "returnedFunds");
  if (typeof returnedUsd === "string") return returnedUsd;
  const chains = typeof h.chain === "string" ? [h.chain] : h.chain;
  if (
    chains !== undefined &&
    chains !== null &&
    !(Array.isArray(chains) && chains.every((c) => typeof c === "string"))
  ) {
    return `chain ${JSON.stringify(h.chain)} is not an array of names`;
  }
  return {
    source: SOURCE,
    protocol,
    date,
    occurredAt: null,
    chains: canonicalChains(chains ?? []),
    classification: text(h.classification),
    technique: text(h.technique),
    lossUsd,
    original: null,
    returnedUsd,
    txHashes: [],
    url: text(h.source),
  };
}

/**
 * Parse the DeFiLlama hacks API body: an array of
 * `{date (unix s), name, classification, technique, amount (USD|null), chain[], source?, returnedFunds?, …}`.
 *
 * sourceKey is `${YYYY-MM-DD}-${name}` (UTC day of `date`), with `#2`… for a repeat; url is
 * `source` when non-empty (the live server sends ""). `returnedFunds` may exceed `amount` (Euler).
 * Issues are `record <i>`, 0-based; text that is not a JSON array gives one issue at `file`.
 */
export function parseDefiLlama(json: string): ParseResult {
  const read = readJsonArray(json, SOURCE, "hacks");
  if ("issue" in read) return { records: [], issues: [read.issue] };
  const rows = read.rows;
  const records: SourceRecord[] = [];
  const issues: ParseIssue[] = [];
  const key = keyAllocator();
  rows.forEach((row, i) => {
    const rec = toRecord(row);
    if (typeof rec === "string") issues.push({ source: SOURCE, at: `record ${i}`, message: rec });
    else records.push({ ...rec, sourceKey: key(`${rec.date}-${rec.protocol}`) });
  });
  return { records, issues };
}
