/**
 * `npm run bench`: pipeline throughput, detection latency under load, and replay memory, each in
 * fresh child processes, printed as a markdown table with the machine it ran on.
 * Options: --only throughput|latency|memory (repeatable), --frames N (throughput frames).
 */
import { type ChildProcess, fork } from "node:child_process";
import { mkdirSync, rmSync } from "node:fs";
import { cpus, totalmem } from "node:os";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { PgliteDb } from "@kamiyo/db";
import { buildBusyMarket } from "./busy-market.ts";

const here = (f: string) => fileURLToPath(new URL(f, import.meta.url));
const { values } = parseArgs({
  options: { only: { type: "string", multiple: true }, frames: { type: "string" } },
});
const only = new Set(values.only ?? ["throughput", "latency", "memory"]);
const rows: [string, string, string][] = [];

/** The Node flags the kamiyo bin starts with (apps/cli/bin/kamiyo.js), so figures match the CLI. */
const CLI_NODE_FLAGS = ["--max-semi-space-size=16"];

function start(file: string, args: string[]): ChildProcess {
  return fork(here(file), args, {
    stdio: ["ignore", "inherit", "inherit", "ipc"],
    execArgv: CLI_NODE_FLAGS,
  });
}

function next<T>(child: ChildProcess, type: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const onMessage = (m: { type: string }) => {
      if (m.type !== type) return;
      child.off("message", onMessage);
      resolve(m as T);
    };
    child.on("message", onMessage);
    child.once("exit", (code) => reject(new Error(`${type}: child exited with ${code}`)));
  });
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

async function pipeline(): Promise<void> {
  const server = start("hl-server.ts", []);
  const { port } = await next<{ port: number }>(server, "listening");
  if (only.has("throughput")) {
    const total = Number(values.frames ?? 500_000);
    const monitor = start("monitor-process.ts", [String(port)]);
    await next(monitor, "ready");
    const result = next<{
      framesPerSecond: number;
      cpuCores: number;
      dropped: number;
      wallMs: number;
      maxRssMb: number;
    }>(monitor, "throughput");
    monitor.send({ cmd: "measureThroughput", total });
    server.send({ cmd: "flood", total });
    const r = await result;
    rows.push([
      "Pipeline throughput, raw WebSocket trades frames → detectors (1 process)",
      `${Math.round(r.framesPerSecond).toLocaleString("en-US")} frames/s`,
      `${total.toLocaleString("en-US")} frames (1–3 trades each) in ${(r.wallMs / 1000).toFixed(1)} s; ${r.cpuCores.toFixed(2)} cores busy; ${r.dropped} dropped; peak RSS ${Math.round(r.maxRssMb)} MB`,
    ]);
    monitor.send({ cmd: "exit" });
  }
  if (only.has("latency")) {
    for (const rate of [0, 25_000]) {
      const monitor = start("monitor-process.ts", [String(port)]);
      await next(monitor, "ready");
      server.send({ cmd: "paced", rate, seconds: 20, fillEveryMs: 20 });
      const { fills } = await next<{ fills: number }>(server, "paced");
      await new Promise((r) => setTimeout(r, 500));
      monitor.send({ cmd: "latencies" });
      const { values: lat } = await next<{ values: number[] }>(monitor, "latencies");
      const sorted = [...lat].sort((a, b) => a - b);
      rows.push([
        `Detection latency, liquidator fill sent → finding emitted${rate ? `, with ${rate.toLocaleString("en-US")} trades frames/s alongside` : ", idle"}`,
        `p50 ${percentile(sorted, 50)} ms, p99 ${percentile(sorted, 99)} ms`,
        `${sorted.length} of ${fills} fills measured; max ${sorted.at(-1)} ms (wall-clock ms across processes)`,
      ]);
      monitor.send({ cmd: "exit" });
    }
  }
  server.send({ cmd: "exit" });
}

async function memory(): Promise<void> {
  const dir = here("../fixtures/scenarios/.bench/");
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const name = ".bench/busy-market-1h.ndjson.gz";
  const built = buildBusyMarket(name);
  const file = here(`../fixtures/scenarios/${name}`);
  // An initialised data directory, reopened by the child as `kamiyo monitor` does after its first start.
  const dataDir = `${dir}data`;
  await (await PgliteDb.open(dataDir)).close();
  for (const storage of ["none", "pglite"] as const) {
    const child = start("replay-process.ts", [file, storage, dataDir]);
    const r = await next<{
      realMs: number;
      virtualMs: number;
      maxRssMb: number;
      maxHeapMb: number;
      rssAfterDbOpenMb: number;
    }>(child, "replayed");
    rows.push([
      storage === "none"
        ? "Memory, one-hour busy-market replay, pipeline alone (kamiyo replay; kamiyo monitor with DATABASE_URL)"
        : "Memory, the same with the embedded database (a reopened data directory, as kamiyo monitor runs)",
      `peak RSS ${Math.round(r.maxRssMb)} MB`,
      `${built.frames.toLocaleString("en-US")} trades frames + market data over ${(r.virtualMs / 60_000).toFixed(0)} min replayed in ${(r.realMs / 1000).toFixed(0)} s; peak JS heap ${Math.round(r.maxHeapMb)} MB${storage === "pglite" ? `; ${Math.round(r.rssAfterDbOpenMb)} MB resident once the database was open` : ""}`,
    ]);
  }
  rmSync(dir, { recursive: true, force: true });
}

const cpu = cpus()[0]?.model ?? "unknown CPU";
console.log(
  `Machine: ${cpu}, ${cpus().length} cores, ${Math.round(totalmem() / 2 ** 30)} GiB RAM, Node ${process.version}, ${process.platform}`,
);
if (only.has("throughput") || only.has("latency")) await pipeline();
if (only.has("memory")) await memory();
console.log("\n| benchmark | result | details |\n| --- | --- | --- |");
for (const [a, b, c] of rows) console.log(`| ${a} | ${b} | ${c} |`);
