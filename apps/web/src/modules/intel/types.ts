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
