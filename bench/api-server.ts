/**
 * The HTTP API under benchmark, run as a child process, composed as `kamiyo serve --role api,deliver`
 * composes it (buildApi over the given database, a FindingFeed) but with the feed driven over IPC
 * instead of by polling. Arguments: `pglite <dataDir>` (an existing, seeded data directory) or
 * `postgres <url> <schema>` (a seeded schema, first on the search path), then the response cache's
 * lifetime in ms (0: off), then `plan-limits` or `no-plan-limits` (API_PLAN_LIMITS). The default
 * tenant is on cloud_enterprise, whose API calls are metered but have no daily quota (the load
 * would use up open_source's 100,000 in a minute). On `{cmd: "usage"}` reports the API calls
 * metered so far, `{type: "usage", calls}` (after the meter's next flush). Listens on 127.0.0.1:0 and reports `{type: "listening", port}`; on
 * `{cmd: "publish"}` publishes one new finding through the feed and reports
 * `{type: "published", id, at}`; on `{cmd: "key"}` creates a tenant and reports its owner key
 * `{type: "key", key}` (from then on every request needs a key);, `at` being the epoch ms (sub-ms precision) just before
 * `feed.publish` was called; on `{cmd: "writes", everyMs}` writes a new finding every `everyMs`
 * (0: stops) as the monitor does (stored, then the feed told), and reports `{type: "writes",
 * written}`, the findings written so far.
 */
import { apiConfig, buildApi, FindingFeed, pluginCatalog } from "@kamiyo/api";
import { subscribe } from "@kamiyo/billing";
import { type Finding, SystemClock, silentLogger } from "@kamiyo/core";
import { type Db, DEFAULT_TENANT_ID, PgliteDb, PostgresDb, upsertFindings } from "@kamiyo/db";
import { MONITOR_PLUGINS, MONITORED_CHAINS, monitorConfig } from "@kamiyo/hyperliquid";
import { hyperliquidApi } from "@kamiyo/hyperliquid/api";
import { intelApi } from "@kamiyo/intel/api";
import { createTenant } from "@kamiyo/tenancy";

const args = process.argv.slice(2);
const kind = args[0] as "pglite" | "postgres";
const target = args[1] as string;
const schema = kind === "postgres" ? args[2] : undefined;
const responseCacheMs = Number(args.at(-2));
const planLimits = args.at(-1) === "plan-limits";
const db: Db =
  kind === "postgres"
    ? await PostgresDb.open({ url: target, schema })
    : await PgliteDb.open(target);
const clock = new SystemClock();
const feed = new FindingFeed();
/** Rate limits would turn most benchmark requests into 429s: raised far above the load. */
const RATE_LIMIT = 1_000_000_000;
const config = apiConfig.parse({
  host: "127.0.0.1",
  port: 0,
  rateLimitPerIp: RATE_LIMIT,
  rateLimitPerKey: RATE_LIMIT,
  // 1,000 stream clients and the load generator all connect from 127.0.0.1.
  maxConnectionsPerIp: 0,
  responseCacheMs,
  planLimits,
});
await subscribe(db, {
  tenantId: DEFAULT_TENANT_ID,
  planId: "cloud_enterprise",
  nowMs: clock.now(),
});
const { app, hub } = await buildApi(
  {
    db,
    log: silentLogger,
    clock,
    tenantId: DEFAULT_TENANT_ID,
    monitor: null,
    monitorConfig: monitorConfig.parse({}),
    plan: "open_source",
    feed,
    version: "bench",
    startedAt: clock.now(),
    modules: [hyperliquidApi, intelApi],
    monitoredChains: MONITORED_CHAINS,
    plugins: pluginCatalog(MONITOR_PLUGINS),
  },
  config,
);
await app.listen({ host: config.host, port: 0 });
const address = app.server.address();
process.send?.({
  type: "listening",
  port: typeof address === "object" && address ? address.port : 0,
  rateLimitPerIp: RATE_LIMIT,
});

/** A new finding as the oracle detector raises it. */
function newFinding(seq: number): Finding {
  const now = Date.now();
  return {
    id: `fnd_${(now - 30_000).toString(36).padStart(9, "0")}${seq.toString(16).padStart(12, "0")}`,
    tenantId: DEFAULT_TENANT_ID,
    detector: "oracle",
    kind: "deviation",
    subject: { type: "asset", id: "ETH" },
    key: "",
    severity: "high",
    status: "open",
    title: "ETH mark 1.42% above oracle for 30 s",
    evidence: {
      deviationPct: 1.4213,
      signedDeviationPct: 1.4213,
      pair: "mark-oracle",
      bandPct: 1,
      sustainedMs: 30_000,
      peakPct: 1.5002,
      markPx: 3_412.5,
      oraclePx: 3_364.7,
      midPx: 3_412.4,
      binancePx: 3_365.1,
      coinbaseUsdPx: 3_364.2,
      usdtUsd: 1.0002,
      hyperp: false,
    },
    firstDataAt: now - 30_000,
    dataAt: now,
    detectedAt: now,
    updatedAt: now,
    resolvedAt: null,
    occurrences: 1,
  };
}

let seq = 0;
let written = 0;
let writer: NodeJS.Timeout | undefined;
/** One finding stored, then announced, in the order the monitor's store and feed do it. */
async function writeOne(): Promise<void> {
  const finding = newFinding(++seq);
  await upsertFindings(db, [finding]);
  written++;
  feed.written();
  feed.publish({ change: "opened", finding });
}

process.on("message", async (m: { cmd: string; everyMs?: number }) => {
  if (m.cmd === "writes") {
    clearInterval(writer);
    if (m.everyMs) writer = setInterval(() => void writeOne(), m.everyMs);
    process.send?.({ type: "writes", written });
  }
  if (m.cmd === "key") {
    // The first key of the install: from now on every request needs one.
    // On cloud_enterprise, as the default tenant: metered, no daily quota for the load to use up.
    const { key } = await createTenant(db, {
      name: "bench",
      plan: "cloud_enterprise",
      actor: "bench",
      nowMs: Date.now(),
    });
    process.send?.({ type: "key", key });
  }
  if (m.cmd === "usage") {
    await new Promise((r) => setTimeout(r, 1_500));
    const [row] = await db.query<{ calls: string }>(
      "SELECT coalesce(sum(value), 0)::text AS calls FROM usage_events WHERE meter = 'api_calls'",
    );
    process.send?.({ type: "usage", calls: Number(row?.calls ?? 0) });
  }
  if (m.cmd === "cpu") process.send?.({ type: "cpu", usage: process.cpuUsage() });
  if (m.cmd === "clients") process.send?.({ type: "clients", clients: hub.clients });
  if (m.cmd === "publish") {
    const finding = newFinding(++seq);
    const at = performance.timeOrigin + performance.now();
    feed.publish({ change: "opened", finding });
    process.send?.({ type: "published", id: finding.id, at });
  }
  if (m.cmd === "exit") {
    clearInterval(writer);
    await app.close();
    await db.close();
    process.exit(0);
  }
});
