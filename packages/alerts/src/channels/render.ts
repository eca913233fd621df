import { type Evidence, type Finding, SEVERITIES, type Severity, type Subject } from "@kamiyo/core";
import type { Alert, AlertSummary, ExploitIncident } from "../types.ts";

/**
 * The channel-neutral text of an alert that the chat and email channels lay out in their own
 * formats. Everything here is plain, unescaped text: each channel escapes it for its markup.
 */

/** One label and value, e.g. ["Subject", "asset JELLY"]. */
export type Fact = readonly [name: string, value: string];

/** A mark per severity for chat messages; resolved findings get a check mark. */
export const SEVERITY_EMOJI: Record<Severity, string> = {
  critical: "🔴",
  high: "🟠",
  medium: "🟡",
  low: "🔵",
  info: "⚪",
};
export const RESOLVED_EMOJI = "✅";

/** The longest prefix of `s` within `max` UTF-16 code units that does not split a surrogate pair. */
export function prefix(s: string, max: number): string {
  if (s.length <= max) return s;
  if (max <= 0) return "";
  const code = s.charCodeAt(max - 1);
  return s.slice(0, code >= 0xd800 && code <= 0xdbff ? max - 1 : max);
}

/**
 * `s` within `max` UTF-16 code units (no service counts more), ending in "…" when cut. With
 * `entities`, `s` is escaped HTML or Slack text and an entity such as `&amp;` is never split.
 */
export function truncate(s: string, max: number, entities = false): string {
  if (s.length <= max) return s;
  if (max <= 0) return "";
  let cut = prefix(s, max - 1);
  if (entities) {
    const amp = cut.lastIndexOf("&");
    if (amp > cut.lastIndexOf(";")) cut = cut.slice(0, amp);
  }
  return `${cut}…`;
}

/** One line: control characters and line breaks become spaces. */
export function oneLine(s: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: removing them is the point
  return s.replace(/[\u0000-\u001f\u007f\u2028\u2029]+/g, " ").trim();
}

