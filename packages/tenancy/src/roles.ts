/** A member's role in a tenant, least to most powerful. */
export const ROLES = ["viewer", "member", "admin", "owner"] as const;
export type Role = (typeof ROLES)[number];

/**
 * What a key may do. A route names the one scope it needs; a role grants a set of scopes, and a
 * key's own `scopes` (when not empty) narrow that set further.
 */
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

/** The least role that holds each scope. */
const LEAST_ROLE: Record<Scope, Role> = {
  read: "viewer",
  "alerts:write": "member",
  /** Sending telemetry (the RCA agents' key holds only this). */
  "ingest:write": "member",
  "keys:read": "admin",
  "keys:write": "admin",
  "members:write": "admin",
  "audit:read": "admin",
  /** Changing what the tenant pays. */
  "billing:write": "owner",
  /** Checking bids against Shield's policy (a bidder's key holds only this). */
  "shield:check": "member",
  /** Shield's policies, budgets and kill switches: what may be spent. */
  "shield:write": "admin",
};

/** Scopes the role grants. */
export function scopesOf(role: Role): Scope[] {
  return SCOPES.filter((s) => rank(role) >= rank(LEAST_ROLE[s]));
}

export function rank(role: Role): number {
  return ROLES.indexOf(role);
}

export function isRole(s: string): s is Role {
  return (ROLES as readonly string[]).includes(s);
}

export function isScope(s: string): s is Scope {
  return (SCOPES as readonly string[]).includes(s);
}
