import { type Role, type Scope, scopesOf } from "./roles.ts";

/** Who is calling, for which tenant, allowed what: derived from the request's key, passed to services. */
export interface RequestContext {
  tenantId: string;
  /** Log-safe id of the caller: an API key id (`key_…`), `legacy_key_…` or `local` (no keys in use). */
  actor: string;
  role: Role;
  /** Effective scopes: the role's, narrowed by the key's own. */
  scopes: readonly Scope[];
  /** The platform operator (`/admin/…`). */
  operator: boolean;
}

/** The effective scopes of a key: its role's, or those of its own the role also grants. */
export function effectiveScopes(role: Role, keyScopes: readonly Scope[]): Scope[] {
  const granted = scopesOf(role);
  return keyScopes.length === 0 ? granted : granted.filter((s) => keyScopes.includes(s));
}

/** True when the context may use `scope`. */
export function allows(ctx: RequestContext, scope: Scope): boolean {
  return ctx.scopes.includes(scope);
}
