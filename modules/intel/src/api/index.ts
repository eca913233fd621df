import { type ApiModule, intParam, TableWatch } from "@kamiyo/api";
import { incidentStats } from "../store/queries.ts";
import { exploitStatsSchema, intelRoutes } from "./intel-routes.ts";

export { toIncidentJson } from "./intel-service.ts";

/**
 * Exploit intelligence in the HTTP API: `/exploits`, `/exploits/{id}`, `/sources/rankings`,
 * `/chains`, and the `exploits` section of `/stats`.
 */
export const intelApi: ApiModule = {
  id: "intel",
  product: "intel",
  tags: [
    {
      name: "exploits",
      description:
        "Exploit incidents merged from public sources and the monitor's own losses; how the sources rank",
    },
  ],
  async routes(app, ctx) {
    // Exploit incidents change when an import or sync runs, often in another process: watched.
    const watch = new TableWatch(
      ctx.deps,
      "SELECT count(*)::int AS n, max(updated_at) AS at FROM intel_incidents",
      Math.max(250, Math.min(ctx.config.responseCacheMs, 2_000)),
    );
    if (ctx.config.responseCacheMs > 0) await watch.start();
    ctx.onClose(async () => watch.stop());
    intelRoutes(
      app,
      ctx.deps,
      ctx.responseCache("exploits", () => watch.generation),
    );
  },
  figures: [
    {
      key: "exploitsTracked",
      label: "exploits tracked",
      load: async (deps) =>
        (await deps.db.query<{ n: number }>("SELECT count(*)::int AS n FROM intel_incidents"))[0]
          ?.n ?? 0,
    },
    {
      key: "sources",
      label: "sources",
      load: async (deps) =>
        (
          await deps.db.query<{ n: number }>(
            "SELECT count(DISTINCT source)::int AS n FROM intel_reports",
          )
        )[0]?.n ?? 0,
    },
  ],
  stats: [
    {
      key: "exploits",
      query: {
        exploit_days: intParam(1, 3650)
          .optional()
          .describe(
            "Look-back in days for exploit incidents (1–3650; omitted: all), by incident date",
          ),
      },
      schema: exploitStatsSchema,
      load: (deps, query) =>
        incidentStats(deps.db, query.exploit_days as number | undefined, deps.clock.now()),
    },
  ],
};
