import { DEFAULT_TENANT_ID } from "@kamiyo/db";
import type { CliIo } from "@kamiyo/platform";
import type { AppConfig } from "../config/app-config.ts";
import { findingPrinter } from "../printer.ts";
import { appLogger, livePipeline, logHealthEvery, openStorage, untilSignal } from "../runtime.ts";
import { secretBoxFor } from "../secret-keys.ts";

/** `kamiyo monitor`: watch Hyperliquid live, store and print findings until interrupted. */
export async function monitorCommand(
  config: AppConfig,
  opts: { json: boolean },
  stdio: CliIo,
): Promise<void> {
  const log = appLogger(config, stdio);
  const db = await openStorage(config, log);
  const pipeline = await livePipeline(config, log, db, { secrets: secretBoxFor(config) });
  const print = findingPrinter(opts.json, (t) => stdio.out(t));
  pipeline.monitor.onChange((c) => print(c, Date.now()));
  pipeline.start();
  const stopHealth = logHealthEvery(pipeline.monitor, log, 60_000);
  log.info({ tenant: DEFAULT_TENANT_ID }, "monitor running; Ctrl-C to stop");
  const why = await untilSignal();
  log.info({ why }, "stopping: draining the pipeline");
  stopHealth();
  await pipeline.stop();
  await db.close();
}
