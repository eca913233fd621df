/** Shield's API answers as its pages read them (modules/shield/src/api/). */

export interface KillSwitch {
  killed: boolean;
  killReason: string | null;
  killedAt: string | null;
}

export interface Campaign extends KillSwitch {
  id: string;
  name: string;
  clientId: string;
  budgetMicros: number;
  period: "day" | "week" | "month";
  periodStart: string;
  spentMicros: number;
}

export interface Decision {
  decisionId: string;
  verdict: "allow" | "deny";
  reasons: { code: string; message: string }[];
  policyVersion: number;
  clientId: string;
  campaignId: string;
  bidMicros: number;
  predictedLtvMicros: number | null;
  at: string;
  auditSeq: number;
}

export interface AuditRecord {
  seq: number;
  kind: string;
  at: string;
  body: unknown;
  prevHash: string;
  hash: string;
}

export interface Verification {
  ok: boolean;
  records: number;
  from: number;
  head: { seq: number; hash: string } | null;
  firstBroken: { seq: number; reason: string } | null;
  checkedAt: string;
  durationMs: number;
}

export interface Invoice {
  id: string;
  clientId: string;
  period: { start: string; end: string; label: string };
  currency: string;
  spendMicros: string;
  ltvMicros: string;
  bids: number;
  outcomes: number;
  roasBps: number | null;
  baselineRoasBps: number;
  additionalRevenueCents: string;
  shareBps: number;
  earningsCents: number;
  /** Earlier periods billed again from outcomes recorded after their invoices. */
  corrections: { invoiceId: string; period: { label: string }; amountCents: number }[];
  /** What the client is charged: the earnings and the corrections. */
  amountDueCents: number;
  audit: { firstSeq: number | null; lastSeq: number | null; throughSeq: number; headHash: string };
  createdAt: string;
}

export type Page<T> = { data: T[]; nextCursor: string | null };

/** `GET /shield/platforms`: a platform, and whether and how the tenant is connected to it. */
export interface PlatformConnection {
  platform: "google_ads" | "meta";
  available: boolean;
  connected: boolean;
  source: "tenant" | "install" | null;
  hint: string | null;
  loginCustomerId: string | null;
  identity: string | null;
  verifiedAt: string | null;
  updatedAt: string | null;
}
