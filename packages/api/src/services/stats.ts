import { planById } from "@kamiyo/billing";
import { SEVERITIES, type Severity } from "@kamiyo/core";
import { countFindings } from "@kamiyo/db";
import type { ApiDeps } from "../deps.ts";

/** Totals over the last `days`: findings by severity and detector, the pipeline. */
export async function stats(deps: ApiDeps, days: number) {
  const now = deps.clock.now();
  const since = now - days * 86_400_000;
  const counts = await countFindings(deps.db, deps.tenantId, since);
  const bySeverity = Object.fromEntries(SEVERITIES.map((s) => [s, 0])) as Record<Severity, number>;
  const byDetector: Record<string, number> = {};
  let total = 0;
  let open = 0;
  for (const c of counts) {
    total += c.count;
    if (c.status === "open") open += c.count;
    bySeverity[c.severity] += c.count;
    byDetector[c.detector] = (byDetector[c.detector] ?? 0) + c.count;
  }
  const h = deps.monitor?.health();
  return {
    days,
    since: new Date(since).toISOString(),
    findings: { total, open, bySeverity, byDetector },
    pipeline: h
      ? {
          observations: h.stats.observations,
          queue: h.stats.queue,
          detectorErrors: h.stats.detectorErrors,
          findingChanges: h.stats.findingChanges,
        }
      : null,
    uptimeS: Math.round((now - deps.startedAt) / 1000),
  };
}

/** What this service is and runs (modules add what they watch). */
export async function meta(deps: ApiDeps) {
  const health = deps.monitor?.health();
  const cfg = deps.monitorConfig;
  const plan = planById(deps.plan);
  return {
    service: "kamiyo",
    version: deps.version,
    edition: deps.plan,
    editionLabel: plan.label,
    features: {
      mlEnsemble: plan.features.mlEnsemble,
      crossProtocolCorrelation: plan.features.crossProtocolCorrelation,
    },
    tenantId: deps.tenantId,
    storage: deps.db.description,
    monitorInProcess: deps.monitor !== null,
    detectors: (deps.plugins?.detectors ?? []).map((d) => ({
      kind: d.kind,
      description: d.description,
      enabled: slots(cfg.detectors)[d.kind]?.enabled === true,
    })),
    sources: (deps.plugins?.sources ?? []).map((s) => ({
      kind: s.kind,
      description: s.description,
      enabled: slots(cfg.sources)[s.kind]?.enabled === true,
      status: health?.sources[s.kind]?.status ?? null,
    })),
    derivedDetectors: deps.monitor?.derivedDetectors() ?? [],
    demo: deps.demo ?? null,
  };
}

/** A config's plug-in slots by kind. */
function slots(group: object): Record<string, { enabled: boolean } | undefined> {
  return group as Record<string, { enabled: boolean } | undefined>;
}
