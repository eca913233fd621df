/**
 * The alerts benchmark: signed webhook deliveries drained from the outbox by one worker process
 * to a receiver process, and the time from a committed finding to its delivery's arrival when
 * the queue is idle. Database, worker and receiver share the machine.
 */
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { generateSecret, newChannel, saveChannel } from "@kamiyo/alerts";
import { type Db, DEFAULT_TENANT_ID, describeUrl, migrate, PgliteDb, PostgresDb } from "@kamiyo/db";
import { CLI_NODE_FLAGS, next, percentile, start } from "./children.ts";

type Row = [string, string, string];

/** An alert as the router stores it: one critical finding (about 1 KB of JSON). */
function alertBody(): object {
  const now = Date.now();
  return {
    id: "alr_bench",
    tenantId: DEFAULT_TENANT_ID,
    type: "finding.opened",
    severity: "critical",
    title: "ETH position of $306M taken over by the HLP liquidator",
    createdAt: now,
    findings: [
      {
        id: "fnd_0m85n41y8000000000001",
        tenantId: DEFAULT_TENANT_ID,
        detector: "liquidations",
        kind: "backstop",
        subject: { type: "asset", id: "ETH" },
        key: "4242",
        severity: "critical",
        status: "open",
        title: "ETH position of $306M taken over by the HLP liquidator",
        evidence: {
          notionalUsd: 306_848_110,
          px: 1915,
          size: 160_234,
          method: "backstop",
          liquidator: "0x2e3d94f0562703b25c83308a05046ddaf9a8dd14",
          liquidatedUser: "0xf3f496c9486be5924a93d67e98298733bb47057c",
        },
        firstDataAt: now,
        dataAt: now,
        detectedAt: now,
        updatedAt: now,
        resolvedAt: null,
        occurrences: 1,
      },
    ],
  };
}

async function seed(db: Db, receiverUrl: string, deliveries: number): Promise<void> {
  await migrate(db);
  await saveChannel(
    db,
    newChannel({
      tenantId: DEFAULT_TENANT_ID,
      id: "chn_bench",
      kind: "webhook",
      name: "bench receiver",
      origin: "config",
      config: { url: `${receiverUrl}/hook` },
      filter: {},
      secret: generateSecret(),
      nowMs: Date.now(),
    }),
    null,
  );
  await db.transaction(async (tx) => {
    await tx.query(
      `INSERT INTO alerts (tenant_id, id, type, severity, title, body, created_at)
       SELECT $1, 'alr_bench' || lpad(g::text, 9, '0'), 'finding.opened', 'critical', 'bench', $2::jsonb, now()
       FROM generate_series(1, $3::int) g`,
      [DEFAULT_TENANT_ID, JSON.stringify(alertBody()), deliveries],
    );
    await tx.query(
      `INSERT INTO deliveries (tenant_id, id, alert_id, channel_id, status, next_attempt_at, created_at)
       SELECT $1, 'msg_bench' || lpad(g::text, 9, '0'), 'alr_bench' || lpad(g::text, 9, '0'), 'chn_bench', 'pending', now(), now()
       FROM generate_series(1, $2::int) g`,
      [DEFAULT_TENANT_ID, deliveries],
    );
  });
}

const fmt = (n: number) => Math.round(n).toLocaleString("en-US");
const ms = (n: number) => (n < 10 ? n.toFixed(1) : String(Math.round(n)));
const cpuSeconds = (u: NodeJS.CpuUsage) => (u.user + u.system) / 1e6;

