import { randomBytes } from "node:crypto";
import { countFindings, type MigrationSource } from "@kamiyo/db";
import { z } from "zod";
import type { ApiModule } from "../api-module.ts";
import { forTenant } from "../request-deps.ts";
import { errorResponses, intParam } from "../schemas/common.ts";

/** The example module's tables: `example_notes`, owned by tenants (`example-migrations/`). */
export const exampleMigrations: MigrationSource = {
  module: "example",
  dir: new URL("./example-migrations/", import.meta.url),
};

const note = z.object({ id: z.string(), body: z.string(), createdAt: z.iso.datetime() });

/**
 * The minimal product module of docs/adding-a-product-line.md, built and served by
 * `api-module.db.test.ts`: a read route with a cached answer, a mutation with its scope and
 * audit action, a tenant-owned resource in a table of its own (`exampleMigrations`), and a
 * `/stats` section with a query parameter of its own.
 */
export const exampleApi: ApiModule = {
  id: "example",
  product: "platform",
  tags: [{ name: "example", description: "The minimal product module of the guide" }],
  routes(app, ctx) {
    let generation = 0;
    const cache = ctx.responseCache("example", () => generation);
    // A gauge read at each scrape: the cache's generation, by module.
    ctx.gauge({
      name: "kamiyo_example_cache_generation",
      help: "Times the example module's cached answers were dropped",
      labelNames: ["module"],
      read: () => [[{ module: "example" }, generation]],
    });

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

    // A tenant-owned resource: its queries run on forTenant's database, under row-level security.
    app.get(
      "/example/notes",
      {
        schema: {
          tags: ["example"],
          summary: "The caller's notes, newest first",
          response: { 200: z.object({ data: z.array(note) }), ...errorResponses },
        },
      },
      async (req) => {
        const rows = await forTenant(ctx.deps, req).db.query<{
          id: string;
          body: string;
          created_at: Date;
        }>("SELECT id, body, created_at FROM example_notes ORDER BY created_at DESC, id DESC");
        return {
          data: rows.map((r) => ({
            id: r.id,
            body: r.body,
            createdAt: r.created_at.toISOString(),
          })),
        };
      },
    );

    app.post(
      "/example/notes",
      {
        config: { scope: "alerts:write", audit: { action: "example.note.create" } },
        schema: {
          tags: ["example"],
          summary: "Add a note",
          body: z.object({ body: z.string().min(1).max(1_000) }),
          response: { 201: note, ...errorResponses },
        },
      },
      async (req, reply) => {
        const t = forTenant(ctx.deps, req);
        const created = {
          id: `note_${randomBytes(8).toString("hex")}`,
          body: req.body.body,
          createdAt: new Date(t.clock.now()).toISOString(),
        };
        await t.db.query(
          "INSERT INTO example_notes (tenant_id, id, body, created_at) VALUES ($1, $2, $3, $4)",
          [t.tenantId, created.id, created.body, created.createdAt],
        );
        return reply.code(201).send(created);
      },
    );
  },
  stats: [
    {
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
  ],
};
