/**
 * The RCA benchmark: the graph builder's throughput (Kubernetes watch events published to the
 * in-process ingest bus, consumed in batches and applied to a tenant's graph as the tenant) with
 * the CPU it took, this process's and, on PostgreSQL, the server backends' doing the work; and the
 * RCA query's latency on the graph it built. The cluster is generated: `deployments` Deployments,
 * each with a ReplicaSet, a Service and `podsPer` pods spread over 50 nodes and 20 namespaces, in
 * the shapes the API server sends.
 */
import { silentLogger } from "@kamiyo/core";
import { type Db, tenantDb } from "@kamiyo/db";
import { loadRcaInput, rankCandidates, startGraphBuilder } from "@kamiyo/rca";
import { rcaMigrations } from "@kamiyo/rca/module";
import { MemoryBus } from "@kamiyo/rca/streams";
import { openBenchDb } from "./bench-db.ts";
import { processTicks } from "./cpu-split.ts";
import { recordIncidents } from "./rca-incidents.ts";
import { memoryPerTenant, peakHeap, TENANT_SHAPE } from "./rca-memory.ts";

type Row = [string, string, string];
const fmt = (n: number) => Math.round(n).toLocaleString("en-US");
const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(1)} MiB`;
const TENANT = "ten_bench_rca";

/** The watch events of a generated cluster: nodes, then per deployment its objects and pods. */
function cluster(deployments: number, podsPer: number): unknown[] {
  const events: unknown[] = [];
  let rv = 1000;
  const add = (object: Record<string, unknown>) =>
    events.push({
      type: "ADDED",
      object: {
        ...object,
        metadata: { ...(object.metadata as object), resourceVersion: String(++rv) },
      },
    });
  for (let n = 0; n < 50; n++)
    add({ apiVersion: "v1", kind: "Node", metadata: { name: `node-${n}`, uid: `node-${n}` } });
  for (let d = 0; d < deployments; d++) {
    const app = `svc-${d}`;
    const ns = `ns-${d % 20}`;
    const rs = `${app}-5d8f7c9b6`;
    add({
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: { name: app, namespace: ns, uid: `d-${d}` },
      spec: { selector: { matchLabels: { app } } },
    });
    add({
      apiVersion: "apps/v1",
      kind: "ReplicaSet",
      metadata: {
        name: rs,
        namespace: ns,
        uid: `rs-${d}`,
        ownerReferences: [
          { apiVersion: "apps/v1", kind: "Deployment", name: app, uid: `d-${d}`, controller: true },
        ],
      },
    });
    add({
      apiVersion: "v1",
      kind: "Service",
      metadata: { name: app, namespace: ns, uid: `s-${d}` },
      spec: { selector: { app } },
    });
    for (let p = 0; p < podsPer; p++)
      add({
        apiVersion: "v1",
        kind: "Pod",
        metadata: {
          name: `${rs}-${p.toString(36).padStart(5, "x")}`,
          namespace: ns,
          uid: `p-${d}-${p}`,
          labels: { app, "pod-template-hash": "5d8f7c9b6" },
          ownerReferences: [
            {
              apiVersion: "apps/v1",
              kind: "ReplicaSet",
              name: rs,
              uid: `rs-${d}`,
              controller: true,
            },
          ],
        },
        spec: {
          nodeName: `node-${(d * podsPer + p) % 50}`,
          containers: [{ name: "app", image: `shop/${app}:1` }],
        },
        status: { phase: "Running" },
      });
  }
  return events;
}

/** Messages an agent publishes at once, and the builder's batch size (the bus's default). */
const PUBLISH = 500;

/**
 * The CPU seconds the PostgreSQL backends of `db`'s connections have used, as a function to call
 * before and after; null when they cannot be read (a server on another machine, no /proc). The
 * pool's connections are all opened first, by as many queries at once.
 */
async function backendCpu(db: Db, connections: number): Promise<(() => number) | null> {
  const rows = await Promise.all(
    Array.from({ length: connections }, () =>
      db.query<{ pid: number }>("SELECT pg_backend_pid() AS pid, pg_sleep(0.05)"),
    ),
  );
  const pids = [...new Set(rows.map((r) => r[0]?.pid ?? 0))];
  const read = () => pids.reduce((sum, pid) => sum + processTicks(pid), 0) / 100;
  return read() > 0 ? read : null;
}

export async function rcaBench(opts: {
  databaseUrl: string | undefined;
  kinds: Set<string>;
  objects: number;
}): Promise<Row[]> {
  const rows: Row[] = [];
  const podsPer = 8;
  const deployments = Math.max(1, Math.round(opts.objects / (podsPer + 3)));
  const events = cluster(deployments, podsPer);
  for (const kind of ["postgres", "pglite"] as const) {
    if (!opts.kinds.has(kind) || (kind === "postgres" && !opts.databaseUrl)) continue;
    const {
      db,
      storage,
      close: cleanup,
    } = await openBenchDb("rca", kind === "postgres" ? opts.databaseUrl : undefined, [
      rcaMigrations,
    ]);
    await db.query("INSERT INTO tenants (id, name) VALUES ($1, $1)", [TENANT]);
    const tdb = tenantDb(db, TENANT);
    const serverCpu = kind === "postgres" ? await backendCpu(db, 2) : null;
    const bus = new MemoryBus({ capacity: events.length });
    const server0 = serverCpu?.() ?? 0;
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    const builder = startGraphBuilder(bus, db, { log: silentLogger });
    for (let i = 0; i < events.length; i += PUBLISH)
      await bus.publish(
        TENANT,
        "state.k8s.resource",
        events.slice(i, i + PUBLISH).map((body, j) => ({ id: `w${i + j}`, body })),
      );
    while (builder.stats().objects < events.length) await new Promise((r) => setTimeout(r, 2));
    const wallS = (performance.now() - t0) / 1000;
    const cpu = process.cpuUsage(cpu0);
    const ownS = (cpu.user + cpu.system) / 1e6;
    const serverS = serverCpu ? serverCpu() - server0 : 0;
    const { batches, malformed } = builder.stats();
    await builder.stop();
    const perCore = (s: number) => `${fmt(events.length / s)} events per CPU-second`;
    const cpuNote =
      kind === "postgres"
        ? serverCpu
          ? `CPU: this process ${ownS.toFixed(1)} s (${perCore(ownS)}), the PostgreSQL backends ${serverS.toFixed(1)} s, both ${(ownS + serverS).toFixed(1)} s (${perCore(ownS + serverS)})`
          : `CPU: this process ${ownS.toFixed(1)} s (${perCore(ownS)}); the server's not readable here`
        : `CPU: this process ${ownS.toFixed(1)} s, PGlite included (${perCore(ownS)})`;
    rows.push([
      `RCA graph builder: ${fmt(events.length)} watch events (${storage})`,
      `${fmt(events.length / wallS)} events/s`,
      `a generated cluster (${fmt(deployments)} Deployments with a ReplicaSet, a Service and ${podsPer} pods each, 50 nodes, 20 namespaces) published to the in-process ingest bus ${PUBLISH} at a time and applied by the graph builder as the tenant in ${batches} batches (${malformed} refused) in ${wallS.toFixed(1)} s; ${cpuNote}`,
    ]);
    const now = Date.now() + 1000;
    const incidentEvents = await recordIncidents(tdb, now, deployments, podsPer);
    const times: number[] = [];
    const symptom = { from: now - 600_000, to: now, service: "svc-0" };
    for (let i = 0; i < 20; i++) {
      const t = performance.now();
      const { input } = await loadRcaInput(tdb, symptom);
      rankCandidates(input);
      times.push(performance.now() - t);
    }
    times.sort((a, b) => a - b);
    const { peak, result: size } = await peakHeap(async () => {
      const { input } = await loadRcaInput(tdb, symptom);
      rankCandidates(input);
      return { resources: input.resources.length, relations: input.relations.length };
    });
    rows.push([
      `RCA query on a ${fmt(events.length)}-object graph (${storage})`,
      `p50 ${fmt(times[10] ?? 0)} ms, p99 ${fmt(times[19] ?? 0)} ms; peak heap ${mib(peak)}`,
      `20 queries (load the neighbourhood of the window's events and the symptom's service, rank) for a ten-minute window on svc-0 with three incidents in it (a node NotReady, a rollout whose pods crash loop, latency anomalies and error bursts on svc-0) and an hour's background before it, ${fmt(incidentEvents)} stored events; the input read ${fmt(size.resources)} resources and ${fmt(size.relations)} relations; peak heap: the JS heap's highest (sampled each ms) during one more query above the heap before it${kind === "pglite" ? " (PGlite's own memory is WebAssembly memory, not counted)" : ""}`,
    ]);
    await cleanup();
  }
  const tenants = 2;
  const { bytes, seconds } = memoryPerTenant(tenants);
  const { series, scrapeS, minutes, logPods } = TENANT_SHAPE;
  rows.push([
    "RCA memory per tenant",
    mib(bytes),
    `the runtime state a tenant holds between requests, after a full GC: a streaming anomaly detector with ${fmt(series)} series fed every ${scrapeS} s for ${minutes} minutes (each series' ring holds 512 samples, preallocated) and a log-burst aggregator with ${fmt(logPods * 2)} open pod-minutes of error lines; ${tenants} tenants' state held in a map (as RcaRuntime holds them), the heap and array buffers after GC minus before, divided by ${tenants} (filling took ${seconds.toFixed(1)} s)`,
  ]);
  return rows;
}
