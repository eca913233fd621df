/** Finding severities, lowest first. */
export const SEVERITIES = ["info", "low", "medium", "high", "critical"] as const;
export type Severity = (typeof SEVERITIES)[number];

/** Position of a severity in {@link SEVERITIES}; higher is worse. */
export function severityRank(s: Severity): number {
  return SEVERITIES.indexOf(s);
}

/** The worse of two severities. */
export function maxSeverity(a: Severity, b: Severity): Severity {
  return severityRank(a) >= severityRank(b) ? a : b;
}

/** True when `s` is at least `floor`. */
export function atLeast(s: Severity, floor: Severity): boolean {
  return severityRank(s) >= severityRank(floor);
}