/** "2025-03-26 14:49:30 UTC". */
export function utc(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 19).replace("T", " ")} UTC`;
}

export function subjectText(s: Subject): string {
  return `${s.type} ${s.id}`;
}

function duration(ms: number): string {
  if (ms < 10_000) return `${Math.round(ms / 100) / 10} s`;
  if (ms < 180_000) return `${Math.round(ms / 1000)} s`;
  if (ms < 7_200_000) return `${Math.round(ms / 6_000) / 10} min`;
  return `${Math.round(ms / 360_000) / 10} h`;
}

function num(n: number): string {
  return Number.isInteger(n)
    ? n.toLocaleString("en-US")
    : n.toLocaleString("en-US", { maximumSignificantDigits: 6 });
}

/** An evidence value as text; `…At` epoch-ms values as UTC times, `…Ms` ones as durations. */
export function evidenceText(key: string, v: Evidence[string]): string {
  if (v === null) return "—";
  if (typeof v === "boolean") return v ? "yes" : "no";
  if (typeof v === "number") {
    if (key.endsWith("At") && v > 1e12 && v < 1e14) return utc(v);
    if (key.endsWith("Ms") && v >= 0) return duration(v);
    return num(v);
  }
  if (typeof v === "string") return v;
  return v.map((x) => (typeof x === "number" ? num(x) : x)).join(", ");
}

/** A USD amount in three significant digits: "$197M", "$12.5M", "$850K", "$1.2B", "$950". */
export function usdShort(n: number): string {
  const sign = n < 0 ? "-" : "";
  const abs = Math.abs(n);
  for (const [unit, size] of [
    ["", 1],
    ["K", 1e3],
    ["M", 1e6],
    ["B", 1e9],
  ] as const) {
    const v = Number((abs / size).toPrecision(3));
    if (v < 1000 || unit === "B") return `${sign}$${num(v)}${unit}`;
  }
  return `${sign}$${num(abs)}`;
}

/**
 * An incident's loss: "$197M", with the source's own amount when it gave one ("$6.1M (2,000
 * ETH)"), the own amount alone when no USD figure exists, null when nothing is known.
 */
export function lossText(i: Pick<ExploitIncident, "lossUsd" | "original">): string | null {
  const original = i.original ? `${num(i.original.amount)} ${i.original.unit}` : null;
  if (i.lossUsd === null) return original === null ? null : `${original} (no USD value)`;
  return original === null ? usdShort(i.lossUsd) : `${usdShort(i.lossUsd)} (${original})`;
}

/** A long transaction hash as its ends, "0x1b2c3d4e…f6a7b8c9": text, linked to no explorer. */
export function shortHash(h: string): string {
  return h.length <= 20 ? h : `${h.slice(0, 10)}…${h.slice(-8)}`;
}

const isExploit = (alert: Alert) =>
  alert.type === "exploit.created" || alert.type === "exploit.updated";

/** The distinct sources reporting an incident, in order of first reference. */
function sourcesOf(i: ExploitIncident): string[] {
  return [...new Set(i.references.map((r) => r.source))];
}

function incidentFacts(i: ExploitIncident): Fact[] {
  const sources = sourcesOf(i);
  const [tx] = i.txHashes;
  const out: Fact[] = [
    [
      "Protocol",
      i.aliases.length > 0 ? `${i.protocol} (also ${i.aliases.join(", ")})` : i.protocol,
    ],
    ["Date", i.date],
    ["Chains", i.chains.length > 0 ? i.chains.join(", ") : "unknown"],
    ["Loss", lossText(i) ?? "unknown"],
  ];
  if (i.returnedUsd !== null) out.push(["Returned", usdShort(i.returnedUsd)]);
  out.push([
    "Classification",
    [i.classification, i.technique].filter((v) => v !== null).join(" / ") || "unknown",
  ]);
  out.push(["Sources", sources.length > 0 ? `${sources.length} (${sources.join(", ")})` : "0"]);
  if (tx !== undefined) {
    const more = i.txHashes.length > 1 ? ` (+${i.txHashes.length - 1} more)` : "";
    out.push(["Transaction", `${shortHash(tx)}${more}`]);
  }
  out.push(["Incident", i.id]);
  return out.map(([n, v]) => [n, oneLine(v)] as const);
}

const SUMMARY_REASON: Record<AlertSummary["reason"], string> = {
  "daily-cap": "the daily alert cap",
  storm: "storm protection (too many alerts at once)",
};

/** Held-back counts, worst severity first: "2 critical, 10 high". */
export function suppressedText(s: AlertSummary): string {
  const parts = [...SEVERITIES]
    .reverse()
    .filter((sev) => (s.suppressed[sev] ?? 0) > 0)
    .map((sev) => `${s.suppressed[sev]} ${sev}`);
  return parts.length > 0 ? parts.join(", ") : "none";
}

function suppressedTotal(s: AlertSummary): number {
  return Object.values(s.suppressed).reduce((a, b) => a + (b ?? 0), 0);
}

/** "Resolved: …", "Escalated to HIGH: …", "CRITICAL: …": the one-line heading of an alert. */
export function headline(alert: Alert): string {
  const sev = alert.severity.toUpperCase();
  const label = {
    "finding.opened": sev,
    "finding.escalated": `Escalated to ${sev}`,
    "finding.resolved": "Resolved",
    "exploit.created": sev,
    "exploit.updated": sev,
    "alerts.summary": "Summary",
    "endpoint.disabled": "Channel disabled",
    "webhook.test": "Test",
  }[alert.type];
  return oneLine(`${label}: ${alert.title}`);
}

/** A sentence saying what happened. */
export function lead(alert: Alert): string {
  const n = alert.findings.length;
  const s = alert.summary;
  const e = alert.endpoint;
  switch (alert.type) {
    case "finding.opened":
      return n > 1
        ? `${n} new findings, the worst ${alert.severity}.`
        : `New ${alert.severity} finding.`;
    case "finding.escalated":
      return n > 1
        ? `${n} findings, escalated to ${alert.severity}.`
        : `Escalated to ${alert.severity}.`;
    case "finding.resolved":
      return n > 1 ? `${n} findings resolved.` : "Resolved: the condition no longer holds.";
    case "exploit.created":
    case "exploit.updated": {
      const i = alert.incident;
      if (!i) return oneLine(alert.title);
      const n = sourcesOf(i).length;
      const by = `reported by ${n} source${n === 1 ? "" : "s"}`;
      return alert.type === "exploit.created"
        ? `New ${alert.severity} exploit incident, ${by}.`
        : `Exploit incident updated (loss, chains, classification, transactions or sources changed), now ${by}.`;
    }
    case "alerts.summary":
      return s
        ? `${suppressedTotal(s)} alerts held back by ${SUMMARY_REASON[s.reason]} between ${utc(s.from)} and ${utc(s.to)}: ${suppressedText(s)}.`
        : oneLine(alert.title);
    case "endpoint.disabled":
      return e
        ? oneLine(
            `Channel "${e.name}" (${safeUrl(e.url)}) was disabled: ${e.reason}. Nothing is sent to it until it is re-enabled.`,
          )
        : oneLine(alert.title);
    case "webhook.test":
      return "A test notification from Kamiyo: this channel works.";
  }
}

/**
 * A channel's URL without its path and query, which often hold its credentials (Slack and
 * Discord webhook tokens): "https://hooks.slack.com/…".
 */
export function safeUrl(url: string): string {
  const u = URL.parse(url);
  if (!u) return "(invalid URL)";
  return u.pathname === "/" && u.search === "" ? u.origin : `${u.origin}/…`;
}

/** A compact line for a finding of a grouped alert. */
export function findingLine(f: Finding): string {
  const status = f.status === "resolved" ? " (resolved)" : "";
  return oneLine(`${f.severity.toUpperCase()} · ${f.title}${status}`);
}

function range(findings: readonly Finding[]): [number, number] {
  return [
    Math.min(...findings.map((f) => f.firstDataAt)),
    Math.max(...findings.map((f) => f.dataAt)),
  ];
}

/**
 * The facts of an alert: `base` (what it is about) and `evidence` (a single finding's values,
 * in the detector's order), for channels to show as many of as fit.
 */
export function facts(alert: Alert): { base: Fact[]; evidence: Fact[] } {
  const [first] = alert.findings;
  if (first && alert.findings.length === 1) {
    const occurrences = first.occurrences > 1 ? ` (${first.occurrences} occurrences)` : "";
    return {
      base: [
        ["Subject", subjectText(first.subject)],
        ["Detector", `${first.detector} / ${first.kind}`],
        ["Severity", first.severity],
        ["Status", `${first.status}${occurrences}`],
        ["First data", utc(first.firstDataAt)],
        ["Last data", utc(first.dataAt)],
      ],
      evidence: Object.entries(first.evidence).map(([k, v]) => [k, evidenceText(k, v)] as const),
    };
  }
  if (alert.findings.length > 1) {
    const [from, to] = range(alert.findings);
    return {
      base: [
        ["Severity", alert.severity],
        ["Findings", String(alert.findings.length)],
        ["First data", utc(from)],
        ["Last data", utc(to)],
      ],
      evidence: [],
    };
  }
  if (isExploit(alert) && alert.incident) {
    return { base: incidentFacts(alert.incident), evidence: [] };
  }
  const s = alert.summary;
  if (alert.type === "alerts.summary" && s) {
    return {
      base: [
        ["Reason", SUMMARY_REASON[s.reason]],
        ["Held back", `${suppressedTotal(s)} (${suppressedText(s)})`],
        ["From", utc(s.from)],
        ["To", utc(s.to)],
      ],
      evidence: [],
    };
  }
  const e = alert.endpoint;
  if (alert.type === "endpoint.disabled" && e) {
    return {
      base: [
        ["Channel", e.name],
        ["URL", safeUrl(e.url)],
        ["Reason", e.reason],
      ],
      evidence: [],
    };
  }
  return { base: [], evidence: [] };
}

/** "Kamiyo · alr_…": the signature line. */
export function footer(alert: Alert): string {
  return `Kamiyo · ${alert.id}`;
}
