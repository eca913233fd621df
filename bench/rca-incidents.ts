/**
 * A few incidents in the RCA benchmark's generated cluster, recorded as the stored events a real
 * query reads: within the ten-minute window, a node going NotReady, a rollout whose pods then crash
 * loop, latency anomalies and error-log bursts on the symptom's service; and the background a big
 * tenant has over the hour before (Warnings and anomalies on pods here and there, an OOMKill).
 */
import type { Db } from "@kamiyo/db";
import { recordEvents } from "@kamiyo/rca";

type EventRow = Parameters<typeof recordEvents>[1][number];

const pod = (d: number, p: number) =>
  `pod/ns-${d % 20}/svc-${d}-5d8f7c9b6-${p.toString(36).padStart(5, "x")}`;

/**
 * Records the incidents in `db` (the tenant's view) for a window ending at `now` (epoch ms) over
 * a cluster of `deployments` Deployments with `podsPer` pods each. @returns how many events.
 */
export async function recordIncidents(
  db: Db,
  now: number,
  deployments: number,
  podsPer: number,
): Promise<number> {
  const rows: EventRow[] = [];
  const at = (msAgo: number) => new Date(now - msAgo).toISOString();
  const state = (resourceId: string, reason: string, msAgo: number, kind = "state_change") =>
    rows.push({
      dedupKey: `bench:${kind}:${resourceId}:${reason}:${msAgo}`,
      resourceId,
      kind: kind as EventRow["kind"],
      reason,
      severity: reason === "BackOff" || reason === "RolloutStarted" ? "warning" : "critical",
      message: `${reason} (bench)`,
      data: {},
      occurredAt: at(msAgo),
    });
  const anomaly = (resourceId: string, msAgo: number, value: number) =>
    rows.push({
      dedupKey: `bench:anomaly:${resourceId}:${msAgo}`,
      resourceId,
      kind: "metric_anomaly",
      reason: "latency_p99",
      severity: "warning",
      message: "latency above its baseline (bench)",
      data: {
        metric: "http_request_duration_seconds_p99",
        signal: "latency",
        unit: "s",
        value,
        baseline: { median: 0.05, scale: 0.01, n: 240, p01: 0.03, p99: 0.09 },
      },
      occurredAt: at(msAgo),
    });
  state("node/node-7", "NodeNotReady", 300_000);
  state("deployment/ns-1/svc-1", "RolloutStarted", 500_000);
  for (let p = 0; p < podsPer; p++) {
    state(pod(1, p), "CrashLoopBackOff", 420_000 - p * 1000);
    for (let m = 0; m < 4; m++) anomaly(pod(0, p), 240_000 - m * 60_000, 0.4 + m / 10);
    rows.push({
      dedupKey: `bench:log:${pod(0, p)}`,
      resourceId: pod(0, p),
      kind: "log_burst",
      reason: "LogErrorBurst",
      severity: "warning",
      message: "42 error lines in a minute (bench)",
      data: { count: 42, windowStart: at(200_000) },
      occurredAt: at(150_000),
    });
  }
  state(pod(3, 0), "OOMKilled", 1_800_000);
  for (let i = 0; i < 200; i++) {
    const d = (i * 7919) % deployments;
    state(pod(d, i % podsPer), "BackOff", 3_600_000 - i * 15_000, "k8s_event");
    if (i % 2 === 0) anomaly(pod(d, (i + 1) % podsPer), 3_000_000 - i * 10_000, 0.2);
  }
  return recordEvents(db, rows, new Date(now));
}
