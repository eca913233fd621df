import { SystemClock } from "@kamiyo/core";
import type { CliIo } from "@kamiyo/platform";
import { RecordingHttpClient, ReplayWriter, recordFrames } from "@kamiyo/replay";
import type { AppConfig } from "../config/app-config.ts";
import { findingPrinter } from "../printer.ts";
import { appLogger, livePipeline, openStorage, untilSignal } from "../runtime.ts";
import { secretBoxFor } from "../secret-keys.ts";

/** `kamiyo record`: run the live pipeline (as `kamiyo monitor`) and write its raw traffic to a replay file. */
export async function recordCommand(
  config: AppConfig,
  opts: { out: string; durationMs: number | undefined; json: boolean },
  stdio: CliIo,
): Promise<void> {
  const log = appLogger(config, stdio);
  const clock = new SystemClock();
  const writer = new ReplayWriter(opts.out);
  const hl = config.monitor.sources.hyperliquid.config;
  writer.write({
    ts: clock.now(),
    src: "meta",
    label: "live recording",
    description: `recorded by kamiyo record from ${hl.infoUrl} and ${hl.wsUrl}`,
    recordedAt: new Date(clock.now()).toISOString(),
  });
  const db = await openStorage(config, log);
  const pipeline = await livePipeline(config, log, db, {
    secrets: secretBoxFor(config),
    wrapHttp: (http) => new RecordingHttpClient(http, writer, clock),
    tapFrame: recordFrames(writer, clock),
  });
  const print = findingPrinter(opts.json, (t) => stdio.out(t));
  pipeline.monitor.onChange((c) => print(c, clock.now()));
  const flusher = setInterval(() => writer.flush(clock.now()), 1_000);
  pipeline.start();
  log.info({ out: opts.out, durationMs: opts.durationMs ?? null }, "recording; Ctrl-C to stop");
  const why = await untilSignal(opts.durationMs);
  clearInterval(flusher);
  await pipeline.stop();
  await writer.close();
  await db.close();
  log.info({ why, lines: writer.written, out: opts.out }, "recording written");
}
