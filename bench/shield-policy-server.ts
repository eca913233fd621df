/**
 * The HTTP API serving Shield's policy check, as a benchmark child process: buildApi with the
 * Shield module over an existing, migrated and seeded database. Arguments: `pglite <dataDir>` or
 * `postgres <url> <schema>`. Listens on 127.0.0.1:0, reports `{type: "listening", port}` and
 * `{type: "cpu", usage}` on `{cmd: "cpu"}`; exits on `{cmd: "exit"}`.
 */
import { apiConfig, buildApi, FindingFeed, pluginCatalog } from "@kamiyo/api";
import { SystemClock, silentLogger } from "@kamiyo/core";
import { type Db, DEFAULT_TENANT_ID, PgliteDb, PostgresDb } from "@kamiyo/db";
import { monitorConfig } from "@kamiyo/hyperliquid";
import { shieldModule } from "@kamiyo/shield/module";

const [kind, target, schema] = process.argv.slice(2) as [string, string, string | undefined];
const db: Db =
  kind === "postgres"
    ? await PostgresDb.open({ url: target, schema })
    : await PgliteDb.open(target);
const clock = new SystemClock();
/** Rate limits would turn most benchmark requests into 429s: raised far above the load. */
const RATE_LIMIT = 1_000_000_000;
const config = apiConfig.parse({
  host: "127.0.0.1",
  port: 0,
  rateLimitPerIp: RATE_LIMIT,
  rateLimitPerKey: RATE_LIMIT,
  maxConnectionsPerIp: 0,
  planLimits: false,
});
const { app } = await buildApi(
  {
    db,
    log: silentLogger,
    clock,
    tenantId: DEFAULT_TENANT_ID,
    monitor: null,
    monitorConfig: monitorConfig.parse({}),
    plan: "open_source",
    feed: new FindingFeed(),
    version: "bench",
    startedAt: clock.now(),
    modules: shieldModule.api ? [shieldModule.api] : [],
    monitoredChains: [],
    plugins: pluginCatalog({ sources: {}, detectors: {} } as never),
  },
  config,
);
await app.listen({ host: config.host, port: 0 });
const address = app.server.address();
process.send?.({
  type: "listening",
  port: typeof address === "object" && address ? address.port : 0,
});
process.on("message", async (m: { cmd: string }) => {
  if (m.cmd === "cpu") process.send?.({ type: "cpu", usage: process.cpuUsage() });
  if (m.cmd === "exit") {
    await app.close();
    await db.close();
    process.exit(0);
  }
});
