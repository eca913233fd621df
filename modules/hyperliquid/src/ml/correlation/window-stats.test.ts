import { seededRandom } from "@kamiyo/core";
import { describe, expect, it } from "vitest";
import { event, exploit, T0 } from "./test-helpers.ts";
import { GroupWindow, WindowStats } from "./window-stats.ts";

const W = 60_000;

function figures(s: WindowStats) {
  return {
    events: s.events,
    countSum: s.countSum,
    usd: Math.round(s.usdSum),
    protocols: s.protocols.distinct,
    chains: s.chains.distinct,
    comparisons: s.comparisons.distinct,
    bridges: s.bridges,
  };
}

/** The same figures computed from scratch over the window ending at the newest event. */
function recomputed(g: GroupWindow) {
  const newest = g.index.at(g.index.size - 1);
  const s = new WindowStats();
  if (newest) for (const e of g.index.range(newest.time - W, newest.time)) s.add(e);
  return figures(s);
}

describe("GroupWindow", () => {
  it("keeps the running figures equal to a recomputation through appends, late events, evictions and drops", () => {
    const rnd = seededRandom(7);
    const g = new GroupWindow(W);
    let t = T0;
    for (let i = 0; i < 2_000; i++) {
      const r = rnd();
      if (r < 0.8) {
        t += Math.floor(rnd() * 3_000);
        const late = rnd() < 0.1 ? Math.floor(rnd() * 20_000) : 0;
        g.insert(
          event({
            id: `e${i}`,
            time: t - late,
            usd: Math.floor(rnd() * 1e6),
            count: 1 + Math.floor(rnd() * 3),
            protocol: ["hyperliquid", "gmx", "dydx"][i % 3] as string,
            category: i % 7 === 0 ? "oracle_deviation" : "liquidation",
            counterVenues: i % 7 === 0 ? ["binance"] : [],
          }),
        );
      } else if (r < 0.9) {
        const oldest = g.index.at(0);
        if (oldest) g.evict(oldest);
      } else {
        g.dropBefore(t - 2 * W);
      }
      expect(figures(g.latest())).toEqual(recomputed(g));
    }
  });

  it("counts bridge exploits and distinct chains", () => {
    const g = new GroupWindow(W);
    g.insert(exploit(T0, "nomad-bridge", ["Ethereum"], ["bridge"]));
    g.insert(exploit(T0 + 1, "moonwell", ["Moonbeam", "Ethereum"], []));
    expect(figures(g.latest())).toMatchObject({ bridges: 1, chains: 2, protocols: 2, events: 2 });
    g.insert(exploit(T0 + W + 2, "later", ["BSC"], []));
    expect(figures(g.latest())).toMatchObject({ bridges: 0, chains: 1, events: 1 });
  });
});
