/**
 * `npm run bench`: pipeline throughput, detection latency under load, replay memory and the HTTP
 * API under load, each in fresh child processes, printed as a markdown table with the machine it
 * ran on; `ml` compares the Isolation Forest with scikit-learn's (bench/ml.ts), `shield` times the
 * lifetime-value fits and batch predictions (bench/shield.ts), SyncValue over gRPC on loopback
 * (bench/shield-grpc.ts), SyncFlow's bids end to end on loopback (bench/shield-syncflow.ts), the
 * audit trail's appends and verification (bench/shield-audit.ts; PostgreSQL too with
 * --database-url), its outcome billing's sums and a month billed from a 100,000-record trail
 * (bench/shield-billing.ts), and the policy check (bench/shield-policy.ts: evaluation in process,
 * group-committed checks, POST /shield/checks).
 * Options: --only throughput|latency|memory|api|alerts|intel|ml|rca|shield|scaleout (repeatable),
 * --frames N (throughput frames; scaleout: frames flooded, default 100,000), --deliveries N (alerts: outbox size, default 20,000);
 * for api: --database-url URL (PostgreSQL; default $BENCH_DATABASE_URL, without either only the
 * embedded database is measured), --api-db postgres|pglite (repeatable; default both),
 * --findings N (default 1,000,000), --seconds N (each autocannon run, default 10), --cpu-prof DIR
 * (write a V8 CPU profile of each API process to DIR), --api-part
 * health|events|stream|exploits|auth|metering
 * (repeatable; default all), --incidents N (default 100,000), --rca-objects N (rca: the generated
 * cluster's objects, default 20,000).
 */
