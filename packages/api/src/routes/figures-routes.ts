import { z } from "zod";
import type { PublicFigure } from "../api-module.ts";
import type { ZodApp } from "../app-types.ts";
import type { ApiDeps } from "../deps.ts";

/** How long figures are served from memory before they are counted again. */
const FRESH_MS = 5_000;

const figuresSchema = z
  .object({
    figures: z.array(z.object({ key: z.string(), label: z.string(), value: z.number().int() })),
    at: z.string().describe("When they were counted, ISO 8601"),
  })
  .meta({ id: "Figures" });

/** The platform's own public figure: the monitor's findings open now. */
const OPEN_FINDINGS: PublicFigure = {
  key: "openFindings",
  label: "open findings",
  load: async (deps) => {
    const [row] = await deps.db.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM findings WHERE tenant_id = $1 AND status = 'open'",
      [deps.tenantId],
    );
    return row?.n ?? 0;
  },
};

/**
 * `GET /figures`: the install's public figures (open findings, and each module's: exploits
 * tracked, sources…), open like the landing page that shows them; counted at most every 5 s.
 */
export function figuresRoutes(app: ZodApp, deps: ApiDeps): void {
  const all = [OPEN_FINDINGS, ...(deps.modules ?? []).flatMap((m) => m.figures ?? [])];
  let cached: { at: number; body: z.output<typeof figuresSchema> } | null = null;
  app.get(
    "/figures",
    {
      config: { public: true },
      schema: {
        tags: ["system"],
        summary: "Public figures of this install: open findings, exploits tracked, sources",
        response: { 200: figuresSchema },
      },
    },
    async () => {
      const now = deps.clock.now();
      if (cached && now - cached.at < FRESH_MS) return cached.body;
      const values = await Promise.all(all.map((f) => f.load(deps)));
      const body = {
        figures: all.map((f, i) => ({ key: f.key, label: f.label, value: values[i] ?? 0 })),
        at: new Date(now).toISOString(),
      };
      cached = { at: now, body };
      return body;
    },
  );
}
