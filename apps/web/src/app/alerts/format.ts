import type { AlertFilter, SilenceMatchers } from "./alert-types.ts";

/** `2025-03-12 09:00 UTC` from an ISO time. */
export function utcMinute(iso: string): string {
  return `${iso.replace("T", " ").slice(0, 16)} UTC`;
}

/** The filter in a line: `high or worse; detectors oracle, hlp`, or `all alerts`. */
export function describeFilter(f: AlertFilter): string {
  const parts: string[] = [];
  if (f.minSeverity) parts.push(`${f.minSeverity} or worse`);
  const lists: [string, string[] | undefined][] = [
    ["detectors", f.detectors],
    ["kinds", f.kinds],
    ["subjects", f.subjects],
    ["chains", f.chains],
    ["protocols", f.protocols],
    ["categories", f.categories],
  ];
  for (const [name, items] of lists) if (items?.length) parts.push(`${name} ${items.join(", ")}`);
  if (f.minAmountUsd !== undefined)
    parts.push(`exploits of at least $${f.minAmountUsd.toLocaleString("en-US")}`);
  return parts.length ? parts.join("; ") : "all alerts";
}

/** The matchers in a line: `detector oracle; severity high, critical`. */
export function describeMatchers(m: SilenceMatchers): string {
  const parts: string[] = [];
  if (m.detector) parts.push(`detector ${m.detector}`);
  if (m.kind) parts.push(`kind ${m.kind}`);
  if (m.subject) parts.push(`subject ${m.subject}`);
  if (m.severity?.length) parts.push(`severity ${m.severity.join(", ")}`);
  return parts.join("; ");
}
