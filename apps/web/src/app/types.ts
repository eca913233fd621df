/** A finding as the API serves it (`Finding` in the OpenAPI document). */
export interface Finding {
  id: string;
  detector: string;
  kind: string;
  severity: "info" | "low" | "medium" | "high" | "critical";
  status: "open" | "resolved";
  subject: { type: string; id: string };
  key: string;
  title: string;
  evidence: Record<string, unknown>;
  firstDataAt: string;
  dataAt: string;
  detectedAt: string;
  updatedAt: string;
  resolvedAt: string | null;
  occurrences: number;
}

export const SEVERITIES = ["critical", "high", "medium", "low", "info"] as const;
