/**
 * The pipeline split across processes (`kamiyo serve --role`), on PostgreSQL and NATS JetStream:
 * an ingest process reads a flood of distinct trades frames from the stand-in Hyperliquid server and
 * publishes the observations to a stream of this run; then detection with 1 and with 2 detect
 * shards (each shard a process, each run on a schema of its own) reads the whole stream, timed
 * from its first acknowledged batch to its last; in a third run, of 2 shards, shard 0 is killed
 * with SIGKILL a quarter to three quarters of the way and started again at once, and the time
 * until it acknowledges again is the recovery. Each shard's progress is read from its own /metrics (`kamiyo_stream_acked_seq`).
 */
import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { PostgresDb } from "@kamiyo/db";
import { ObservationStream } from "@kamiyo/monitor/stream";
import { KAMIYO_BIN } from "@kamiyo/testing";
import { next, start } from "./children.ts";

type Row = [string, string, string];
const fmt = (n: number) => Math.round(n).toLocaleString("en-US");
const NATS = process.env.NATS_URL ?? "nats://127.0.0.1:4222";

interface Proc {
  child: ChildProcess;
  base: Promise<string>;
}

/** `kamiyo serve ARGS` with `env`, resolving its base URL once it serves. */
function serve(args: string[], env: Record<string, string>): Proc {
  const child = spawn(process.execPath, [KAMIYO_BIN, "serve", ...args], {
    env: { ...process.env, API_PORT: "0", ...env },
    stdio: ["ignore", "ignore", "pipe"],
  });
  let err = "";
  const base = new Promise<string>((resolve, reject) => {
    child.stderr?.on("data", (d: Buffer) => {
      err = (err + d.toString()).slice(-4_000);
      const m = /serving on (http:\/\/127\.0\.0\.1:\d+)/.exec(err);
      if (m?.[1]) resolve(m[1]);
    });
    child.once("exit", (code) =>
      reject(new Error(`kamiyo serve ${args.join(" ")} exited ${code}: ${err.slice(-2000)}`)),
    );
  });
  return { child, base };
}

