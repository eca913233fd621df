/**
 * Alerting under benchmark, in its own process, composed as `kamiyo serve` composes it (the
 * router in the findings' transaction, the delivery worker woken on commit) with the default
 * delivery settings. Arguments: `pglite <dataDir>` or `postgres <url> <schema>`. Commands over IPC:
 * `start` (the worker starts draining), `pending` (deliveries not yet delivered), `raise` (one new
 * critical finding stored and routed in one transaction, as the monitor's store does; replies with
 * the epoch ms just after the commit), `cpu`, `exit`.
 */
import { Alerting, alertsConfig, deliveryOptions } from "@kamiyo/alerts";
import { type Finding, SystemClock, silentLogger } from "@kamiyo/core";
import { type Db, DEFAULT_TENANT_ID, PgliteDb, PostgresDb, upsertFindings } from "@kamiyo/db";

const [kind, target, schema] = process.argv.slice(2) as [string, string, string | undefined];
const db: Db =
  kind === "postgres"
    ? await PostgresDb.open({ url: target, schema })
    : await PgliteDb.open(target);
const c = alertsConfig.parse({});
const alerting = new Alerting(
  { db, clock: new SystemClock(), log: silentLogger, secrets: null },
  {
    // The latency run raises one finding per subject: grouping and storms do not hold them back.
    routing: { ...c, groupWindowMs: 0, stormThreshold: 1_000_000, dailyCap: 1_000_000 },
    delivery: deliveryOptions(c, { allowLoopbackHttp: false }),
    flushEveryMs: 1_000,
  },
);

function finding(seq: number): Finding {
  const now = Date.now();
  return {
    id: `fnd_${now.toString(36).padStart(9, "0")}${seq.toString(16).padStart(12, "0")}`,
    tenantId: DEFAULT_TENANT_ID,
    detector: "liquidations",
    kind: "backstop",
    subject: { type: "asset", id: `COIN${seq}` },
    key: String(seq),
    severity: "critical",
    status: "open",
    title: `COIN${seq} position of $4.2M taken over by the HLP liquidator`,
    evidence: { notionalUsd: 4_200_000, px: 1915, size: 2193, method: "backstop" },
    firstDataAt: now,
    dataAt: now,
    detectedAt: now,
    updatedAt: now,
    resolvedAt: null,
    occurrences: 1,
  };
}

let seq = 0;
process.on("message", async (m: { cmd: string }) => {
  if (m.cmd === "start") {
    alerting.start();
    process.send?.({ type: "started" });
  }
  if (m.cmd === "pending") {
    const [row] = await db.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM deliveries WHERE status <> 'delivered'",
    );
    process.send?.({ type: "pending", n: row?.n ?? -1 });
  }
  if (m.cmd === "raise") {
    const f = finding(++seq);
    await db.transaction(async (tx) => {
      await upsertFindings(tx, [f]);
      await alerting.afterFindings(tx, [f]);
    });
    const at = performance.timeOrigin + performance.now();
    alerting.wake();
    process.send?.({ type: "raised", id: f.id, at });
  }
  if (m.cmd === "cpu") process.send?.({ type: "cpu", usage: process.cpuUsage() });
  if (m.cmd === "exit") {
    await alerting.stop();
    await db.close();
    process.exit(0);
  }
});
process.send?.({ type: "ready" });
process.on("disconnect", () => process.exit(1));
