/** A member's role, least to most powerful (the API's `ROLES`). */
export const ROLES = ["viewer", "member", "admin", "owner"] as const;
export type Role = (typeof ROLES)[number];

/** What a key may do; a key's own scopes narrow its role's (the API's `SCOPES`). */
export const SCOPES = [
  "read",
  "alerts:write",
  "ingest:write",
  "keys:read",
  "keys:write",
  "members:write",
  "audit:read",
  "billing:write",
  "shield:check",
  "shield:write",
] as const;
export type Scope = (typeof SCOPES)[number];

/** The caller as `GET /tenants/me` describes it: `actor` is the calling key's id (or `local`). */
export interface Me {
  tenant: { id: string; name: string };
  actor: string;
  role: Role;
  scopes: Scope[];
}

/** An API key as the API serves it (`ApiKey`); the key itself is never served again. */
export interface ApiKey {
  id: string;
  name: string;
  prefix: string;
  role: Role;
  scopes: Scope[];
  createdBy: string;
  createdAt: string;
  expiresAt: string | null;
  revokedAt: string | null;
  lastUsedAt: string | null;
  replacedBy: string | null;
}

/** A key just made (`NewApiKey`): the one answer that carries the key. */
export interface NewApiKey extends ApiKey {
  key: string;
}

/** A member of the tenant (`Member`). */
export interface Member {
  userId: string;
  email: string;
  name: string | null;
  role: Role;
  createdAt: string;
}

/** One change made through the API (`AuditEntry`). */
export interface AuditEntry {
  id: string;
  at: string;
  actor: string;
  action: string;
  target: string;
  requestId: string | null;
  beforeHash: string | null;
  afterHash: string | null;
}

/** A tenant's subscription to one product. */
export interface Subscription {
  product: string;
  plan: string;
  status: "trialing" | "active" | "past_due" | "suspended" | "canceled";
  trialEndsAt: string | null;
  currentPeriodStart: string;
  currentPeriodEnd: string;
  cancelAtPeriodEnd: boolean;
}

/** `GET /billing/subscription`: the subscriptions, and whether billing through Stripe is on. */
export interface Billing {
  subscriptions: Subscription[];
  stripe: boolean;
}

/**
 * A time as the account pages show it: `2026-05-01 14:03 UTC` (with `seconds`,
 * `2026-05-01 14:03:09 UTC`), or a dash for none.
 */
export function when(iso: string | null, seconds = false): string {
  return iso === null ? "–" : `${iso.slice(0, seconds ? 19 : 16).replace("T", " ")} UTC`;
}
