import { canonicalChains } from "../chains.ts";
import type { ParseIssue, ParseResult, SourceRecord } from "../types.ts";
import { unitKind } from "./amounts.ts";
import { compactToIsoDay } from "./dates.ts";
import { readJsonArray } from "./json-array.ts";
import { keyAllocator } from "./keys.ts";

const SOURCE = "defihacklabs-explorer";
const POC_BASE = "https://github.com/SunWeb3Sec/DeFiHackLabs/blob/main/";

/**
 * Chain values this file writes wrongly, read from its own rows: "5" (Goerli's id) is on Cetus,
 * Typus Finance and Aftermath Finance, all Sui protocols; "920637907288165" (Kakarot Sepolia's id)
 * is on zkLend, a Starknet protocol. Only for this source: elsewhere 5 is Goerli.
 */
const CHAIN_QUIRKS: Record<string, string> = { "5": "Sui", "920637907288165": "Starknet" };

interface Row {
  date?: unknown;
  name?: unknown;
  type?: unknown;
  Lost?: unknown;
  lossType?: unknown;
  Contract?: unknown;
  chain?: unknown;
}

function text(v: unknown): string | null {
  return typeof v === "string" && v.trim() !== "" ? v.trim() : null;
}

/** One row as a record, or the reason it cannot be one. */
function toRecord(row: unknown): Omit<SourceRecord, "sourceKey"> | string {
  if (typeof row !== "object" || row === null || Array.isArray(row)) return "not an object";
  const r = row as Row;
  const date = typeof r.date === "string" ? compactToIsoDay(r.date) : null;
  if (!date) return `date ${JSON.stringify(r.date)} is not a YYYYMMDD calendar day`;
  const protocol = text(r.name);
  if (!protocol) return "name is missing or empty";
  const lost = r.Lost;
  if (
    lost !== null &&
    lost !== undefined &&
    (typeof lost !== "number" || !Number.isFinite(lost) || lost < 0)
  ) {
    return `Lost ${JSON.stringify(lost)} is not a non-negative number`;
  }
  const unit = text(r.lossType);
  const amount = typeof lost === "number" ? lost : null;
  if (amount !== null && !unit) return "lossType is missing for a Lost amount";
  const kind = unit ? unitKind(unit) : "token";
  const contract = text(r.Contract)?.replace(/^[./]+/, "");
  const chain = typeof r.chain === "string" ? (CHAIN_QUIRKS[r.chain.trim()] ?? r.chain) : null;
  return {
    source: SOURCE,
    protocol,
    date,
    occurredAt: null,
    chains: canonicalChains([chain]),
    classification: text(r.type),
    technique: null,
    lossUsd: amount !== null && kind !== "token" ? amount : null,
    original: amount !== null && unit && kind !== "usd" ? { amount, unit } : null,
    returnedUsd: null,
    txHashes: [],
    url: contract ? `${POC_BASE}${contract}` : null,
  };
}

/**
 * Parse DeFiHackLabs Incident Explorer `incidents.json`: an array of
 * `{date "YYYYMMDD", name, type, Lost, lossType, Contract, chain}`.
 *
 * `Lost` is in `lossType` units: USD or a USD stablecoin gives `lossUsd` (a stablecoin also keeps
 * `original`); any other unit gives `original` only. `Lost: null` is an unknown loss, kept.
 * sourceKey is `${date}-${name}`; a second row under one key gets `#2` (see keyAllocator), and a
 * row identical to an earlier one is an issue, not a record. Issues are `record <i>` with the
 * 0-based array index. Never throws: text that is not a JSON array gives one issue at `file`.
 */
export function parseExplorer(json: string): ParseResult {
  const issues: ParseIssue[] = [];
  const read = readJsonArray(json, SOURCE, "incidents");
  if ("issue" in read) return { records: [], issues: [read.issue] };
  const rows = read.rows;
  const records: SourceRecord[] = [];
  const key = keyAllocator();
  const firstIndex = new Map<string, number>();
  rows.forEach((row, i) => {
    const at = `record ${i}`;
    const same = firstIndex.get(JSON.stringify(row));
    if (same !== undefined) {
      issues.push({ source: SOURCE, at, message: `identical to record ${same}: a duplicated row` });
      return;
    }
    firstIndex.set(JSON.stringify(row), i);
    const rec = toRecord(row);
    if (typeof rec === "string") {
      issues.push({ source: SOURCE, at, message: rec });
      return;
    }
    records.push({ ...rec, sourceKey: key(`${(row as Row).date}-${rec.protocol}`) });
  });
  return { records, issues };
}
