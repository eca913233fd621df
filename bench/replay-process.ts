/**
 * Replays a file at full speed in this process and reports its peak memory: with no database
 * (the pipeline alone) or with the embedded database in a data directory.
 */
import { silentLogger } from "@kamiyo/core";
import { type Db, migrate, PgliteDb } from "@kamiyo/db";
import { hyperliquidReplay } from "@kamiyo/hyperliquid";
import { monitorOnly, replay } from "@kamiyo/replay";

const [file, storage, dataDir] = [
  process.argv[2] as string,
  process.argv[3] as "none" | "pglite",
  process.argv[4] ?? null,
];
let maxRss = 0;
let maxHeap = 0;
const sampler = setInterval(() => {
  const m = process.memoryUsage();
  maxRss = Math.max(maxRss, m.rss);
  maxHeap = Math.max(maxHeap, m.heapUsed);
}, 50);
let db: Db | null = null;
if (storage === "pglite") {
  db = await PgliteDb.open(dataDir);
  await migrate(db);
}
const rssAfterDb = process.memoryUsage().rss;
const summary = await replay({
  module: hyperliquidReplay,
  file,
  speed: "max",
  config: {},
  log: silentLogger,
  pipeline: monitorOnly({ db, tenantId: "ten_default" }),
});
clearInterval(sampler);
await db?.close();
process.send?.({
  type: "replayed",
  storage,
  realMs: summary.realMs,
  virtualMs: (summary.lastTs ?? 0) - (summary.firstTs ?? 0),
  lines: summary.read.replayed,
  trades: summary.health?.stats.observations.trades ?? 0,
  maxRssMb: maxRss / 1e6,
  maxHeapMb: maxHeap / 1e6,
  rssAfterDbOpenMb: rssAfterDb / 1e6,
});
process.exit(0);
