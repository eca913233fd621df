import { DEFAULT_TENANT_ID } from "@kamiyo/db";
import { createAlerting } from "../alerting-runtime.ts";
import type { AppConfig } from "../config/app-config.ts";
import { findingPrinter } from "../printer.ts";
import {
  appLogger,
  createLiveMonitor,
  logHealthEvery,
  openStorage,
  untilSignal,
} from "../runtime.ts";

/** `kamiyo monitor`: watch Hyperliquid live, store and print findings until interrupted. */
export async function monitorCommand(config: AppConfig, opts: { json: boolean }): Promise<void> {
  const log = appLogger(config);
  const db = await openStorage(config, log);
  const alerting = await createAlerting(config, log, db);
  const monitor = await createLiveMonitor(config, log, db, undefined, {
    afterFindings: alerting?.afterFindings,
  });
  const print = findingPrinter(opts.json, (t) => process.stdout.write(t));
  monitor.onChange((c) => print(c, Date.now()));
  monitor.onFindingsStored(() => alerting?.wake());
  alerting?.start();
  monitor.start();
  const stopHealth = logHealthEvery(monitor, log, 60_000);
  log.info({ tenant: DEFAULT_TENANT_ID }, "monitor running; Ctrl-C to stop");
  const why = await untilSignal();
  log.info({ why }, "stopping: draining the pipeline");
  stopHealth();
  await monitor.stop();
  await alerting?.stop();
  await db.close();
}