/** A series' value on a Prometheus page (null: absent). */
async function scrape(base: string, series: string): Promise<number | null> {
  try {
    const page = await (await fetch(`${base}/metrics`)).text();
    const line = page.split("\n").find((l) => l.startsWith(`${series} `));
    return line === undefined ? null : Number(line.split(" ").at(-1));
  } catch {
    return null;
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A schema of this run on `url`, its connection string, and how to drop it. */
async function schemaOn(url: string): Promise<{ url: string; drop(): Promise<void> }> {
  const schema = `bench_scale_${randomBytes(4).toString("hex")}`;
  const admin = await PostgresDb.open({ url, poolSize: 1 });
  await admin.query(`CREATE SCHEMA ${schema}`);
  return {
    url: `${url}${url.includes("?") ? "&" : "?"}options=${encodeURIComponent(`-c search_path=${schema},public`)}`,
    drop: async () => {
      await admin.query(`DROP SCHEMA ${schema} CASCADE`);
      await admin.close();
    },
  };
}

export async function scaleOutBench(opts: { databaseUrl: string; frames: number }): Promise<Row[]> {
  const rows: Row[] = [];
  const streamName = `BENCH_${randomBytes(4).toString("hex")}`;
  const stream = await ObservationStream.connect({ servers: NATS, stream: streamName });
  const hl = start("hl-server.ts", []);
  const { port } = await next<{ port: number }>(hl, "listening");
  const common = {
    NATS_URL: NATS,
    NATS_STREAM: streamName,
    HL_INFO_URL: `http://127.0.0.1:${port}/info`,
    HL_WS_URL: `ws://127.0.0.1:${port}/ws`,
    BINANCE_ENABLED: "false",
    COINBASE_ENABLED: "false",
    ALERTS_ENABLED: "false",
    LOG_LEVEL: "info",
  };
  const procs: ChildProcess[] = [];
  try {
    // Ingest: the flood, published to the stream.
    const ingestDb = await schemaOn(opts.databaseUrl);
    const ingest = serve(["--role", "ingest"], { ...common, DATABASE_URL: ingestDb.url });
    procs.push(ingest.child);
    const ingestBase = await ingest.base;
    for (let i = 0; i < 600; i++) {
      const subs = await scrape(
        ingestBase,
        'kamiyo_source_events_total{source="hyperliquid",counter="wsSubscriptions"}',
      );
      if ((subs ?? 0) >= 151) break;
      await sleep(100);
    }
    const flooded = next<{ ms: number }>(hl, "flooded");
    const t0 = performance.now();
    hl.send({ cmd: "flood", total: opts.frames, distinct: true });
    await flooded;
    let published = 0;
    for (;;) {
      const pending = await scrape(ingestBase, "kamiyo_stream_publish_pending");
      const now = (await stream.state()).messages;
      if (pending === 0 && now === published && now > 0) break;
      published = now;
      await sleep(500);
    }
    const ingestS = (performance.now() - t0) / 1000;
    const state = await stream.state();
    const dropped = {
      queue: (await scrape(ingestBase, "kamiyo_pipeline_dropped_total")) ?? 0,
      buffer: (await scrape(ingestBase, "kamiyo_stream_dropped_total")) ?? 0,
      trades: (await scrape(ingestBase, 'kamiyo_pipeline_observations_total{type="trades"}')) ?? 0,
    };
    rows.push([
      "Scale-out: ingest → NATS JetStream (1 ingest process)",
      `${fmt(state.messages / ingestS)} observations/s published`,
      `${fmt(opts.frames)} trades frames flooded, ${fmt(dropped.trades)} read as trades observations; ${fmt(state.messages)} observations in the stream after ${ingestS.toFixed(1)} s (flood to last publish); dropped: ${fmt(dropped.queue)} by the source queue, ${fmt(dropped.buffer)} by the publish buffer`,
    ]);
    ingest.child.kill("SIGTERM");
    await ingestDb.drop();

    for (const [shards, kill] of [
      [1, false],
      [2, false],
      [2, true],
    ] as const) {
      const db = await schemaOn(opts.databaseUrl);
      const env = { ...common, DATABASE_URL: db.url };
      // The first process migrates the schema; time runs from the first acknowledged batch.
      const launch = (i: number) => {
        const p = serve(["--role", "detect", "--shard", `${i}/${shards}`], env);
        procs.push(p.child);
        return p;
      };
      const running = [launch(0)];
      await running[0]?.base;
      for (let i = 1; i < shards; i++) running.push(launch(i));
      const bases = await Promise.all(running.map((p) => p.base));
      const acked = () =>
        Promise.all(bases.map((b) => scrape(b, "kamiyo_stream_acked_seq").then((v) => v ?? 0)));
      let start = 0;
      const deadline = performance.now() + 300_000;
      let recovery: number | null = null;
      let killedAt = 0;
      for (;;) {
        const seqs = await acked();
        if (start === 0 && seqs.some((s) => s > 0)) start = performance.now();
        if (seqs.every((s) => s >= state.lastSeq)) break;
        if (performance.now() > deadline)
          throw new Error(`scaleout: the shards stopped at ${seqs.join(", ")} of ${state.lastSeq}`);
        // A quarter of the way into the 2-shard run, shard 0 dies and is started again at once.
        const at = (seqs[0] ?? 0) / state.lastSeq;
        if (kill && killedAt === 0 && at > 0.25 && at < 0.75) {
          running[0]?.child.kill("SIGKILL");
          killedAt = performance.now();
          const before = seqs[0] ?? 0;
          const again = launch(0);
          running[0] = again;
          bases[0] = await again.base;
          for (;;) {
            const s = (await scrape(bases[0], "kamiyo_stream_acked_seq")) ?? 0;
            if (s > before || s >= state.lastSeq) break;
            if (performance.now() > deadline) throw new Error("scaleout: shard 0 did not recover");
            await sleep(100);
          }
          recovery = (performance.now() - killedAt) / 1000;
        }
        await sleep(100);
      }
      const seconds = (performance.now() - start) / 1000;
      rows.push([
        `Scale-out: detection from the stream, ${shards} detect shard${shards > 1 ? "s" : ""}${kill ? ", one killed" : ""} (PostgreSQL)`,
        `${fmt(state.messages / seconds)} observations/s`,
        `${fmt(state.messages)} observations detected, stored and acknowledged by every shard in ${seconds.toFixed(1)} s, from the first acknowledged batch${!kill ? "" : recovery === null ? "; shard 0 finished before it could be killed (a longer stream: --frames)" : `; shard 0 killed with SIGKILL between a quarter and three quarters of the way and started again at once: acknowledging again ${recovery.toFixed(1)} s after the kill (process start, then JetStream's 10 s ack wait for the batch it held)`}`,
      ]);
      for (const p of running) p.child.kill("SIGTERM");
      await sleep(1_000);
      await db.drop();
      // The next run's shards read the stream from its start again.
      for (let i = 0; i < shards; i++) await stream.deleteGroup(`detect-${i}-of-${shards}`);
    }
  } finally {
    for (const p of procs) if (p.exitCode === null) p.kill("SIGKILL");
    hl.send({ cmd: "exit" });
    await stream.deleteStream();
    await stream.close();
  }
  return rows;
}
