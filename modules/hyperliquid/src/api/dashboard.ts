import { type ApiDeps, type FindingJson, toFindingJson } from "@kamiyo/api";
import { planAllows } from "@kamiyo/billing";
import { type Finding, SEVERITIES, type Severity } from "@kamiyo/core";
import { listFindings } from "@kamiyo/db";
import { newestMarketSampleAt } from "../store/index.ts";

export type RiskLevel = "none" | "low" | "medium" | "high" | "critical";

const WEIGHT: Record<Severity, number> = { info: 0, low: 10, medium: 30, high: 60, critical: 90 };
/** One component per detector: the rule-based ones, the ML anomaly model and the correlator. */
const COMPONENTS = ["hlp", "oracle", "liquidations", "manipulation", "ml", "correlation"] as const;

export function levelOf(score: number): RiskLevel {
  if (score >= 85) return "critical";
  if (score >= 60) return "high";
  if (score >= 30) return "medium";
  return score > 0 ? "low" : "none";
}

/** Worst open severity's weight plus 3 a further open finding (at most 10), capped at 100. */
export function componentScore(open: readonly Finding[]): number {
  if (open.length === 0) return 0;
  const worst = Math.max(...open.map((f) => WEIGHT[f.severity]));
  return Math.min(100, worst + Math.min(10, 3 * (open.length - 1)));
}

export interface Component {
  name: string;
  score: number;
  level: RiskLevel;
  openFindings: number;
  bySeverity: Record<Severity, number>;
  top: FindingJson[];
  note: string | null;
}

/**
 * The overall risk: the highest component score, where each detector's component (rule-based,
 * `ml` and `correlation`) scores its open findings and a "data" component scores how stale the
 * market data are.
 */
export async function dashboard(deps: ApiDeps, staleMs: number) {
  const now = deps.clock.now();
  const open = await listFindings(deps.db, deps.tenantId, { status: "open", limit: 5_000 });
  const components: Component[] = COMPONENTS.map((name) => {
    const mine = open.filter((f) => f.detector === name);
    const score = componentScore(mine);
    const bySeverity = Object.fromEntries(
      SEVERITIES.map((s) => [s, mine.filter((f) => f.severity === s).length]),
    ) as Record<Severity, number>;
    const top = [...mine]
      .sort((a, b) => WEIGHT[b.severity] - WEIGHT[a.severity] || b.detectedAt - a.detectedAt)
      .slice(0, 5);
    return {
      name,
      score,
      level: levelOf(score),
      openFindings: mine.length,
      bySeverity,
      top: top.map(toFindingJson),
      note:
        name === "correlation" && !planAllows(deps.plan, "crossProtocolCorrelation")
          ? `cross-protocol correlation is not in the ${deps.plan} edition`
          : null,
    };
  });
  const newest = await newestMarketSampleAt(deps.db, deps.tenantId);
  const lagMs = newest === null ? null : now - newest;
  const dataScore = lagMs === null ? 30 : lagMs > staleMs ? 60 : 0;
  components.push({
    name: "data",
    score: dataScore,
    level: levelOf(dataScore),
    openFindings: 0,
    bySeverity: Object.fromEntries(SEVERITIES.map((s) => [s, 0])) as Record<Severity, number>,
    top: [],
    note:
      lagMs === null
        ? "no market data stored yet"
        : `newest market data ${Math.round(lagMs / 1000)} s old`,
  });
  const score = Math.max(...components.map((c) => c.score));
  return {
    score,
    level: levelOf(score),
    openFindings: open.length,
    components,
    generatedAt: new Date(now).toISOString(),
    method:
      "Each detector's component (the rule-based detectors, the ML anomaly model `ml`, the cross-protocol correlator `correlation`): the worst open finding (info 0, low 10, medium 30, high 60, critical 90) plus 3 per further open finding, at most +10. Data: 60 when market data are stale, 30 when there are none. Overall: the highest component. Levels: critical ≥ 85, high ≥ 60, medium ≥ 30, low > 0.",
  };
}
