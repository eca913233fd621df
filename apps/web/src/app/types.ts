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

/** An exploit incident as the API serves it (`Incident`). */
export interface Incident {
  id: string;
  protocol: string;
  date: string;
  occurredAt: string | null;
  chains: string[];
  classification: string | null;
  technique: string | null;
  lossUsd: number | null;
  txHashes: string[];
  sources: string[];
  references: { source: string; sourceKey: string; url: string | null }[];
}
