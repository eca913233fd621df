import { existsSync } from "node:fs";
import { planAllows } from "@kamiyo/billing";
import { AppError } from "@kamiyo/core";
import {
  type Db,
  DEFAULT_TENANT_ID,
  listModels,
  openMigratedTemporary,
  saveModels,
} from "@kamiyo/db";
import { historySpan, hyperliquidReplay } from "@kamiyo/hyperliquid";
import {
  type AnomalyAlgorithm,
  evaluateAnomaly,
  fitAnomaly,
  fitForecasts,
} from "@kamiyo/hyperliquid/ml";
import { CliError, type CliIo } from "@kamiyo/platform";
import { monitorOnly, replay } from "@kamiyo/replay";
import type { AppConfig } from "../config/app-config.ts";
import { MODULES } from "../modules.ts";
import { appLogger, openStorage } from "../runtime.ts";
import { formatTable, iso } from "./silence.ts";

export interface MlWindowOptions {
  since?: number;
  until?: number;
  days?: number;
  replay?: string;
}

/** The algorithm `kamiyo ml train` uses: the ensemble where the plan includes it and it is on. */
export function anomalyAlgorithm(config: AppConfig, asked?: AnomalyAlgorithm): AnomalyAlgorithm {
  const allowed = planAllows(config.plan, "mlEnsemble");
  if (asked === "ensemble" && !allowed)
    throw new CliError(
      `--algorithm ensemble: the ${config.plan} edition does not include the ML ensemble (cloud_pro and cloud_enterprise do; set DEPLOYMENT_MODE)`,
    );
  return asked ?? (allowed && config.ml.ensemble ? "ensemble" : "isolation-forest");
}

/**
 * The history a command reads: the configured database, or with `--replay` a temporary embedded
 * database the recording was replayed into. @returns the database and the [since, until) window.
 */
async function historySource(
  config: AppConfig,
  o: MlWindowOptions,
  stdio: CliIo,
): Promise<{ history: Db; window: { since: number; until: number }; temporary: boolean }> {
  const log = appLogger(config, stdio);
  let history: Db;
  let temporary = false;
  if (o.replay !== undefined) {
    if (!existsSync(o.replay)) throw new CliError(`--replay: file not found: ${o.replay}`);
    history = await openMigratedTemporary(config.cacheDir, MODULES.migrations);
    temporary = true;
    log.info({ file: o.replay }, "replaying the recording into a temporary embedded database");
    await replay({
      module: hyperliquidReplay,
      file: o.replay,
      speed: "max",
      config: config.monitor,
      log: log.child({ component: "replay" }),
      pipeline: monitorOnly({ db: history, tenantId: DEFAULT_TENANT_ID }),
    });
  } else {
    history = await openStorage(config, log);
  }
  const span = await historySpan(history, DEFAULT_TENANT_ID);
  if (!span) {
    await history.close();
    throw new CliError(
      o.replay !== undefined
        ? `--replay: the recording produced no market or vault history`
        : "no stored history yet: run `kamiyo serve` or `kamiyo monitor` first, or train on a recording with --replay",
    );
  }
  const until = o.until ?? span.last + 1;
  const days = o.days ?? config.ml.trainDays;
  const since =
    o.since ??
    (o.replay !== undefined ? span.first : Math.max(span.first, until - days * 86_400_000));
  if (since >= until) {
    await history.close();
    const stored = `the stored history runs from ${iso(span.first)} to ${iso(span.last)}`;
    throw new CliError(
      o.since === undefined
        ? `--until ${iso(until)} is before the oldest stored data (${stored})`
        : o.until === undefined
          ? `--since ${iso(since)} is after the newest stored data (${stored})`
          : `--since must be before --until (got ${iso(since)} and ${iso(until)})`,
    );
  }
  return { history, window: { since, until }, temporary };
}