import type { ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { cpus, tmpdir, totalmem } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { type Db, describeUrl, migrate, PgliteDb, PostgresDb } from "@kamiyo/db";
import { alertsBench } from "./alerts.ts";
import type { HttpResult } from "./api-load.ts";
import { variedPaths } from "./api-paths.ts";
import { buildBusyMarket } from "./busy-market.ts";
import { CLI_NODE_FLAGS, next, percentile, start } from "./children.ts";
import { cpuSnapshot, cpuSplit } from "./cpu-split.ts";
import { intelBench } from "./intel.ts";
import { mlBench } from "./ml.ts";
import { rcaBench } from "./rca.ts";
import { scaleOutBench } from "./scale-out.ts";
import { shieldBench } from "./shield.ts";
import { shieldAuditBench } from "./shield-audit.ts";
import { shieldBillingBench } from "./shield-billing.ts";
import { shieldGrpcBench } from "./shield-grpc.ts";
import { shieldPolicyBench } from "./shield-policy.ts";
import { shieldSyncflowBench } from "./shield-syncflow.ts";

const here = (f: string) => fileURLToPath(new URL(f, import.meta.url));
const { values } = parseArgs({
  options: {
    only: { type: "string", multiple: true },
    frames: { type: "string" },
    "database-url": { type: "string" },
    "api-db": { type: "string", multiple: true },
    findings: { type: "string" },
    seconds: { type: "string" },
    "cpu-prof": { type: "string" },
    "api-part": { type: "string", multiple: true },
    deliveries: { type: "string" },
    incidents: { type: "string" },
    "rca-objects": { type: "string" },
  },
});
const only = new Set(
  values.only ?? [
    "throughput",
    "latency",
    "memory",
    "api",
    "alerts",
    "intel",
    "ml",
    "rca",
    "shield",
    "scaleout",
  ],
);
const rows: [string, string, string][] = [];

async function pipeline(): Promise<void> {
  const server = start("hl-server.ts", []);
  const { port } = await next<{ port: number }>(server, "listening");
  if (only.has("throughput")) {
    const total = Number(values.frames ?? 500_000);
    const monitor = start("monitor-process.ts", [String(port)]);
    await next(monitor, "ready");
    const result = next<{
      framesPerSecond: number;
      cpuCores: number;
      dropped: number;
      wallMs: number;
      maxRssMb: number;
    }>(monitor, "throughput");
    monitor.send({ cmd: "measureThroughput", total });
    server.send({ cmd: "flood", total });
    const r = await result;
    rows.push([
      "Pipeline throughput, raw WebSocket trades frames → detectors (1 process)",
      `${Math.round(r.framesPerSecond).toLocaleString("en-US")} frames/s`,
      `${total.toLocaleString("en-US")} frames (1–3 trades each) in ${(r.wallMs / 1000).toFixed(1)} s; ${r.cpuCores.toFixed(2)} cores busy; ${r.dropped} dropped; peak RSS ${Math.round(r.maxRssMb)} MB`,
    ]);
    monitor.send({ cmd: "exit" });
  }
  if (only.has("latency")) {
    for (const rate of [0, 25_000]) {
      const monitor = start("monitor-process.ts", [String(port)]);
      await next(monitor, "ready");
      server.send({ cmd: "paced", rate, seconds: 20, fillEveryMs: 20 });
      const { fills } = await next<{ fills: number }>(server, "paced");
      await new Promise((r) => setTimeout(r, 500));
      monitor.send({ cmd: "latencies" });
      const { values: lat } = await next<{ values: number[] }>(monitor, "latencies");
      const sorted = [...lat].sort((a, b) => a - b);
      rows.push([
        `Detection latency, liquidator fill sent → finding emitted${rate ? `, with ${rate.toLocaleString("en-US")} trades frames/s alongside` : ", idle"}`,
        `p50 ${percentile(sorted, 50)} ms, p99 ${percentile(sorted, 99)} ms`,
        `${sorted.length} of ${fills} fills measured; max ${sorted.at(-1)} ms (wall-clock ms across processes)`,
      ]);
      monitor.send({ cmd: "exit" });
    }
  }
  server.send({ cmd: "exit" });
}

async function memory(): Promise<void> {
  const dir = here("../fixtures/scenarios/.bench/");
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const name = ".bench/busy-market-1h.ndjson.gz";
  const built = buildBusyMarket(name);
  const file = here(`../fixtures/scenarios/${name}`);
  // An initialised data directory, reopened by the child as `kamiyo monitor` does after its first start.
  const dataDir = `${dir}data`;
  await (await PgliteDb.open(dataDir)).close();
  for (const storage of ["none", "pglite"] as const) {
    const child = start("replay-process.ts", [file, storage, dataDir]);
    const r = await next<{
      realMs: number;
      virtualMs: number;
      maxRssMb: number;
      maxHeapMb: number;
      rssAfterDbOpenMb: number;
    }>(child, "replayed");
    rows.push([
      storage === "none"
        ? "Memory, one-hour busy-market replay, pipeline alone (kamiyo replay; kamiyo monitor with DATABASE_URL)"
        : "Memory, the same with the embedded database (a reopened data directory, as kamiyo monitor runs)",
      `peak RSS ${Math.round(r.maxRssMb)} MB`,
      `${built.frames.toLocaleString("en-US")} trades frames + market data over ${(r.virtualMs / 60_000).toFixed(0)} min replayed in ${(r.realMs / 1000).toFixed(0)} s; peak JS heap ${Math.round(r.maxHeapMb)} MB${storage === "pglite" ? `; ${Math.round(r.rssAfterDbOpenMb)} MB resident once the database was open` : ""}`,
    ]);
  }
  rmSync(dir, { recursive: true, force: true });
}

/**
 * `count` findings over the last 90 days in one INSERT ... SELECT: the four detectors' kinds in
 * realistic proportions, 40 coins (skewed towards the majors), HLP vaults and 20,000 accounts as
 * subjects, severities from info (25%) to critical (5%), evidence shaped like each detector's,
 * millisecond times, resolved except about half of the last six hours, inserted in detection
 * order as a running monitor writes them. Deterministic: the session's random seed is fixed.
 */
const SEED_FINDINGS = `INSERT INTO findings (tenant_id, id, detector, kind, subject_type, subject, instance_key, severity,
  status, title, evidence, first_data_at, data_at, detected_at, updated_at, resolved_at, occurrences)
SELECT 'ten_default',
  'fnd_' || lpad(to_hex((extract(epoch FROM s.detected_at) * 1000)::bigint - (s.r3 * 300000)::bigint), 11, '0')
    || substr(md5(s.g::text), 1, 12),
  k.detector, k.kind, k.subject_type,
  CASE k.subject_type
    WHEN 'asset' THEN s.coin
    WHEN 'vault' THEN (ARRAY['0xdfc24b077bc1425ad1dea75bcb6f8158e10df303', '0x010461c14e146ac35fe42271bdc1134ee31c703a', '0x31ca8395cf837de08b24da3f660e77761dfb974b', '0x2e3d94f0562703b25c83308a05046ddaf9a8dd14'])[1 + (s.g % 4)]
    WHEN 'user' THEN '0x' || md5('user' || (s.g % 20000)) || substr(md5('u' || (s.g % 20000)), 1, 8)
    ELSE 'all'
  END,
  CASE WHEN k.kind IN ('large-liquidation', 'backstop', 'adl') THEN (1000000000 + s.g)::text
       WHEN k.kind = 'inherited-position' THEN s.coin ELSE '' END,
  CASE WHEN s.r5 < 0.25 THEN 'info' WHEN s.r5 < 0.55 THEN 'low' WHEN s.r5 < 0.80 THEN 'medium'
       WHEN s.r5 < 0.95 THEN 'high' ELSE 'critical' END,
  CASE WHEN s.detected_at > now() - interval '6 hours' AND s.r6 < 0.5 THEN 'open' ELSE 'resolved' END,
  CASE k.kind
    WHEN 'deviation' THEN format('%s mark %s%% %s oracle for %s s', s.coin, round((s.r1 * 3)::numeric, 2), CASE WHEN s.r6 < 0.5 THEN 'above' ELSE 'below' END, (30 + s.r3 * 600)::int)
    WHEN 'large-liquidation' THEN format('$%sK %s liquidation on %s', round((100 + s.r1 * 4900)::numeric), CASE WHEN s.r6 < 0.5 THEN 'long' ELSE 'short' END, s.coin)
    WHEN 'cascade' THEN format('Liquidation cascade on %s: %s liquidations, $%sM in 5 min', s.coin, 10 + (s.r1 * 90)::int, round((1 + s.r1 * 40)::numeric, 1))
    WHEN 'burst' THEN format('$%sM of %s liquidated within 30 s (%s liquidations)', round((0.5 + s.r1 * 10)::numeric, 1), s.coin, 3 + (s.r1 * 30)::int)
    WHEN 'repeat' THEN format('Account 0x%s… liquidated %s times within 60 min', substr(md5('user' || (s.g % 20000)), 1, 8), 3 + (s.r1 * 8)::int)
    WHEN 'market-cascade' THEN format('Market-wide liquidations: %s coins, $%sM in 5 min', 3 + (s.r1 * 20)::int, round((5 + s.r1 * 100)::numeric, 1))
    WHEN 'pnl-loss' THEN format('HLP lost $%sM in 24 h', round((0.5 + s.r1 * 8)::numeric, 1))
    WHEN 'drawdown' THEN format('HLP drawdown %s%% from its 30-day peak', round((2 + s.r1 * 15)::numeric, 1))
    WHEN 'pnl-zscore' THEN format('HLP hourly PnL %s standard deviations from normal', round((3 + s.r1 * 5)::numeric, 1))
    WHEN 'inherited-position' THEN format('Liquidator vault holds $%sM of %s from backstop liquidations', round((0.2 + s.r1 * 20)::numeric, 1), s.coin)
    ELSE format('%s %s: %s%%', s.coin, k.kind, round((s.r1 * 100)::numeric, 1))
  END,
  CASE k.detector
    WHEN 'oracle' THEN jsonb_build_object('deviationPct', round((s.r1 * 3)::numeric, 4),
      'signedDeviationPct', round(((s.r1 * 3) * sign(s.r6 - 0.5))::numeric, 4), 'pair', 'mark-oracle',
      'bandPct', 1, 'sustainedMs', (30000 + s.r3 * 600000)::int, 'peakPct', round((s.r1 * 3.4)::numeric, 4),
      'markPx', round(s.px::numeric, 4), 'oraclePx', round((s.px * (1 - s.r1 * 0.03))::numeric, 4),
      'midPx', round(s.px::numeric, 4), 'binancePx', round((s.px * 0.9995)::numeric, 4),
      'coinbaseUsdPx', round((s.px * 1.0004)::numeric, 4), 'usdtUsd', 1.0002, 'hyperp', false)
    WHEN 'liquidations' THEN jsonb_build_object('longs', (s.r1 * 20)::int, 'shorts', (s.r2 * 20)::int,
      'count', 1 + (s.r1 * 40)::int, 'notionalUsd', round((100000 + s.r1 * 5e6)::numeric, 2),
      'windowMs', 300000, 'px', round(s.px::numeric, 4), 'size', round((s.r2 * 1000)::numeric, 3),
      'method', (ARRAY['market', 'backstop', 'adl'])[1 + (s.g % 3)],
      'liquidator', '0x2e3d94f0562703b25c83308a05046ddaf9a8dd14',
      'liquidatedUser', '0x' || md5('user' || (s.g % 20000)) || substr(md5('u' || (s.g % 20000)), 1, 8))
    WHEN 'hlp' THEN jsonb_build_object('pnl1hUsd', round((-s.r1 * 2e6)::numeric, 2),
      'pnl24hUsd', round((-s.r1 * 5e6)::numeric, 2), 'pnl7dUsd', round(((s.r2 - 0.5) * 1e7)::numeric, 2),
      'pnl30dUsd', round(((s.r3 - 0.3) * 3e7)::numeric, 2), 'accountValueUsd', round((3.5e8 + s.r2 * 1e8)::numeric, 2),
      'drawdownPct', round((s.r1 * 15)::numeric, 3), 'zScore', round((3 + s.r1 * 5)::numeric, 3))
    ELSE jsonb_build_object('openInterestUsd', round((1e6 + s.r1 * 5e8)::numeric, 2),
      'previousOpenInterestUsd', round((1e6 + s.r2 * 4e8)::numeric, 2),
      'movePct', round(((s.r1 - 0.5) * 60)::numeric, 3), 'funding', round(((s.r2 - 0.5) * 0.002)::numeric, 6),
      'windowMs', 900000, 'markPx', round(s.px::numeric, 4), 'impactSpreadPct', round((s.r3 * 2)::numeric, 3),
      'thinBook', s.r3 > 0.5)
  END,
  s.detected_at - make_interval(secs => round((s.r3 * 300)::numeric, 3)),
  s.detected_at - make_interval(secs => round((s.r4 * 10)::numeric, 3)),
  s.detected_at,
  s.updated_at,
  CASE WHEN s.detected_at > now() - interval '6 hours' AND s.r6 < 0.5 THEN NULL ELSE s.updated_at END,
  1 + floor(s.r4 * s.r4 * s.r4 * 40)::int
FROM (SELECT *, least(date_trunc('milliseconds', now()), detected_at + make_interval(secs => round((r4 * r4 * 900)::numeric, 3))) AS updated_at FROM (
  SELECT g, date_trunc('milliseconds', now() - make_interval(secs => random() * 90 * 86400)) AS detected_at,
    random() AS r1, random() AS r2, random() AS r3, random() AS r4, random() AS r5, random() AS r6,
    (ARRAY['BTC','ETH','SOL','HYPE','XRP','DOGE','SUI','AVAX','LINK','BNB','ADA','TRX','LTC','BCH','DOT','NEAR','APT','ARB','OP','TON','WIF','PEPE','kPEPE','kBONK','TIA','SEI','INJ','JUP','ENA','AAVE','UNI','MKR','LDO','CRV','FTM','ATOM','FIL','ORDI','WLD','TAO'])[c] AS coin,
    (ARRAY[84000,1900,130,14,2.2,0.17,2.4,20,14,600,0.7,0.24,85,330,4.2,2.7,5.5,0.35,0.8,3.6,0.5,0.0000078,0.0078,0.014,3.2,0.2,10,0.45,0.3,190,6.5,1400,0.9,0.5,0.45,4.5,2.8,8,0.8,330])[c] * (0.7 + random() * 0.6) AS px
  FROM (SELECT g, 1 + floor(power(random(), 2) * 40)::int AS c FROM generate_series(1, $1::int) g) gs
) s0) s
JOIN (VALUES
  (0, 'oracle', 'deviation', 'asset'), (1, 'liquidations', 'large-liquidation', 'asset'),
  (2, 'liquidations', 'cascade', 'asset'), (3, 'liquidations', 'burst', 'asset'),
  (4, 'liquidations', 'repeat', 'user'), (5, 'liquidations', 'backstop', 'asset'),
  (6, 'liquidations', 'adl', 'asset'), (7, 'liquidations', 'market-cascade', 'market'),
  (8, 'hlp', 'pnl-loss', 'vault'), (9, 'hlp', 'drawdown', 'vault'),
  (10, 'hlp', 'inherited-position', 'vault'), (11, 'hlp', 'pnl-zscore', 'vault'),
  (12, 'manipulation', 'oi-cap', 'asset'), (13, 'manipulation', 'oi-jump', 'asset'),
  (14, 'manipulation', 'price-move', 'asset'), (15, 'manipulation', 'funding-spike', 'asset')
) AS k (n, detector, kind, subject_type)
  ON k.n = CASE WHEN s.r2 < 0.25 THEN 0 WHEN s.r2 < 0.50 THEN 1 WHEN s.r2 < 0.55 THEN 2
    WHEN s.r2 < 0.60 THEN 3 WHEN s.r2 < 0.63 THEN 4 WHEN s.r2 < 0.65 THEN 5 WHEN s.r2 < 0.67 THEN 6
    WHEN s.r2 < 0.68 THEN 7 WHEN s.r2 < 0.70 THEN 8 WHEN s.r2 < 0.72 THEN 9 WHEN s.r2 < 0.76 THEN 10
    WHEN s.r2 < 0.78 THEN 11 WHEN s.r2 < 0.83 THEN 12 WHEN s.r2 < 0.89 THEN 13 WHEN s.r2 < 0.95 THEN 14
    ELSE 15 END
ORDER BY s.detected_at`;

/**
 * `count` exploit incidents spread over ten years: chains in the mix DeFiHackLabs records
 * (Ethereum and BSC most), losses from $1k to $600M log-uniform with 15% unknown, one to four
 * sources each, classifications from its vocabulary; chain, classification and sources drawn
 * independently (so no filter combination is empty by construction).
 */
const SEED_INCIDENTS = `
INSERT INTO intel_incidents (id, protocol, protocol_key, aliases, date, chains, classification,
  technique, loss_usd, original_amount, original_unit, loss_unconverted, returned_usd, tx_hashes,
  refs, sources, first_seen_at, updated_at)
SELECT 'exp_' || to_char(d, 'YYYYMMDD') || '_protocol' || g, 'Protocol ' || g, 'protocol' || g, '{}',
  d, ARRAY[(ARRAY['Ethereum','Ethereum','Ethereum','Ethereum','BSC','BSC','BSC','BSC','Arbitrum','Base','Polygon','Avalanche','Optimism','Solana','Fantom','Linea'])[1 + floor(random() * 16)::int]],
  (ARRAY['Logic Flaw','Price Manipulation','Access Control','Reentrancy','Flash Loan','Private Key Compromised','Oracle Manipulation','Rug Pull'])[1 + floor(random() * 8)::int],
  NULL,
  CASE WHEN random() < 0.15 THEN NULL ELSE round((1000 * power(600000, random()))::numeric, 2) END,
  NULL, NULL, false, NULL,
  ARRAY['0x' || md5('tx' || g) || md5('tx2' || g)],
  jsonb_build_array(jsonb_build_object('source', 'defihacklabs-explorer', 'sourceKey', to_char(d, 'YYYYMMDD') || '-Protocol ' || g, 'url', 'https://github.com/SunWeb3Sec/DeFiHackLabs/blob/main/src/test/' || to_char(d, 'YYYY-MM') || '/Protocol' || g || '_exp.sol',
    'firstSeenAt', to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'))),
  CASE floor(random() * 4)::int WHEN 0 THEN ARRAY['defihacklabs-explorer'] WHEN 1 THEN ARRAY['defillama','defihacklabs-explorer']
    WHEN 2 THEN ARRAY['defillama','rekt','defihacklabs-explorer'] ELSE ARRAY['defillama','rekt','defihacklabs','slowmist'] END,
  now(), now()
FROM (SELECT g, (DATE '2016-06-17' + (random() * 3650)::int) AS d FROM generate_series(1, $1::int) g) s`;

async function seedIncidents(db: Db, count: number): Promise<void> {
  await db.transaction(async (tx) => {
    await tx.query("SELECT setseed(0.42)");
    await tx.query(SEED_INCIDENTS, [count]);
  });
}

async function seedFindings(db: Db, count: number): Promise<number> {
  const started = performance.now();
  await db.transaction(async (tx) => {
    await tx.query("SELECT setseed(0.42)");
    await tx.query(SEED_FINDINGS, [count]);
  });
  return performance.now() - started;
}

function cpuSeconds(u: NodeJS.CpuUsage): number {
  return (u.user + u.system) / 1e6;
}

/**
 * autocannon connections: enough to keep the API process busy (the events route is saturated from
 * about 5 connections; more only add queueing to its latency).
 */
const HEALTH_CONNECTIONS = 100;
const EVENTS_CONNECTIONS = 10;
/** While the events route is measured with its cache, a finding is stored this often (a storm). */
const WRITE_EVERY_MS = 100;
/** The exploits route with two filters, as a dashboard asks for large losses on one chain. */
const EXPLOITS = "/exploits?chain=ethereum&min_amount=1000000&limit=50";

/** How many distinct URLs the varied-read runs take in turn. */
const VARIED_PATHS = 2_000;

/** `GET /` on a bare node:http JSON responder in its own process: the yardstick for /health. */
async function bareHealth(load: ChildProcess): Promise<HttpResult> {
  const bare = start("bare-http.ts", []);
  const { port } = await next<{ port: number }>(bare, "listening");
  const url = `http://127.0.0.1:${port}/health`;
  load.send({ cmd: "http", url, connections: HEALTH_CONNECTIONS, seconds: WARM_UP_S });
  await next(load, "http");
  load.send({
    cmd: "http",
    url,
    connections: HEALTH_CONNECTIONS,
    seconds: Number(values.seconds ?? 10),
  });
  const r = await next<HttpResult>(load, "http");
  bare.send({ cmd: "exit" });
  await new Promise((resolve) => bare.once("exit", resolve));
  return r;
}

/** The API's response-cache lookups so far, read from its Prometheus metrics. */
async function cacheLookups(base: string, cache: string): Promise<{ hit: number; miss: number }> {
  const text = await (await fetch(`${base}/metrics`)).text();
  const count = (result: string) =>
    Number(
      new RegExp(
        `^kamiyo_http_response_cache_total\\{cache="${cache}",result="${result}"\\} (\\d+)$`,
        "m",
      ).exec(text)?.[1] ?? Number.NaN,
    );
  return { hit: count("hit"), miss: count("miss") };
}
/** Seconds of load before each measured run: the JIT and the database caches warm up. */
const WARM_UP_S = 5;
const fmt = (n: number) => Math.round(n).toLocaleString("en-US");
const ms = (n: number) => (n < 10 ? n.toFixed(1) : String(Math.round(n)));

/**
 * The HTTP API over a database of `--findings` findings (and `--incidents` incidents): /health
 * beside a bare node:http responder measured just before it; /security/events?limit=50 with the
 * response cache while a new finding is stored every 100 ms, under autocannon (a warm-up, then the
 * measured run); one finding published to 1,000 live-stream clients, repeated; the exploits
 * route with its cache; then, from an API process with the cache off, /security/events and
 * /exploits read with 2,000 varied URLs (random filters and cursors, bench/api-paths.ts). Server,
 * load generator and database share the machine.
 */
async function api(): Promise<void> {
  const count = Number(values.findings ?? 1_000_000);
  const seconds = Number(values.seconds ?? 10);
  const url = values["database-url"] ?? process.env.BENCH_DATABASE_URL;
  const kinds = new Set(values["api-db"] ?? ["postgres", "pglite"]);
  const parts = new Set(
    values["api-part"] ?? ["health", "events", "stream", "exploits", "auth", "metering"],
  );
  const incidents = Number(values.incidents ?? 100_000);
  if (kinds.has("postgres") && !url) {
    console.log("api: no --database-url or BENCH_DATABASE_URL: PostgreSQL skipped");
    kinds.delete("postgres");
  }
  for (const kind of ["postgres", "pglite"] as const) {
    if (!kinds.has(kind)) continue;
    let args: string[];
    let cleanup: () => Promise<void>;
    let seedMs: number;
    if (kind === "postgres" && url) {
      const schema = `bench_api_${randomBytes(4).toString("hex")}`;
      const admin = await PostgresDb.open({ url, poolSize: 1 });
      await admin.query(`CREATE SCHEMA ${schema}`);
      const db = await PostgresDb.open({ url, schema, poolSize: 1 });
      await migrate(db);
      seedMs = await seedFindings(db, count);
      if (parts.has("exploits")) await seedIncidents(db, incidents);
      // What autovacuum does shortly after a bulk insert, done now so the plan does not depend on when.
      await db.exec("VACUUM ANALYZE findings");
      await db.exec("VACUUM ANALYZE intel_incidents");
      await db.close();
      args = ["postgres", url, schema];
      cleanup = async () => {
        await admin.query(`DROP SCHEMA ${schema} CASCADE`);
        await admin.close();
      };
    } else {
      const dir = mkdtempSync(join(tmpdir(), "kamiyo-bench-api-"));
      const db = await PgliteDb.open(dir);
      await migrate(db);
      seedMs = await seedFindings(db, count);
      if (parts.has("exploits")) await seedIncidents(db, incidents);
      await db.close();
      args = ["pglite", dir];
      cleanup = async () => rmSync(dir, { recursive: true, force: true });
    }
    const storage =
      kind === "postgres" && url
        ? `PostgreSQL at ${describeUrl(url)} (pool of 10)`
        : "embedded PGlite (a reopened data directory)";
    console.log(
      `api: ${fmt(count)} findings seeded in ${storage} in ${(seedMs / 1000).toFixed(0)} s`,
    );

    const load = start("api-load.ts", [], []);
    await next(load, "ready");
    const profile = values["cpu-prof"];
    /** An API process over the seeded database, with the response cache on (the default) or off. */
    const startServer = async (responseCacheMs: number, planLimits = true) => {
      const server = start(
        "api-server.ts",
        [...args, String(responseCacheMs), planLimits ? "plan-limits" : "no-plan-limits"],
        profile ? [...CLI_NODE_FLAGS, "--cpu-prof", `--cpu-prof-dir=${profile}`] : CLI_NODE_FLAGS,
      );
      const { port, rateLimitPerIp } = await next<{ port: number; rateLimitPerIp: number }>(
        server,
        "listening",
      );
      const base = `http://127.0.0.1:${port}`;
      const serverCpu = async () => {
        server.send({ cmd: "cpu" });
        return (await next<{ usage: NodeJS.CpuUsage }>(server, "cpu")).usage;
      };
      const http = async (
        path: string,
        connections: number,
        cache = "events",
        paths?: string[],
        headers?: Record<string, string>,
      ) => {
        load.send({
          cmd: "http",
          url: `${base}${path}`,
          connections,
          seconds: WARM_UP_S,
          paths,
          headers,
        });
        const warmUp = await next<HttpResult>(load, "http");
        const before = await serverCpu();
        const lookupsBefore = await cacheLookups(base, cache);
        const pids = { API: server.pid, "load generator": load.pid };
        const machineBefore = cpuSnapshot(pids);
        load.send({ cmd: "http", url: `${base}${path}`, connections, seconds, paths, headers });
        const r = await next<HttpResult>(load, "http");
        const split = cpuSplit(machineBefore, cpuSnapshot(pids), cpus().length);
        const after = await serverCpu();
        const lookupsAfter = await cacheLookups(base, cache);
        const cores = (cpuSeconds(after) - cpuSeconds(before)) / r.seconds;
        return {
          ...r,
          cores,
          split,
          warmUpOk: warmUp.ok,
          hits: lookupsAfter.hit - lookupsBefore.hit,
          misses: lookupsAfter.miss - lookupsBefore.miss,
        };
      };
      const stop = async () => {
        server.send({ cmd: "exit" });
        await new Promise((r) => server.once("exit", r));
      };
      return { server, base, rateLimitPerIp, http, stop };
    };
    const loadNote = (r: LoadResult, connections: number, limit: number) =>
      `${connections} connections, ${r.seconds.toFixed(0)} s measured after a ${WARM_UP_S} s warm-up, ${fmt(r.ok)} responses, ${r.non2xx} non-2xx, ${r.errors} errors; p50 ${r.p50} ms, max ${r.max} ms; autocannon on the same machine; ${r.split || `API process ${r.cores.toFixed(2)} cores busy`}; rate limit raised to ${fmt(limit)}/min per IP`;
    const events = "/security/events?limit=50";
    const eventsNote = (r: LoadResult, limit: number) =>
      `${loadNote(r, EVENTS_CONNECTIONS, limit)}; ${(r.bytesPerSecond / 1e6).toFixed(0)} MB/s of responses; ${fmt(count)} findings seeded in ${(seedMs / 1000).toFixed(0)} s`;

    const api = await startServer(2_000);
    if (parts.has("health")) {
      const bare = await bareHealth(load);
      const r = await api.http("/health", HEALTH_CONNECTIONS);
      rows.push([
        `API \`GET /health\` (${storage})`,
        `${fmt(r.requestsPerSecond)} requests/s, p99 ${r.p99} ms; ${Math.round((100 * r.requestsPerSecond) / bare.requestsPerSecond)}% of a bare \`node:http\` JSON responder measured just before (${fmt(bare.requestsPerSecond)} requests/s, p99 ${bare.p99} ms)`,
        loadNote(r, HEALTH_CONNECTIONS, api.rateLimitPerIp),
      ]);
    }
    if (parts.has("events")) {
      api.server.send({ cmd: "writes", everyMs: WRITE_EVERY_MS });
      await next(api.server, "writes");
      const r = await api.http(events, EVENTS_CONNECTIONS);
      api.server.send({ cmd: "writes", everyMs: 0 });
      const { written } = await next<{ written: number }>(api.server, "writes");
      rows.push([
        `API \`GET ${events}\`, ${fmt(count)} findings in ${storage}, a new finding stored every ${WRITE_EVERY_MS} ms, response cache on (default)`,
        `${fmt(r.requestsPerSecond)} requests/s, p99 ${r.p99} ms`,
        `${eventsNote(r, api.rateLimitPerIp)}; ${fmt(written)} findings written during warm-up and run, each invalidating the cache; cache ${fmt(r.hits)} hits, ${fmt(r.misses)} misses (${((100 * r.misses) / Math.max(1, r.hits + r.misses)).toFixed(2)}% read from the database)`,
      ]);
    }
    if (parts.has("stream"))
      rows.push(await fanOut(api.server, load, `${api.base}/stream`, storage));
    if (parts.has("exploits")) {
      const r = await api.http(EXPLOITS, EVENTS_CONNECTIONS, "exploits");
      rows.push([
        `API \`GET ${EXPLOITS}\`, ${fmt(incidents)} incidents in ${storage}, response cache on (default)`,
        `${fmt(r.requestsPerSecond)} requests/s, p99 ${r.p99} ms`,
        `${loadNote(r, EVENTS_CONNECTIONS, api.rateLimitPerIp)}; ${(r.bytesPerSecond / 1e6).toFixed(0)} MB/s of responses; cache ${fmt(r.hits)} hits, ${fmt(r.misses)} misses (the incidents table is watched every 2 s for imports by other processes)`,
      ]);
    }
    await api.stop();
    if (parts.has("events") || parts.has("exploits")) {
      const uncached = await startServer(0);
      const lists = [
        ["events", "/security/events", `${fmt(count)} findings`] as const,
        ["exploits", "/exploits", `${fmt(incidents)} incidents`] as const,
      ].filter(([part]) => parts.has(part));
      for (const [part, route, what] of lists) {
        const paths = await variedPaths(uncached.base, route, VARIED_PATHS, Date.now());
        const r = await uncached.http(route, EVENTS_CONNECTIONS, part, paths);
        rows.push([
          `API \`GET ${route}\` with varied filters and cursors, ${what} in ${storage}, response cache off: every request reads the database`,
          `${fmt(r.requestsPerSecond)} requests/s, p99 ${r.p99} ms`,
          `${fmt(paths.length)} distinct URLs taken in turn (random filters, each paged 1–10 pages deep with the API's own cursors; bench/api-paths.ts); ${loadNote(r, EVENTS_CONNECTIONS, uncached.rateLimitPerIp)}; ${(r.bytesPerSecond / 1e6).toFixed(0)} MB/s of responses`,
        ]);
      }
      await uncached.stop();
    }
    if (parts.has("auth")) rows.push(...(await authOverhead(startServer, storage, loadNote)));
    if (parts.has("metering")) rows.push(await meteringOverhead(startServer, storage, loadNote));
    load.send({ cmd: "exit" });
    await cleanup();
  }
}

type LoadResult = HttpResult & { cores: number; split: string; warmUpOk: number };
/** An API process over the seeded database (bench/api-server.ts), and load against it. */
type StartServer = (
  responseCacheMs: number,
  planLimits?: boolean,
) => Promise<{
  server: ChildProcess;
  base: string;
  rateLimitPerIp: number;
  http: (
    path: string,
    connections: number,
    cache?: string,
    paths?: string[],
    headers?: Record<string, string>,
  ) => Promise<LoadResult>;
  stop: () => Promise<void>;
}>;
type LoadNote = (r: LoadResult, connections: number, limit: number) => string;

/**
 * What tenancy costs a read: the same varied `/security/events` URLs from one API process with
 * the response cache off, first open (no key exists: the zero-config start), then once a tenant
 * and its key exist, every request carrying the key (looked up by hash, then cached for 5 s), with
 * the request's tenant context. Findings are public data, so no row-level security applies to
 * this read; the difference is authentication and context.
 */
async function authOverhead(
  startServer: StartServer,
  storage: string,
  loadNote: LoadNote,
): Promise<[string, string, string][]> {
  const server = await startServer(0);
  const route = "/security/events";
  const paths = await variedPaths(server.base, route, VARIED_PATHS, Date.now());
  const open = await server.http(route, EVENTS_CONNECTIONS, "events", paths);
  server.server.send({ cmd: "key" });
  const { key } = await next<{ key: string }>(server.server, "key");
  // The API notices the first key within a second.
  await new Promise((r) => setTimeout(r, 1_500));
  const keyed = await server.http(route, EVENTS_CONNECTIONS, "events", paths, { "x-api-key": key });
  await server.stop();
  const share = (100 * keyed.requestsPerSecond) / open.requestsPerSecond;
  const cpuPerRequest = (r: HttpResult & { cores: number }) =>
    `${Math.round((1e6 * r.cores) / r.requestsPerSecond)} µs`;
  const what = `API \`GET ${route}\` with varied filters and cursors in ${storage}, response cache off`;
  return [
    [
      `${what}, open (no key exists)`,
      `${fmt(open.requestsPerSecond)} requests/s, p99 ${open.p99} ms`,
      `API CPU ${cpuPerRequest(open)} a request; ${loadNote(open, EVENTS_CONNECTIONS, server.rateLimitPerIp)}`,
    ],
    [
      `${what}, every request with an API key (tenant context)`,
      `${fmt(keyed.requestsPerSecond)} requests/s (${share.toFixed(0)}% of open), p99 ${keyed.p99} ms`,
      `API CPU ${cpuPerRequest(keyed)} a request; the same URLs on the same process right after the open run; ${loadNote(keyed, EVENTS_CONNECTIONS, server.rateLimitPerIp)}`,
    ],
  ];
}

/**
 * What plan limits and metering cost a request: `GET /security/events?limit=50` (response cache
 * on, so the route itself is cheap and the limiter's share is at its largest) from API processes
 * with API_PLAN_LIMITS off and on, alternated three times. Throughput on this 2-core machine
 * swings by up to 40 % between identical runs (where the scheduler puts the API and the load
 * generator), so the API process's CPU time per request is compared too, medians of each. With
 * limits on, every request reads the tenant's cached entitlements, counts its windows and is
 * metered (api_calls, written once a second); the metered total is checked against the responses.
 * Every request carries the key of a tenant on cloud_enterprise (metered, no daily quota).
 */
async function meteringOverhead(
  startServer: StartServer,
  storage: string,
  loadNote: LoadNote,
): Promise<[string, string, string]> {
  const route = "/security/events?limit=50";
  const runs: { limits: boolean; rps: number; cpuUs: number; served: number; metered: number }[] =
    [];
  let note = "";
  let meteredBefore = 0;
  let key = "";
  for (const limits of [false, true, false, true, false, true]) {
    const server = await startServer(2_000, limits);
    if (!key) {
      // A tenant on cloud_enterprise and its key (other parts may have made keys required).
      server.server.send({ cmd: "key" });
      key = (await next<{ key: string }>(server.server, "key")).key;
      await new Promise((r) => setTimeout(r, 1_500));
    }
    const r = await server.http(route, EVENTS_CONNECTIONS, "events", undefined, {
      "x-api-key": key,
    });
    server.server.send({ cmd: "usage" });
    const { calls } = await next<{ calls: number }>(server.server, "usage");
    await server.stop();
    runs.push({
      limits,
      rps: r.requestsPerSecond,
      cpuUs: (1e6 * r.cores) / r.requestsPerSecond,
      served: r.ok + r.warmUpOk,
      metered: calls - meteredBefore,
    });
    meteredBefore = calls;
    note = loadNote(r, EVENTS_CONNECTIONS, server.rateLimitPerIp);
  }
  const median = (xs: number[]) => {
    const s = [...xs].sort((a, b) => a - b);
    const mid = Math.floor(s.length / 2);
    return s.length % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
  };
  const of = (limits: boolean, pick: (x: (typeof runs)[number]) => number) =>
    median(runs.filter((x) => x.limits === limits).map(pick));
  const [rpsOff, rpsOn] = [of(false, (x) => x.rps), of(true, (x) => x.rps)];
  const [cpuOff, cpuOn] = [of(false, (x) => x.cpuUs), of(true, (x) => x.cpuUs)];
  const on = runs.filter((x) => x.limits);
  return [
    `API \`GET ${route}\` in ${storage}, plan limits and API-call metering on vs off (API_PLAN_LIMITS)`,
    `API CPU ${cpuOn.toFixed(0)} vs ${cpuOff.toFixed(0)} µs a request (overhead ${(100 * (cpuOn / cpuOff - 1)).toFixed(1)}%); ${fmt(rpsOn)} vs ${fmt(rpsOff)} requests/s`,
    `medians of 3 runs each, alternated off/on (each a fresh API process): ${runs.map((x) => `${x.limits ? "on" : "off"} ${fmt(x.rps)}/s ${x.cpuUs.toFixed(0)} µs`).join(", ")}; api_calls metered of responses served (warm-up included) with limits on: ${on.map((x) => `${fmt(x.metered)} of ${fmt(x.served)}`).join(", ")} (requests still in flight when the load stopped are metered too); every request with the key of a tenant on cloud_enterprise (no daily quota); last run: ${note}`,
  ];
}

/** One finding published in the API process, timed to the last of 1,000 SSE clients receiving it. */
async function fanOut(
  server: ChildProcess,
  load: ChildProcess,
  url: string,
  storage: string,
): Promise<[string, string, string]> {
  const clients = 1_000;
  load.send({ cmd: "streams", url, clients });
  const { open } = await next<{ open: number }>(load, "streams");
  for (;;) {
    server.send({ cmd: "clients" });
    const c = await next<{ clients: number }>(server, "clients");
    if (c.clients >= clients) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  const warmUp = 3;
  const fanout: number[] = [];
  let missed = 0;
  for (let i = 0; i < warmUp + 20; i++) {
    server.send({ cmd: "publish" });
    const p = await next<{ id: string; at: number }>(server, "published");
    load.send({ cmd: "await", id: p.id, clients, timeoutMs: 5_000 });
    const got = await next<{ count: number; last: number }>(load, "received");
    missed += clients - got.count;
    if (i >= warmUp) fanout.push(got.last - p.at);
    await new Promise((r) => setTimeout(r, 200));
  }
  const sorted = [...fanout].sort((a, b) => a - b);
  return [
    `Live stream fan-out, one finding → ${fmt(clients)} SSE clients (\`GET /stream\`, ${storage})`,
    `median ${ms(percentile(sorted, 50))} ms, worst ${ms(sorted.at(-1) ?? Number.NaN)} ms`,
    `${sorted.length} publishes after ${warmUp} warm-up ones, 200 ms apart; from \`feed.publish\` in the API process to the last of ${fmt(open)} connected clients receiving the event in the load process (epoch ms from \`performance.timeOrigin + performance.now()\` on both sides); ${missed} deliveries missed`,
  ];
}

const cpu = cpus()[0]?.model ?? "unknown CPU";
console.log(
  `Machine: ${cpu}, ${cpus().length} cores, ${Math.round(totalmem() / 2 ** 30)} GiB RAM, Node ${process.version}, ${process.platform}`,
);
if (only.has("throughput") || only.has("latency")) await pipeline();
if (only.has("memory")) await memory();
if (only.has("api")) await api();
if (only.has("alerts"))
  rows.push(
    ...(await alertsBench({
      databaseUrl: values["database-url"] ?? process.env.BENCH_DATABASE_URL,
      kinds: new Set(values["api-db"] ?? ["postgres", "pglite"]),
      deliveries: Number(values.deliveries ?? 20_000),
      cpuProfileDir: values["cpu-prof"],
    })),
  );
if (only.has("intel"))
  rows.push(
    ...(await intelBench({
      databaseUrl: values["database-url"] ?? process.env.BENCH_DATABASE_URL,
      kinds: new Set(values["api-db"] ?? ["postgres", "pglite"]),
    })),
  );
if (only.has("ml")) rows.push(...mlBench());
if (only.has("rca"))
  rows.push(
    ...(await rcaBench({
      databaseUrl: values["database-url"] ?? process.env.BENCH_DATABASE_URL,
      kinds: new Set(values["api-db"] ?? ["postgres", "pglite"]),
      objects: Number(values["rca-objects"] ?? 20_000),
    })),
  );
if (only.has("shield")) {
  rows.push(...(await shieldBench()));
  rows.push(...(await shieldGrpcBench()));
  rows.push(...(await shieldSyncflowBench()));
  rows.push(
    ...(await shieldAuditBench({
      databaseUrl: values["database-url"] ?? process.env.BENCH_DATABASE_URL,
      kinds: new Set(values["api-db"] ?? ["postgres", "pglite"]),
    })),
  );
  rows.push(
    ...(await shieldBillingBench({
      databaseUrl: values["database-url"] ?? process.env.BENCH_DATABASE_URL,
      kinds: new Set(values["api-db"] ?? ["postgres", "pglite"]),
    })),
  );
  rows.push(
    ...(await shieldPolicyBench({
      databaseUrl: values["database-url"] ?? process.env.BENCH_DATABASE_URL,
      kinds: new Set(values["api-db"] ?? ["postgres", "pglite"]),
      seconds: Number(values.seconds ?? 10),
      cpuProfileDir: values["cpu-prof"],
    })),
  );
}
if (only.has("scaleout")) {
  const databaseUrl = values["database-url"] ?? process.env.BENCH_DATABASE_URL;
  if (databaseUrl)
    rows.push(...(await scaleOutBench({ databaseUrl, frames: Number(values.frames ?? 100_000) })));
  else
    console.log(
      "scaleout: no --database-url or BENCH_DATABASE_URL: several processes need PostgreSQL",
    );
}
console.log("\n| benchmark | result | details |\n| --- | --- | --- |");
for (const [a, b, c] of rows) console.log(`| ${a} | ${b} | ${c} |`);
