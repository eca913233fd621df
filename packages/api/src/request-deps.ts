import { tenantDb } from "@kamiyo/db";
import type { FastifyRequest } from "fastify";
import type { ApiDeps } from "./deps.ts";

/**
 * The API's dependencies as the calling tenant sees them: its tenant id, and a database on which
 * every statement runs as the application role with the tenant set, so row-level security
 * decides what it reads and writes. Services of tenant-owned resources take this, never `deps`.
 */
export function forTenant(deps: ApiDeps, req: FastifyRequest): ApiDeps {
  return {
    ...deps,
    tenantId: req.ctx.tenantId,
    db: tenantDb(deps.requestDb ?? deps.db, req.ctx.tenantId),
  };
}
