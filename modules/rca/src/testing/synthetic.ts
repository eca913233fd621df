import { learnBaseline } from "../analysis/baseline.ts";
import type { MetricSeries, MetricSignal, RcaInput, Relation, Resource } from "../model.ts";

export const MIN = 60_000;
export const T0 = Date.UTC(2024, 0, 1);
/** The symptom window of {@link syntheticInput}: minutes 60–65. */
export const WINDOW = { from: T0 + 60 * MIN, to: T0 + 65 * MIN };

/** A change to one metric during {@link WINDOW}: the metric's level is multiplied by `factor`. */
export interface Injected {
  readonly service: string;
  readonly metric: string;
  readonly factor: number;
}

const METRICS: readonly [string, MetricSignal, number][] = [
  ["pod_cpu_usage_millicores", "cpu", 20],
  ["pod_memory_usage_mebibytes", "memory", 200],
  ["pod_server_latency_p90_seconds", "latency", 0.05],
  ["pod_client_latency_p90_seconds", "latency", 0.03],
  ["pod_workload_ops", "traffic", 10],
];

/**
 * A small cluster for tests: one pod per service (`pod/shop/<service>-0`), CALLS from `calls`,
 * the five usual pod metrics, calm (a deterministic ±2 % wiggle) for 70 minutes with a baseline
 * learnt from the same calm shape, and `injected` changes during {@link WINDOW}.
 */
export function syntheticInput(
  services: readonly string[],
  calls: readonly [string, string][],
  injected: readonly Injected[],
  symptomService?: string,
): RcaInput {
  const resources: Resource[] = [];
  const relations: Relation[] = [];
  const metrics: MetricSeries[] = [];
  services.forEach((service, s) => {
    const svc = `service/shop/${service}`;
    const pod = `pod/shop/${service}-0`;
    resources.push({ id: svc, kind: "service", namespace: "shop", name: service, service });
    resources.push({ id: pod, kind: "pod", namespace: "shop", name: `${service}-0`, service });
    relations.push({ type: "SELECTS", from: svc, to: pod, weight: 1 });
    METRICS.forEach(([name, signal, level], m) => {
      const wiggle = (i: number) => level * (1 + 0.02 * Math.sin(i * 1.3 + s * 0.7 + m));
      const factor = injected
        .filter((x) => x.service === service && x.metric === name)
        .reduce((f, x) => f * x.factor, 1);
      const samples = Array.from({ length: 70 }, (_, i) => {
        const at = T0 + i * MIN;
        const inWindow = at >= WINDOW.from && at < WINDOW.to;
        return { at, value: wiggle(i) * (inWindow ? factor : 1) };
      });
      const baseline = learnBaseline(Array.from({ length: 300 }, (_, i) => wiggle(i)));
      metrics.push({
        resource: pod,
        name,
        unit: "",
        signal,
        samples,
        ...(baseline ? { baseline } : {}),
      });
    });
  });
  for (const [a, b] of calls)
    relations.push({
      type: "CALLS",
      from: `service/shop/${a}`,
      to: `service/shop/${b}`,
      weight: 1,
    });
  return {
    resources,
    relations,
    metrics,
    symptom: { ...WINDOW, ...(symptomService ? { service: symptomService } : {}) },
  };
}
