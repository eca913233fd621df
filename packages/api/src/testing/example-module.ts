import { countFindings } from "@kamiyo/db";
import { z } from "zod";
import type { ApiModule } from "../api-module.ts";
import { errorResponses, intParam } from "../schemas/common.ts";

/**
 * The minimal product module of docs/adding-a-product-line.md, built and served by
 * `api-module.db.test.ts`: a read route with a cached answer, a mutation with its scope and
 * audit action, and a `/stats` section with a query parameter of its own.
 */
export const exampleModule: ApiModule = {
  id: "example",
  tags: [{ name: "example", description: "The minimal product module of the guide" }],
  routes(app, ctx) {
    let generation = 0;
    const cache = ctx.responseCache("example", () => generation);

    app.get(
      "/example/detectors",
      {
        schema: {
          tags: ["example"],
          summary: "Findings per detector over the last days",
          querystring: z.object({ days: intParam(1, 90).default(7) }),
          response: {
            200: z.object({ data: z.record(z.string(), z.number().int()) }),
            ...errorResponses,
          },
        },
        onSend: cache.capture,
      },
      async (req, reply) => {
        if (cache.serve(req, reply, `detectors:${req.query.days}`)) return reply;
        const since = ctx.deps.clock.now() - req.query.days * 86_400_000;
        const data: Record<string, number> = {};
        for (const c of await countFindings(ctx.deps.db, ctx.deps.tenantId, since))
          data[c.detector] = (data[c.detector] ?? 0) + c.count;
        return { data };
      },
    );

    app.post(
      "/example/refresh",
      {
        config: { scope: "alerts:write", audit: { action: "example.refresh" } },
        schema: {
          tags: ["example"],
          summary: "Drop the cached answers",
          response: {
            200: z.object({ id: z.string(), generation: z.number() }),
            ...errorResponses,
          },
        },
      },
      async () => ({ id: "example", generation: ++generation }),
    );
  },
  stats: {
    key: "example",
    query: { example_days: intParam(1, 90).optional() },
    schema: z.object({ days: z.number(), findings: z.number() }),
    async load(deps, query) {
      const days = (query.example_days as number | undefined) ?? 7;
      const counts = await countFindings(
        deps.db,
        deps.tenantId,
        deps.clock.now() - days * 86_400_000,
      );
      return { days, findings: counts.reduce((a, c) => a + c.count, 0) };
    },
  },
};
