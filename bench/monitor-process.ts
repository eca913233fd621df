/**
 * The monitor under benchmark, run as a child process: the unchanged pipeline with only the
 * Hyperliquid source, aimed at the stand-in server. It reports over IPC when subscribed, then
 * measures either throughput (frames processed per second, CPU used) or detection latency
 * (finding emitted minus the fill's send time, both wall-clock ms).
 */
import { FetchHttpClient, IoTracker, SystemClock, silentLogger } from "@kamiyo/core";
import { MONITOR_PLUGINS, monitorConfig } from "@kamiyo/hyperliquid";
import { Monitor } from "@kamiyo/monitor";

const port = Number(process.argv[2]);
const base = `http://127.0.0.1:${port}`;
const io = new IoTracker();
const config = monitorConfig.parse({
  sources: {
    hyperliquid: {
      config: {
        infoUrl: `${base}/info`,
        wsUrl: `ws://127.0.0.1:${port}/ws`,
        pingIntervalMs: 30_000,
      },
    },
    binance: { enabled: false },
    coinbase: { enabled: false },
  },
  // Each injected fill should open a finding of its own: no cascade folding in the latency run.
  detectors: { liquidations: { config: { cascadeMinCount: 1_000_000 } } },
});
const monitor = await Monitor.create(config, {
  clock: new SystemClock(),
  random: Math.random,
  log: silentLogger,
  http: new FetchHttpClient({ userAgent: "bench", timeoutMs: 10_000, io }),
  io,
  db: null,
  tenantId: "ten_default",
  plugins: MONITOR_PLUGINS,
});
const latencies: number[] = [];
monitor.onChange((c) => {
  if (c.change === "opened" && c.finding.kind === "large-liquidation")
    latencies.push(Date.now() - c.finding.firstDataAt);
});
monitor.start();

const trades = () => monitor.health().stats.observations.trades ?? 0;
for (;;) {
  const subs = monitor.health().sources.hyperliquid?.counters.wsSubscriptions ?? 0;
  if (subs >= 151 && io.inFlight === 0) break;
  await new Promise((r) => setTimeout(r, 50));
}
process.send?.({ type: "ready" });

process.on("message", async (m: { cmd: string; total?: number }) => {
  if (m.cmd === "measureThroughput") {
    const total = m.total ?? 0;
    const before = trades();
    let first = 0;
    let cpuStart = process.cpuUsage();
    let maxRss = 0;
    for (;;) {
      const n = trades() - before;
      const now = performance.now();
      if (n > 0 && first === 0) {
        first = now;
        cpuStart = process.cpuUsage();
      }
      maxRss = Math.max(maxRss, process.memoryUsage().rss);
      if (n >= total) break;
      await new Promise((r) => setTimeout(r, 5));
    }
    const wallMs = performance.now() - first;
    const cpu = process.cpuUsage(cpuStart);
    const h = monitor.health();
    process.send?.({
      type: "throughput",
      frames: total,
      wallMs,
      framesPerSecond: (total / wallMs) * 1000,
      cpuCores: (cpu.user + cpu.system) / 1000 / wallMs,
      dropped: h.stats.queue.dropped,
      malformed: h.sources.hyperliquid?.counters.wsMalformed ?? 0,
      maxRssMb: maxRss / 1e6,
    });
  }
  if (m.cmd === "latencies") process.send?.({ type: "latencies", values: latencies.splice(0) });
  if (m.cmd === "exit") {
    await monitor.stop();
    process.exit(0);
  }
});
