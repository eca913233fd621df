import { canonicalChains } from "../chains.ts";
import type { OriginalAmount, ParseResult, SourceRecord } from "../types.ts";
import { parseDecimalString } from "./amounts.ts";
import { isIsoDay } from "./dates.ts";
import { normalizeTxHash } from "./explorers.ts";

const SOURCE = "defi-hack-chronicle";
const UNCERTAIN = "[uncertain]";

/** Category names from the schema's `_metadata.categories`; an unlisted id is shown as written. */
const CATEGORIES: Record<string, string> = {
  reentrancy: "Reentrancy",
  business_logic: "Business Logic",
  flashloan: "Flashloan",
  access_control: "Access Control",
  price_manipulation: "Price Manipulation",
  rug_pull: "Rug Pull / Exit scam",
  governance_attack: "Governance / DAO attack",
  bridge: "Cross-chain Bridge",
  offchain_backend_vulnerability: "Off-chain Backend Vulnerability",
  forged_message: "Forged Message",
  social_engineering: "Social Engineering",
  signature_abuse: "Signature Abuse Attack",
  mev_front_running: "MEV / Front-Running",
  key_compromise: "Private key Compromise",
};

interface Breakdown {
  asset?: unknown;
  amount?: unknown;
}

interface Chronicle {
  id?: unknown;
  date?: unknown;
  attackTime?: { startTime?: unknown };
  protocol?: unknown;
  blockchain?: unknown;
  category?: unknown;
  estimatedLoss?: { totalUSD?: unknown; breakdown?: unknown };
  transactions?: unknown;
  references?: unknown;
}

function strings(v: unknown): string[] {
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === "string") : [];
}

/** The loss in its one asset when the breakdown has exactly one, with a known amount. */
function singleAsset(breakdown: unknown): OriginalAmount | null {
  if (!Array.isArray(breakdown) || breakdown.length !== 1) return null;
  const b = breakdown[0] as Breakdown;
  const amount = typeof b.amount === "string" ? parseDecimalString(b.amount) : null;
  return typeof b.asset === "string" && amount !== null ? { amount, unit: b.asset } : null;
}

const DAY_MS = 86_400_000;

/**
 * `attackTime.startTime` as ISO 8601 in UTC, or null when absent, not a date-time with a time
 * zone, or more than a day from the record's date (the attack time is optional: a bad one is
 * dropped, the record kept).
 */
function attackStart(r: Chronicle, date: string): string | null {
  const t = r.attackTime?.startTime;
  if (
    typeof t !== "string" ||
    !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(t)
  )
    return null;
  const ms = Date.parse(t);
  const day = Date.parse(`${date}T00:00:00Z`);
  return Number.isFinite(ms) && ms >= day - DAY_MS && ms < day + 2 * DAY_MS
    ? new Date(ms).toISOString()
    : null;
}

function toRecord(r: Chronicle, file: string): SourceRecord | string {
  const protocol = typeof r.protocol === "string" ? r.protocol.trim() : "";
  if (!protocol) return "protocol is missing or empty";
  if (typeof r.date !== "string" || !isIsoDay(r.date))
    return `date ${JSON.stringify(r.date)} is not a YYYY-MM-DD calendar day`;
  const total = r.estimatedLoss?.totalUSD;
  const lossUsd =
    typeof total === "string" && total !== UNCERTAIN ? parseDecimalString(total) : null;
  if (total !== UNCERTAIN && lossUsd === null) {
    return `estimatedLoss.totalUSD ${JSON.stringify(total)} is not a decimal string or "${UNCERTAIN}"`;
  }
  const txHashes: string[] = [];
  for (const t of Array.isArray(r.transactions) ? r.transactions : []) {
    const h = typeof t?.txHash === "string" ? normalizeTxHash(t.txHash) : null;
    if (h && !txHashes.includes(h)) txHashes.push(h);
  }
  const classification = strings(r.category)
    .map((c) => CATEGORIES[c] ?? c)
    .join(" / ");
  return {
    source: SOURCE,
    sourceKey: typeof r.id === "string" && r.id.trim() ? r.id.trim() : file.replace(/\.json$/, ""),
    protocol,
    date: r.date,
    occurredAt: attackStart(r, r.date),
    chains: canonicalChains(strings(r.blockchain)),
    classification: classification || null,
    technique: null,
    lossUsd,
    original: singleAsset(r.estimatedLoss?.breakdown),
    returnedUsd: null,
    txHashes,
    url: strings(r.references).find((u) => /^https?:\/\//.test(u)) ?? null,
  };
}

/**
 * Parse one DeFi-Hack-Chronicle record (`public/data/hacks/<file>.json`; schema `schema.json`).
 *
 * sourceKey is the record `id` (`TheDAO-20160617`); classification joins the category names;
 * technique stays null (`attackVector` is a step-by-step narrative, not a label); occurredAt is
 * `attackTime.startTime` (kept only within a day of the date). lossUsd is
 * `estimatedLoss.totalUSD` (a decimal string; `"[uncertain]"` gives null); `original` is the
 * breakdown when it is one asset. url is the first reference. Issues are at `file <file>`.
 */
export function parseChronicle(json: string, file: string): ParseResult {
  const at = `file ${file}`;
  let doc: unknown;
  try {
    doc = JSON.parse(json);
  } catch (err) {
    return {
      records: [],
      issues: [{ source: SOURCE, at, message: `not valid JSON: ${(err as Error).message}` }],
    };
  }
  if (typeof doc !== "object" || doc === null || Array.isArray(doc)) {
    return {
      records: [],
      issues: [{ source: SOURCE, at, message: "expected one hack record (a JSON object)" }],
    };
  }
  const rec = toRecord(doc as Chronicle, file);
  return typeof rec === "string"
    ? { records: [], issues: [{ source: SOURCE, at, message: rec }] }
    : { records: [rec], issues: [] };
}
