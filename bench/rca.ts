/**
 * The RCA benchmark: the graph builder's throughput (Kubernetes watch events applied to a
 * tenant's graph, as the tenant, in batches of 500) and the RCA query's latency on the graph it
 * built. The cluster is generated: `deployments` Deployments, each with a ReplicaSet, a Service
 * and `podsPer` pods spread over 50 nodes, in the shapes the API server sends.
 */
import { tenantDb } from "@kamiyo/db";
import { applyWatchBatch, loadRcaInput, rankCandidates } from "@kamiyo/rca";
import { rcaMigrations } from "@kamiyo/rca/module";
import { openBenchDb } from "./bench-db.ts";

type Row = [string, string, string];
const fmt = (n: number) => Math.round(n).toLocaleString("en-US");
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
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    for (let i = 0; i < events.length; i += 500)
      await applyWatchBatch(tdb, events.slice(i, i + 500), new Date());
    const wallS = (performance.now() - t0) / 1000;
    const cpu = process.cpuUsage(cpu0);
    const cpuS = (cpu.user + cpu.system) / 1e6;
    rows.push([
      `RCA graph builder: ${fmt(events.length)} watch events (${storage})`,
      `${fmt(events.length / wallS)} events/s`,
      `a generated cluster (${fmt(deployments)} Deployments with a ReplicaSet, a Service and ${podsPer} pods each, 50 nodes) applied as the tenant in batches of 500 in ${wallS.toFixed(1)} s; this process's CPU ${cpuS.toFixed(1)} s (${fmt(events.length / cpuS)} events per CPU-second, the database's own CPU${kind === "postgres" ? " not included" : " included: PGlite runs in the process"})`,
    ]);
    const times: number[] = [];
    const symptom = { from: Date.now() - 600_000, to: Date.now(), service: "svc-0" };
    for (let i = 0; i < 20; i++) {
      const t = performance.now();
      const { input } = await loadRcaInput(tdb, symptom);
      rankCandidates(input);
      times.push(performance.now() - t);
    }
    times.sort((a, b) => a - b);
    rows.push([
      `RCA query on a ${fmt(events.length)}-object graph (${storage})`,
      `p50 ${fmt(times[10] ?? 0)} ms, p99 ${fmt(times[19] ?? 0)} ms`,
      "20 queries (load the tenant's live graph and events of the window, rank); no metric series stored yet, so the ranking has the graph and its events only",
    ]);
    await cleanup();
  }
  return rows;
}
