import { planAllows } from "@kamiyo/billing";
import { type Clock, describeError, type Logger } from "@kamiyo/core";
import { activeModel, type Db, DEFAULT_TENANT_ID } from "@kamiyo/db";
import { type HistoryRecord, readHistory } from "@kamiyo/hyperliquid";
import { AnomalyDetector, AnomalyModel, CrossProtocolCorrelator } from "@kamiyo/hyperliquid/ml";
import type { DerivedDetector } from "@kamiyo/monitor";
import type { AppConfig } from "./config/app-config.ts";

/** History fed to the anomaly detector at start so its first buckets have their context. */
const PRIME_MS = 2 * 3_600_000;

/**
 * The derived detectors of a live monitor: the active anomaly model (when one was trained and
 * ML_DETECTOR is on), and the cross-protocol correlator where the plan includes it. A model that
 * cannot be read is logged and skipped: the rule-based pipeline runs regardless.
 */
export async function derivedDetectors(
  config: AppConfig,
  db: Db,
  log: Logger,
  clock: Clock,
): Promise<DerivedDetector[]> {
  const out: DerivedDetector[] = [];
  if (config.ml.detector) {
    const anomaly = await anomalyDetector(config, db, log, clock.now());
    if (anomaly) out.push(anomaly);
  }
  if (planAllows(config.plan, "crossProtocolCorrelation")) {
    out.push(new CrossProtocolCorrelator(config.correlator, { now: () => clock.now() }));
    log.info({ plan: config.plan }, "cross-protocol correlator on");
  }
  return out;
}

async function anomalyDetector(
  config: AppConfig,
  db: Db,
  log: Logger,
  now: number,
): Promise<AnomalyDetector | null> {
  const stored = await activeModel(db, DEFAULT_TENANT_ID, "anomaly");
  if (!stored) {
    log.info({}, "no anomaly model yet: `kamiyo ml train` makes one from stored history");
    return null;
  }
  let model: AnomalyModel;
  try {
    model = AnomalyModel.fromJSON(stored.state);
  } catch (err) {
    log.error(
      { model: stored.id, err: describeError(err) },
      "the active anomaly model is unreadable; ML detection is off",
    );
    return null;
  }
  const detector = new AnomalyDetector(model, {
    modelId: stored.id,
    modelVersion: stored.version,
    confirmBuckets: config.ml.confirmBuckets,
  });
  const recent: HistoryRecord[] = [];
  for await (const r of readHistory(db, DEFAULT_TENANT_ID, { since: now - PRIME_MS, until: now }))
    recent.push(r);
  detector.prime(recent);
  log.info(
    {
      model: stored.id,
      version: stored.version,
      algorithm: stored.algorithm,
      primedRows: recent.length,
    },
    "ML anomaly detector on",
  );
  return detector;
}
