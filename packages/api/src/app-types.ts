import type { ProductId } from "@kamiyo/billing";
import type { RequestContext, Scope } from "@kamiyo/tenancy";
import type {
  FastifyBaseLogger,
  FastifyInstance,
  RawReplyDefaultExpression,
  RawRequestDefaultExpression,
  RawServerDefault,
} from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";

/** The Fastify instance with zod schemas on every route. */
export type ZodApp = FastifyInstance<
  RawServerDefault,
  RawRequestDefaultExpression,
  RawReplyDefaultExpression,
  FastifyBaseLogger,
  ZodTypeProvider
>;

/** How a mutating route is written to the audit log. */
export interface AuditSpec {
  action: string;
  /** The resource as it was, for the log's before-hash (updates and deletes). */
  before?: (req: import("fastify").FastifyRequest) => Promise<unknown>;
}

declare module "fastify" {
  interface FastifyRequest {
    /**
     * Who the limits count the request against: the verified API key's id (`key_…`), or the
     * signed-in person's (`usr_…`); null for the zero-config caller.
     */
    apiKeyId: string | null;
    /** The session (`ses_…`) the request's cookie signed in with, if that is how it did. */
    sessionId: string | null;
    /** Who is calling, for which tenant, allowed what (set by authentication on every non-public route). */
    ctx: RequestContext;
  }
  interface FastifyContextConfig {
    /** Routes anyone may call when API keys are configured (health, readiness, docs). */
    public?: boolean;
    /** The scope the route needs (default: `read` for GET and HEAD; required for the others). */
    scope?: Scope;
    /** Only the platform operator may call it. */
    operator?: boolean;
    /**
     * Mutations name their audit-log action (`webhook.update`); see audit-hook.ts. `false` for a
     * data feed (telemetry an agent sends): metered, not audited, so the log keeps to decisions.
     */
    audit?: AuditSpec | false;
    /**
     * The product whose plan governs the route (its quota, rate and metering; limits/plan-limits.ts);
     * set for a product's routes as they are registered. Account routes have none.
     */
    product?: ProductId;
  }
}
