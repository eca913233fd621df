import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { DeliveryWorkerStats } from "@kamiyo/alerts";
import { Metrics } from "@kamiyo/api";
import { type Clock, describeError, type Logger } from "@kamiyo/core";
import type { Db } from "@kamiyo/db";
import type { Monitor } from "@kamiyo/monitor";
import { Counter, Gauge } from "prom-client";

/** A worker's own state for `/ready` (beside the database) and its figures for `/metrics`. */
export interface WorkerProbe {
  /** Null when ready; else why not (NATS away, publishing failing). */
  notReady(): string | null;
  /** Adds the worker's own series to the registry. */
  register(metrics: Metrics): void;
}

/**
 * What a process without the API serves (`serve --role ingest|detect|deliver`), on API_HOST:
 * API_PORT, for its orchestrator and Prometheus: `/health` (the process answers), `/ready` (the
 * database answers within 2 s and the worker says it is ready: 503 otherwise, with why) and
 * `/metrics` (the process, the database pool, its pipeline's figures when it runs one, and the
 * worker's own). Nothing else: a worker serves no data.
 */
export async function startProbeServer(opts: {
  host: string;
  port: number;
  db: Db;
  clock: Clock;
  monitor: Monitor | null;
  /** The delivery worker's counters, in a process that delivers. */
  deliveryStats?: () => DeliveryWorkerStats;
  roles: readonly string[];
  version: string;
  probes: readonly WorkerProbe[];
  log: Logger;
}): Promise<{ where: string; close(): Promise<void> }> {
  const metrics = new Metrics(
    {
      monitor: opts.monitor,
      db: opts.db,
      clock: opts.clock,
      log: opts.log,
      deliveryStats: opts.deliveryStats,
    },
    { streamClients: () => 0, cacheLookups: () => ({}) },
  );
  if (opts.monitor) {
    const findings = metrics.findings;
    opts.monitor.onChange((c) =>
      findings.inc({
        detector: c.finding.detector,
        severity: c.finding.severity,
        change: c.change,
      }),
    );
  }
  for (const p of opts.probes) p.register(metrics);
  const started = opts.clock.now();
  const json = (status: number, body: unknown) => ({ status, body: JSON.stringify(body) });
  const answer = async (path: string): Promise<{ status: number; body: string; type?: string }> => {
    if (path === "/health")
      return json(200, {
        status: "ok",
        version: opts.version,
        roles: opts.roles,
        uptimeS: Math.round((opts.clock.now() - started) / 1000),
      });
    if (path === "/ready") {
      let database: string | null = null;
      try {
        await Promise.race([
          opts.db.query("SELECT 1"),
          new Promise<never>((_, reject) =>
            setTimeout(() => reject(new Error("no answer within 2 s")), 2_000).unref(),
          ),
        ]);
      } catch (err) {
        database = describeError(err);
      }
      const workers = opts.probes.map((p) => p.notReady()).filter((w) => w !== null);
      const ready = database === null && workers.length === 0;
      return json(ready ? 200 : 503, {
        ready,
        roles: opts.roles,
        database: { ok: database === null, error: database },
        notReady: workers,
      });
    }
    if (path === "/metrics")
      return {
        status: 200,
        body: await metrics.registry.metrics(),
        type: metrics.registry.contentType,
      };
    return json(404, { error: { code: "not_found", message: `no route ${path} on a worker` } });
  };
  const server: Server = createServer((req, res) => {
    if (req.method !== "GET" && req.method !== "HEAD") {
      res.writeHead(405, { allow: "GET, HEAD" }).end();
      return;
    }
    answer(new URL(req.url ?? "/", "http://worker").pathname).then(
      (a) => {
        res.writeHead(a.status, { "content-type": a.type ?? "application/json; charset=utf-8" });
        res.end(req.method === "HEAD" ? undefined : a.body);
      },
      (err) => {
        opts.log.error({ err: describeError(err) }, "probe failed");
        res.writeHead(500).end();
      },
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port, opts.host, () => resolve());
  });
  const address = server.address() as AddressInfo;
  const where = `http://${address.address}:${address.port}`;
  opts.log.info(
    { url: where, roles: opts.roles },
    `serving on ${where} (probes only: /health, /ready, /metrics)`,
  );
  return {
    where,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A counter read from `read()` at each scrape, in `metrics`' registry. */
export function scrapedCounter(
  metrics: Metrics,
  name: string,
  help: string,
  read: () => number,
): void {
  new Counter({
    name,
    help,
    registers: [metrics.registry],
    collect() {
      this.reset();
      this.inc(read());
    },
  });
}

/** A gauge read from `read()` at each scrape, in `metrics`' registry. */
export function scrapedGauge(
  metrics: Metrics,
  name: string,
  help: string,
  read: () => number | null,
): void {
  new Gauge({
    name,
    help,
    registers: [metrics.registry],
    collect() {
      const v = read();
      if (v !== null) this.set(v);
    },
  });
}
