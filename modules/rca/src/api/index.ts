import type { ApiModule } from "@kamiyo/api";
import { startRcaRuntime } from "../service/rca-runtime.ts";
import { rcaSettings } from "../settings.ts";
import { agentRoutes } from "./agent-routes.ts";
import { ingestRoutes } from "./ingest-routes.ts";
import { rcaRoutes } from "./rca-routes.ts";

/**
 * Kubernetes RCA in the HTTP API: the graph and RCA queries (`/rca/resources`,
 * `/rca/neighbourhood`, `/rca/events`, `/rca/incidents`, `/rca/analyses`) and the agents' ingest
 * (`/rca/ingest/…`, `/rca/agents`), with the ingest bus and the graph builder running beside them
 * (`RcaRuntime`).
 */
export const rcaApi: ApiModule = {
  id: "rca",
  product: "rca",
  tags: [
    {
      name: "rca",
      description:
        "The tenant's Kubernetes knowledge graph (resources, relations, events), root-cause analyses, and the agents' ingest",
    },
  ],
  async routes(app, ctx) {
    const settings = rcaSettings.parse(ctx.settings ?? {});
    const runtime = await startRcaRuntime(settings, {
      db: ctx.deps.db,
      log: ctx.deps.log,
      now: () => ctx.deps.clock.now(),
    });
    ctx.onClose(() => runtime.close());
    rcaRoutes(app, ctx.deps, { quota: ctx.quota, counter: ctx.counter });
    agentRoutes(app, ctx.deps);
    // Its own scope: the ingest routes read raw bodies (JSON, NDJSON, protobuf).
    await app.register(async (scope) =>
      ingestRoutes(scope as typeof app, ctx.deps, {
        runtime,
        quota: ctx.quota,
        counter: ctx.counter,
      }),
    );
  },
};
