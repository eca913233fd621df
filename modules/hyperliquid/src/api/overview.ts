import type { ApiDeps, MetaSection, StatsSection } from "@kamiyo/api";
import { z } from "zod";
import {
  latestMarketSamples,
  latestVaultPortfolios,
  liquidationTotals,
  newestMarketSampleAt,
} from "../store/index.ts";

const round = (n: number) => Math.round(n * 100) / 100;

/** Perps with a market sample in the last 10 minutes. */
const RECENT_MS = 10 * 60_000;

/** `GET /stats` `liquidations`: count and notional by method over the platform's `days`. */
const liquidations: StatsSection = {
  key: "liquidations",
  query: {},
  schema: z.object({
    count: z.number(),
    notionalUsd: z.number(),
    byMethod: z.record(z.string(), z.object({ count: z.number(), notionalUsd: z.number() })),
  }),
  async load(deps, query) {
    const since = deps.clock.now() - (query.days as number) * 86_400_000;
    const liqs = await liquidationTotals(deps.db, deps.tenantId, since);
    const byMethod: Record<string, { count: number; notionalUsd: number }> = {};
    for (const l of liqs) {
      const m = byMethod[l.method] ?? { count: 0, notionalUsd: 0 };
      m.count += l.count;
      m.notionalUsd = round(m.notionalUsd + l.notionalUsd);
      byMethod[l.method] = m;
    }
    return {
      count: liqs.reduce((a, l) => a + l.count, 0),
      notionalUsd: round(liqs.reduce((a, l) => a + l.notionalUsd, 0)),
      byMethod,
    };
  },
};

/** `GET /stats` `monitoredAssets`: how many perps the monitor sampled in the last 10 minutes. */
const monitoredAssets: StatsSection = {
  key: "monitoredAssets",
  query: {},
  schema: z.number(),
  load: async (deps) =>
    (await latestMarketSamples(deps.db, deps.tenantId, deps.clock.now() - RECENT_MS)).length,
};

/** `GET /stats` sections of the Hyperliquid monitor. */
export const hyperliquidStats: readonly StatsSection[] = [liquidations, monitoredAssets];

/** What the monitor watches, in `GET /meta`: the perps sampled recently and the HLP family. */
export const hyperliquidMeta: MetaSection = {
  schema: {
    monitoredAssets: z.array(z.string()),
    hlpFamily: z.array(
      z.object({
        vault: z.string(),
        name: z.string(),
        role: z.enum(["parent", "child", "liquidator"]),
      }),
    ),
  },
  async load(deps) {
    const [assets, family] = await Promise.all([
      latestMarketSamples(deps.db, deps.tenantId, deps.clock.now() - RECENT_MS),
      latestVaultPortfolios(deps.db, deps.tenantId),
    ]);
    return {
      monitoredAssets: assets.map((a) => a.coin),
      hlpFamily: family.map((v) => ({ vault: v.vault, name: v.name, role: v.role })),
    };
  },
};

/** The newest market sample's time: how far behind the monitor's stored data are (`/ready`). */
export function newestMarketData(deps: ApiDeps): Promise<number | null> {
  return newestMarketSampleAt(deps.db, deps.tenantId);
}
