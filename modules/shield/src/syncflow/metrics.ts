import type { ApiModuleContext } from "@kamiyo/api";
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

/** How a module adds a gauge read at each scrape (`ApiModuleContext.gauge`). */
type AddGauge = ApiModuleContext["gauge"];

const HELP: Record<keyof typeof SYNCFLOW_METRICS, [string, readonly string[]]> = {
  circuitBreakerStateCount: [
    "SyncFlow's platform-account circuit breakers in each state",
    ["platform", "state"],
  ],
  spendTotal: [
    "Micros set by bids the platforms accepted, since the process started",
    ["platform", "unit"],
  ],
  budgetSpentMicros: [
    "Spend last read for a platform object, micros",
    ["platform", "account", "object"],
  ],
  budgetLimitMicros: [
    "Daily budget an accepted bid last set on a platform object, micros",
    ["platform", "account", "object"],
  ],
};

/**
 * Adds the bidder's figures to `/metrics` under the seed's names (what the Command Center
 * dashboard reads), each read from `syncflowMetrics(bidder)` at the scrape. Once per process.
 */
export function registerSyncflowMetrics(gauge: AddGauge, bidder: Bidder): void {
  for (const [key, name] of Object.entries(SYNCFLOW_METRICS) as [
    keyof typeof SYNCFLOW_METRICS,
    string,
  ][]) {
    const [help, labelNames] = HELP[key];
    gauge({
      name,
      help,
      labelNames,
      read: () =>
        syncflowMetrics(bidder)
          .filter((m) => m.name === name)
          .map((m) => [m.labels as Record<string, string>, m.value] as const),
    });
  }
}