/** `kamiyo ml train`: learn the anomaly model and the forecasters from stored history or a recording. */
export async function mlTrainCommand(
  config: AppConfig,
  o: MlWindowOptions & { algorithm?: AnomalyAlgorithm },
  stdio: CliIo,
): Promise<void> {
  const algorithm = anomalyAlgorithm(config, o.algorithm);
  const { history, window, temporary } = await historySource(config, o, stdio);
  const store = temporary ? await openStorage(config, appLogger(config, stdio)) : history;
  try {
    const now = Date.now();
    const anomaly = await fitAnomaly(history, DEFAULT_TENANT_ID, {
      ...window,
      algorithm,
      config: config.ml,
    }).catch(refusal(window));
    // The forecasters learn from the rows the anomaly model was fitted on: read once.
    const forecast = await Promise.resolve(anomaly.rows)
      .then((rows) => fitForecasts(rows, { ...window, anomaly: anomaly.model }))
      .catch(refusal(window));
    // Both become active together, or neither does.
    const [m, f] = await saveModels(
      store,
      DEFAULT_TENANT_ID,
      [anomaly.record, forecast.record],
      now,
    );
    if (!m || !f) throw new Error("the models were not saved");
    const metrics = m.metrics as Record<string, unknown>;
    const lines = [
      `anomaly model v${m.version} (${m.id}): ${m.algorithm}`,
      `  window       ${iso(m.windowStart)} to ${iso(m.windowEnd)}, ${metrics.rows} buckets of ${config.ml.bucketMinutes} min`,
      `  features     ${m.features.join(", ")}`,
      ...anomaly.model.state.excluded.map((e) =>
        e.spread
          ? `  left out     ${e.name}: varied only ${e.spread} around ${e.value}, under its minimum spread (the model cannot see it)`
          : `  left out     ${e.name}: constant ${e.value} over the window (the model cannot see it)`,
      ),
      `  threshold    ${Number(metrics.threshold).toFixed(4)} (training anomaly rate ${(Number(metrics.trainingAnomalyRate) * 100).toFixed(2)}%)`,
      metrics.rocAucVsIncidents === undefined
        ? `  incidents    none in the window (no high or critical rule findings): no ROC-AUC`
        : `  incidents    ${metrics.incidentBuckets} buckets; ROC-AUC ${Number(metrics.rocAucVsIncidents).toFixed(3)}, recall ${(Number(metrics.recallVsIncidents) * 100).toFixed(1)}%`,
      `forecast model v${f.version} (${f.id}):`,
      ...forecast.series.map(
        (s) =>
          `  ${s.name.padEnd(24)} ${s.method}${s.order ? ` (${s.order.p},${s.order.d},${s.order.q})` : ""}, ${s.points} hourly points${s.aic === null ? "" : `, AIC ${s.aic.toFixed(1)}`}`,
      ),
    ];
    stdio.out(`${lines.join("\n")}\n`);
  } finally {
    if (temporary) await store.close();
    await history.close();
  }
}

/** `kamiyo ml evaluate`: score a window with the active anomaly model and compare with rule incidents. */
export async function mlEvaluateCommand(
  config: AppConfig,
  o: MlWindowOptions & { json: boolean },
  stdio: CliIo,
): Promise<void> {
  const { history, window, temporary } = await historySource(config, o, stdio);
  const models = temporary ? await openStorage(config, appLogger(config, stdio)) : history;
  try {
    const report = await evaluateAnomaly(history, models, DEFAULT_TENANT_ID, window).catch(
      refusal(window),
    );
    if (o.json) {
      stdio.out(`${JSON.stringify(report)}\n`);
      return;
    }
    const s = report.summary;
    stdio.out(
      [
        `model v${report.model.version} (${report.model.algorithm}) on ${iso(window.since)} to ${iso(window.until)}`,
        `  buckets ${s.buckets}, anomalous ${s.anomalous} (critical ${s.bySeverity.critical}, high ${s.bySeverity.high}, medium ${s.bySeverity.medium})`,
        s.incidentBuckets === 0
          ? "  incidents: none in the window (no high or critical rule findings)"
          : `  incidents ${s.incidentBuckets} buckets: ROC-AUC ${s.rocAuc?.toFixed(3) ?? "-"}, precision ${pct(s.precision)}, recall ${pct(s.recall)}`,
        "",
      ].join("\n"),
    );
    if (report.anomalies.length > 0)
      stdio.out(
        formatTable(
          ["BUCKET", "SCORE", "SEVERITY", "INCIDENT", "LED BY"],
          report.anomalies.map((a) => [
            iso(a.start),
            a.score.toFixed(3),
            a.severity,
            a.incident ? "yes" : "no",
            a.top.map((c) => `${c.feature} (z ${c.z.toFixed(1)})`).join(", "),
          ]),
        ),
      );
  } finally {
    if (temporary) await models.close();
    await history.close();
  }
}

/**
 * What the operator can fix (too little history in the window, no trained model yet) is a
 * CliError, exit 2 without a stack, like a bad flag; anything else passes through (exit 1).
 */
function refusal(window: { since: number; until: number }): (err: unknown) => never {
  return (err) => {
    if (err instanceof AppError && err.code === "invalid_input")
      throw new CliError(`${err.message} (window ${iso(window.since)} to ${iso(window.until)})`);
    if (err instanceof AppError && err.code === "not_found") throw new CliError(err.message);
    throw err;
  };
}

function pct(v: number | null): string {
  return v === null ? "-" : `${(v * 100).toFixed(1)}%`;
}

/** `kamiyo ml status`: the stored model versions. */
export async function mlStatusCommand(config: AppConfig, stdio: CliIo): Promise<void> {
  const db = await openStorage(config, appLogger(config, stdio));
  try {
    const models = await listModels(db, DEFAULT_TENANT_ID);
    if (models.length === 0) {
      stdio.out("no models: run `kamiyo ml train`\n");
      return;
    }
    stdio.out(
      formatTable(
        ["ID", "PURPOSE", "VERSION", "ALGORITHM", "ACTIVE", "WINDOW", "TRAINED"],
        models.map((m) => [
          m.id,
          m.purpose,
          String(m.version),
          m.algorithm,
          m.active ? "yes" : "no",
          `${iso(m.windowStart)} to ${iso(m.windowEnd)}`,
          iso(m.createdAt),
        ]),
      ),
    );
  } finally {
    await db.close();
  }
}
