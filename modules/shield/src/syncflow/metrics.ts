import type { Bidder } from "./bidder.ts";
import type { BreakerState } from "./platform-lane.ts";

/** One sample of a gauge or counter, as Prometheus exposes it. */
export interface MetricSample {
  name: string;
  labels: Readonly<Record<string, string>>;
  value: number;
}

/** The metric names SyncFlow reports under (the seed's Grafana panels read them). */
export const SYNCFLOW_METRICS = {
  circuitBreakerStateCount: "syncflow_circuit_breaker_state_count",
  spendTotal: "syncflow_spend_total",
  budgetSpentMicros: "syncflow_budget_spent_micros",
  budgetLimitMicros: "syncflow_budget_limit_micros",
} as const;

const STATES: readonly BreakerState[] = ["closed", "open", "half_open", "isolated"];

/**
 * The bidder's figures now, under the seed's names: breakers per platform and state (every state
 * present, 0 when none), micros set by accepted bids per platform (what the `bid` audit records
 * sum), and each object's last known budget and spend in micros. Read at scrape time; a
 * registry (the API's `/metrics`) exposes them once the bidder is composed into a process.
 */
export function syncflowMetrics(bidder: Bidder): MetricSample[] {
  const out: MetricSample[] = [];
  const lanes = bidder.lanes();
  for (const platform of new Set(lanes.map((l) => l.platform)))
    for (const state of STATES)
      out.push({
        name: SYNCFLOW_METRICS.circuitBreakerStateCount,
        labels: { platform, state },
        value: lanes.filter((l) => l.platform === platform && l.state === state).length,
      });
  for (const [platform, micros] of Object.entries(bidder.spendTotals()))
    out.push({
      name: SYNCFLOW_METRICS.spendTotal,
      labels: { platform, unit: "micros" },
      value: micros,
    });
  for (const b of bidder.budgets()) {
    const labels = { platform: b.platform, account: b.account, object: b.objectId };
    if (b.spentMicros !== undefined)
      out.push({ name: SYNCFLOW_METRICS.budgetSpentMicros, labels, value: b.spentMicros });
    if (b.limitMicros !== undefined)
      out.push({ name: SYNCFLOW_METRICS.budgetLimitMicros, labels, value: b.limitMicros });
  }
  return out;
}
