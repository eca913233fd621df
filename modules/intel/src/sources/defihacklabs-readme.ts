import { canonicalChain, canonicalChains } from "../chains.ts";
import type { ParseIssue, ParseResult, SourceRecord } from "../types.ts";
import { parseLoss } from "./amounts.ts";
import { compactToIsoDay } from "./dates.ts";
import { explorerChain, txHashesInLinks } from "./explorers.ts";
import { keyAllocator } from "./keys.ts";

const SOURCE = "defihacklabs";
const POC_BASE = "https://github.com/SunWeb3Sec/DeFiHackLabs/blob/main/";

/** `### 20230313 EulerFinance - Business Logic Flaw`, and the slug form `### 20240924-MARA---price-manipulation`. */
const INCIDENT = /^###\s+(\d{8})(?=[\s-])(.*)$/;
/** Sub-headings that belong to an incident; any other heading of level 1–3 ends it. */
const FIELD_HEADING = /^#+\s*(?:total\s+)?(?:lost|link\s+reference|contract)\b/i;
const LOST = /^#+\s*(?:total\s+)?lost\b\s*:?\s*(.*)$/i;

interface Section {
  line: number;
  heading: string;
  body: string[];
}

/** Split the README into incident sections, skipping code fences, the index and trailing chapters. */
function sections(markdown: string): Section[] {
  const out: Section[] = [];
  let current: Section | null = null;
  let fenced = false;
  markdown.split(/\r?\n/).forEach((line, i) => {
    if (INCIDENT.test(line)) {
      // A heading always starts an incident, even after a fence someone forgot to close.
      fenced = false;
      current = { line: i + 1, heading: line, body: [] };
      out.push(current);
      return;
    }
    if (/^\s*```/.test(line)) fenced = !fenced;
    else if (
      !fenced &&
      (/^---+\s*$/.test(line) || (/^#{1,3}\s/.test(line) && !FIELD_HEADING.test(line)))
    ) {
      current = null;
    }
    (current as Section | null)?.body.push(line);
  });
  return out;
}

/** Name and vulnerability type from the heading text after the date. */
function splitHeading(rest: string): { name: string; type: string | null } {
  const r = rest.trim();
  if (/^-[^\s-]/.test(r)) {
    const [name = "", ...type] = r.slice(1).split("---");
    return { name: name.trim(), type: type.join(" ").replace(/-/g, " ").trim() || null };
  }
  const m = /^(.*?)\s*(?<=^|\s)[-–—]\s+(.*)$/.exec(r);
  return m
    ? { name: (m[1] ?? "").trim(), type: (m[2] ?? "").trim() || null }
    : { name: r, type: null };
}

/** The PoC path: the `#### Contract` link target, else the `forge test --contracts` argument. */
function pocPath(body: string): string | null {
  const link = /\]\(([^)\s]*src\/test\/[^)\s]+)\)/.exec(body)?.[1];
  const forge = /--contracts\s+(\S*src\/test\/\S+)/.exec(body)?.[1];
  const path = link ?? forge;
  return path ? path.replace(/^(?:\.{0,2}\/)+/, "") : null;
}

/** Chains from explorer links and fork hints (`vm.createSelectFork("bsc", …)`, `--fork-url …ankr.com/eth`). */
function chainsOf(body: string): string[] {
  const found: (string | null)[] = [];
  for (const m of body.matchAll(/https?:\/\/[^\s)>\]]+/g)) found.push(explorerChain(m[0]));
  for (const m of body.matchAll(/createSelectFork\(\s*["']([\w-]+)["']/g))
    found.push(canonicalChain(m[1]));
  for (const m of body.matchAll(/rpc\.ankr\.com\/([a-z_]+)/g)) found.push(canonicalChain(m[1]));
  return canonicalChains(found);
}

/**
 * Parse a DeFiHackLabs README (`README.md` or `past/<year>/README.md`): one record per
 * `### YYYYMMDD Name - Vulnerability type` section. The linked index at the top is not parsed.
 *
 * Per section: protocol and classification from the heading; loss from the `Lost:` line (see
 * {@link parseLoss}); url is the PoC on GitHub; tx hashes and chains from explorer links and fork
 * hints in the section. sourceKey is `${YYYYMMDD}-${Name}`, with `#2`… for a repeated heading.
 * Issues (a heading with an impossible date or no name) are at `line <n>` of the heading, 1-based.
 */
export function parseDefiHackLabsReadme(markdown: string): ParseResult {
  const records: SourceRecord[] = [];
  const issues: ParseIssue[] = [];
  const key = keyAllocator();
  for (const s of sections(markdown)) {
    const at = `line ${s.line}`;
    const [, compact = "", rest = ""] = INCIDENT.exec(s.heading) ?? [];
    const date = compactToIsoDay(compact);
    const { name, type } = splitHeading(rest);
    if (!date) {
      issues.push({ source: SOURCE, at, message: `heading date ${compact} is not a calendar day` });
      continue;
    }
    if (!name) {
      issues.push({ source: SOURCE, at, message: "heading has no protocol name after the date" });
      continue;
    }
    const body = s.body.join("\n");
    const lost = s.body.map((l) => LOST.exec(l)?.[1]).find((l) => l !== undefined);
    const loss = lost === undefined ? { lossUsd: null, original: null } : parseLoss(lost);
    const poc = pocPath(body);
    records.push({
      source: SOURCE,
      sourceKey: key(`${compact}-${name}`),
      protocol: name,
      date,
      occurredAt: null,
      chains: chainsOf(body),
      classification: type,
      technique: null,
      lossUsd: loss.lossUsd,
      original: loss.original,
      returnedUsd: null,
      txHashes: txHashesInLinks(body),
      url: poc ? `${POC_BASE}${poc}` : null,
    });
  }
  return { records, issues };
}