export async function alertsBench(opts: {
  databaseUrl: string | undefined;
  kinds: Set<string>;
  deliveries: number;
  /** Write a V8 CPU profile of each worker process here. */
  cpuProfileDir?: string;
}): Promise<Row[]> {
  const rows: Row[] = [];
  const receiver = start("webhook-receiver.ts", []);
  const { port } = await next<{ port: number }>(receiver, "listening");
  const receiverUrl = `http://127.0.0.1:${port}`;
  for (const kind of ["postgres", "pglite"] as const) {
    if (!opts.kinds.has(kind) || (kind === "postgres" && !opts.databaseUrl)) continue;
    let args: string[];
    let cleanup: () => Promise<void>;
    if (kind === "postgres" && opts.databaseUrl) {
      const url = opts.databaseUrl;
      const schema = `bench_alerts_${randomBytes(4).toString("hex")}`;
      const admin = await PostgresDb.open({ url, poolSize: 1 });
      await admin.query(`CREATE SCHEMA ${schema}`);
      const db = await PostgresDb.open({ url, schema, poolSize: 1 });
      await seed(db, receiverUrl, opts.deliveries);
      await db.close();
      args = ["postgres", url, schema];
      cleanup = async () => {
        await admin.query(`DROP SCHEMA ${schema} CASCADE`);
        await admin.close();
      };
    } else {
      const dir = mkdtempSync(join(tmpdir(), "kamiyo-bench-alerts-"));
      const db = await PgliteDb.open(dir);
      await seed(db, receiverUrl, opts.deliveries);
      await db.close();
      args = ["pglite", dir];
      cleanup = async () => rmSync(dir, { recursive: true, force: true });
    }
    const storage =
      kind === "postgres" && opts.databaseUrl
        ? `PostgreSQL at ${describeUrl(opts.databaseUrl)}`
        : "embedded PGlite";
    receiver.send({ cmd: "reset" });
    const worker = start(
      "alerts-worker.ts",
      args,
      opts.cpuProfileDir
        ? [...CLI_NODE_FLAGS, "--cpu-prof", `--cpu-prof-dir=${opts.cpuProfileDir}`]
        : CLI_NODE_FLAGS,
    );
    await next(worker, "ready");
    const pending = async () => {
      worker.send({ cmd: "pending" });
      return (await next<{ n: number }>(worker, "pending")).n;
    };
    const cpu = async () => {
      worker.send({ cmd: "cpu" });
      return cpuSeconds((await next<{ usage: NodeJS.CpuUsage }>(worker, "cpu")).usage);
    };

    // Throughput: drain the seeded outbox.
    const cpuBefore = await cpu();
    const t0 = performance.now();
    worker.send({ cmd: "start" });
    await next(worker, "started");
    while ((await pending()) > 0) await new Promise((r) => setTimeout(r, 50));
    const seconds = (performance.now() - t0) / 1000;
    const cores = ((await cpu()) - cpuBefore) / seconds;
    receiver.send({ cmd: "stats" });
    const stats = await next<{ requests: number; distinct: number }>(receiver, "stats");
    rows.push([
      `Signed webhook deliveries, outbox → receiver (${storage})`,
      `${fmt(opts.deliveries / seconds)} deliveries/s`,
      `${fmt(opts.deliveries)} pending deliveries drained in ${seconds.toFixed(1)} s by one worker process (batches of 200 claimed with SKIP LOCKED, 64 in flight, each signed with HMAC-SHA256 and POSTed over keep-alive HTTP, attempts and states recorded per batch); worker ${cores.toFixed(2)} cores busy; receiver got ${fmt(stats.requests)} requests, ${fmt(stats.distinct)} distinct webhook-ids; receiver and database on the same machine`,
    ]);

    // Latency: one finding at a time into an idle queue.
    const samples = 200;
    const raised: { id: string; at: number }[] = [];
    for (let i = 0; i < samples; i++) {
      worker.send({ cmd: "raise" });
      raised.push(await next<{ id: string; at: number }>(worker, "raised"));
      await new Promise((r) => setTimeout(r, 50));
    }
    while ((await pending()) > 0) await new Promise((r) => setTimeout(r, 50));
    receiver.send({ cmd: "arrivals" });
    const arrivals = new Map(
      (await next<{ arrivals: [string, number][] }>(receiver, "arrivals")).arrivals,
    );
    const lat = raised.map((r) => (arrivals.get(r.id) ?? Number.NaN) - r.at).sort((a, b) => a - b);
    const missing = lat.filter((x) => Number.isNaN(x)).length;
    rows.push([
      `Committed finding → its webhook arriving, idle queue (${storage})`,
      `p50 ${ms(percentile(lat, 50))} ms, p99 ${ms(percentile(lat, 99))} ms`,
      `${samples} critical findings 50 ms apart, each stored and routed in one transaction as the monitor's store does, the worker woken on commit; from just after the commit (worker process) to the request's arrival (receiver process), epoch ms from \`performance.timeOrigin + performance.now()\` on both sides; max ${ms(lat.at(-1 - missing) ?? Number.NaN)} ms; ${missing} missing`,
    ]);
    worker.send({ cmd: "exit" });
    await new Promise((r) => worker.once("exit", r));
    await cleanup();
  }
  receiver.send({ cmd: "exit" });
  return rows;
}
