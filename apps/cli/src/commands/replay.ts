import { existsSync } from "node:fs";
import { type Db, DEFAULT_TENANT_ID } from "@kamiyo/db";
import { replay } from "@kamiyo/replay";
import type { AppConfig } from "../config/app-config.ts";
import { findingPrinter } from "../printer.ts";
import { appLogger, openStorage } from "../runtime.ts";
import { CliError } from "./cli-error.ts";

/** `kamiyo replay FILE`: serve a recording through local servers and run the unchanged pipeline on its clock. */
export async function replayCommand(
  config: AppConfig,
  file: string,
  opts: { speed: number | "max"; json: boolean; persist: boolean },
): Promise<void> {
  if (!existsSync(file)) throw new CliError(`replay file not found: ${file}`);
  const log = appLogger(config);
  const db: Db | null = opts.persist ? await openStorage(config, log) : null;
  const print = findingPrinter(opts.json, (t) => process.stdout.write(t));
  const bySeverity: Record<string, number> = {};
  try {
    const summary = await replay({
      file,
      speed: opts.speed,
      config: config.monitor,
      log,
      db,
      tenantId: DEFAULT_TENANT_ID,
      onChange: (change, ts) => {
        if (change.change === "opened" || change.change === "escalated") {
          bySeverity[change.finding.severity] = (bySeverity[change.finding.severity] ?? 0) + 1;
        }
        print(change, ts);
      },
    });
    log.info(
      {
        file,
        labels: summary.labels,
        from: summary.firstTs === null ? null : new Date(summary.firstTs).toISOString(),
        to: summary.lastTs === null ? null : new Date(summary.lastTs).toISOString(),
        realMs: summary.realMs,
        lines: summary.read,
        server: summary.server,
        findingsRaised: bySeverity,
      },
      "replay finished",
    );
  } finally {
    await db?.close();
  }
}
