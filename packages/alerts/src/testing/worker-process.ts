/**
 * A delivery worker in its own process, for the crash test: `pglite <dataDir>` or
 * `postgres <url> <schema>`. Reports `{type: "started"}` over IPC; on `{cmd: "pending"}` answers
 * `{type: "pending", n}`, the deliveries not yet delivered; on `{cmd: "exit"}` stops cleanly (the
 * test also kills it with SIGKILL mid-burst).
 */
import { SystemClock, silentLogger } from "@kamiyo/core";
import { type Db, PgliteDb, PostgresDb } from "@kamiyo/db";
import { Alerting } from "../alerting.ts";
import { routingConfig } from "../routing/routing-config.ts";

const [kind, target, schema] = process.argv.slice(2) as [string, string, string | undefined];
const db: Db =
  kind === "postgres"
    ? await PostgresDb.open({ url: target, schema, poolSize: 4 })
    : await PgliteDb.open(target);
const alerting = new Alerting(
  { db, clock: new SystemClock(), log: silentLogger, secrets: null },
  {
    routing: routingConfig.parse({}),
    delivery: {
      batchSize: 20,
      concurrency: 8,
      leaseMs: 1_000,
      pollMs: 20,
      retrySchedule: [200, 200, 200],
      disableAfterMs: 3_600_000,
      timeoutMs: 500,
      allowLoopbackHttp: true,
    },
    flushEveryMs: 1_000,
  },
);
alerting.start();
process.send?.({ type: "started" });
process.on("message", async (m: { cmd: string }) => {
  if (m.cmd === "pending") {
    const [row] = await db.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM deliveries WHERE status <> 'delivered'",
    );
    process.send?.({ type: "pending", n: row?.n });
    return;
  }
  if (m.cmd !== "exit") return;
  await alerting.stop();
  await db.close();
  process.exit(0);
});
// A test that failed or stopped leaves no worker behind.
process.on("disconnect", () => process.exit(1));
