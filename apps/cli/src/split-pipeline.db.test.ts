import type { ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { generateSecret } from "@kamiyo/alerts";
import { PostgresDb } from "@kamiyo/db";
import { type LiveUpstream, startLiveUpstream } from "@kamiyo/hyperliquid/testing";
import { ObservationStream } from "@kamiyo/monitor/stream";
import { type ServeProcess, startServeProcess, testDbKind } from "@kamiyo/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const url = process.env.TEST_DATABASE_URL ?? "";
const NATS = process.env.NATS_URL ?? "nats://127.0.0.1:4222";

/** Polls `read` every 100 ms until `ok` holds of it (20 s at most), and returns the last read. */
async function until<T>(read: () => Promise<T>, ok: (v: T) => boolean): Promise<T> {
  let v = await read();
  for (let i = 0; i < 200 && !ok(v); i++) {
    await new Promise((r) => setTimeout(r, 100));
    v = await read();
  }
  return v;
}
const text = async (u: string) => (await fetch(u)).text();
/** A counter's value in a Prometheus text page (0 when absent). */
const metric = (page: string, series: string) =>
  Number(
    page
      .split("\n")
      .find((l) => l.startsWith(`${series} `))
      ?.split(" ")
      .at(-1) ?? 0,
  );

/**
 * The pipeline split across processes as a scaled-out install runs it (`kamiyo serve --role`):
 * one ingest process publishing to NATS JetStream, two detect shards, one API and one delivery
 * worker, on one PostgreSQL schema. Several processes need a database all can open: PostgreSQL
 * only (the db-postgres project).
 */
describe.runIf(testDbKind === "postgres")("the pipeline split across processes", () => {
  const schema = `t_${randomBytes(6).toString("hex")}`;
  const streamName = `T_${randomBytes(6).toString("hex")}`;
  const children = new Map<string, ChildProcess>();
  const procs: Record<string, ServeProcess> = {};
  const hooked: { id: string; body: string }[] = [];
  let hooks: Server;
  let upstream: LiveUpstream;
  let env: Record<string, string>;
  let stream: ObservationStream;

  const start = async (name: string, args: string[]) => {
    const p = await startServeProcess(args, env);
    children.set(name, p.child);
    procs[name] = p;
    return p;
  };

  beforeAll(async () => {
    const admin = await PostgresDb.open({ url, poolSize: 1 });
    await admin.query(`CREATE SCHEMA ${schema}`);
    await admin.close();
    hooks = createServer((req, res) => {
      let body = "";
      req.on("data", (c: Buffer) => {
        body += c.toString("utf8");
      });
      req.on("end", () => {
        hooked.push({ id: String(req.headers["webhook-id"]), body });
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((r) => hooks.listen(0, "127.0.0.1", r));
    upstream = await startLiveUpstream();
    stream = await ObservationStream.connect({ servers: NATS, stream: streamName });
    env = {
      ...upstream.env,
      DATABASE_URL: `${url}${url.includes("?") ? "&" : "?"}options=${encodeURIComponent(`-c search_path=${schema},public`)}`,
      NATS_URL: NATS,
      NATS_STREAM: streamName,
      ALERTS_WEBHOOK_URL: `http://127.0.0.1:${(hooks.address() as AddressInfo).port}/hook`,
      ALERTS_WEBHOOK_SECRET: generateSecret(),
      ALERTS_MIN_SEVERITY: "critical",
      API_WEBHOOKS_ALLOW_LOOPBACK_HTTP: "true",
    };
    // The first process migrates the schema; the others then start together.
    await start("api", ["--role", "api"]);
    await Promise.all([
      start("detect0", ["--role", "detect", "--shard", "0/2"]),
      start("detect1", ["--role", "detect", "--shard", "1/2"]),
      start("deliver", ["--role", "deliver"]),
    ]);
    await start("ingest", ["--role", "ingest"]);
  }, 180_000);

  afterAll(async () => {
    for (const c of children.values()) c.kill("SIGKILL");
    hooks?.closeAllConnections();
    await new Promise((r) => hooks?.close(r));
    await upstream?.close();
    await stream?.deleteStream();
    await stream?.close();
    const admin = await PostgresDb.open({ url, poolSize: 1 });
    await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await admin.close();
  });

  it("ingests in one process, detects in two shards, stores once, delivers and serves from others", async () => {
    await upstream.connected();
    upstream.pushBackstop();
    const events = `${procs.api?.base}/security/events?detector=liquidations&severity=critical`;
    const found = await until(
      async () => (await (await fetch(events)).json()) as { data: { id: string; kind: string }[] },
      (b) => b.data.some((f) => f.kind === "backstop"),
    );
    expect(found.data.filter((f) => f.kind === "backstop")).toHaveLength(1);
    // The delivery worker, a process of its own, sent the alert routed by a detect shard.
    const delivered = await until(
      async () => hooked.filter((h) => JSON.parse(h.body).data?.kind === "backstop"),
      (d) => d.length > 0,
    );
    expect(JSON.parse(delivered[0]?.body ?? "{}")).toMatchObject({
      type: "finding.opened",
      data: { detector: "liquidations", kind: "backstop" },
    });
    // Each worker serves its probes; the shards split the detectors (one has the liquidations).
    const pages = Object.fromEntries(
      await Promise.all(
        ["ingest", "detect0", "detect1", "deliver"].map(
          async (n) => [n, await text(`${procs[n]?.base}/metrics`)] as const,
        ),
      ),
    );
    expect(metric(pages.ingest ?? "", "kamiyo_stream_published_total")).toBeGreaterThan(0);
    const liquidations =
      'kamiyo_findings_total{detector="liquidations",severity="critical",change="opened"}';
    const byShard = [
      metric(pages.detect0 ?? "", liquidations),
      metric(pages.detect1 ?? "", liquidations),
    ];
    expect(byShard.filter((n) => n > 0)).toHaveLength(1);
    for (const n of ["detect0", "detect1"])
      expect(metric(pages[n] ?? "", "kamiyo_stream_batches_total")).toBeGreaterThan(0);
    for (const n of ["ingest", "detect0", "detect1", "deliver"]) {
      const ready = await fetch(`${procs[n]?.base}/ready`);
      expect([n, ready.status]).toEqual([n, 200]);
      expect(await (await fetch(`${procs[n]?.base}/security/events`)).status).toBe(404);
    }
  });

  it("resumes a detect shard killed with -9 where its group stopped, once started again", async () => {
    const group = "detect-0-of-2";
    children.get("detect0")?.kill("SIGKILL");
    await procs.detect0?.exited;
    // The ingest process goes on publishing (its sources poll); the shard's group falls behind.
    const behind = await until(
      () => stream.lag(group),
      (l) => l.pending + l.inFlight > 0,
    );
    expect(behind.pending + behind.inFlight).toBeGreaterThan(0);
    const again = await start("detect0", ["--role", "detect", "--shard", "0/2"]);
    const caughtUp = await until(
      async () => ({
        lag: await stream.lag(group),
        batches: metric(await text(`${again.base}/metrics`), "kamiyo_stream_batches_total"),
      }),
      (s) => s.batches > 0 && s.lag.pending === 0,
    );
    expect(caughtUp.batches).toBeGreaterThan(0);
    expect(caughtUp.lag.pending).toBe(0);
  });
});
