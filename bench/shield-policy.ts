/**
 * Shield's policy check: the pure evaluation in process (per-decision latency over a mix of
 * campaigns, states and bids, and its rate), the group-committed check on the database without
 * HTTP (concurrent callers, one transaction per batch: reservations and audit records), and
 * `POST /shield/checks` over HTTP under autocannon against the API in a child process, on the
 * embedded PGlite and on PostgreSQL (with --database-url). After each database run the tenant's
 * audit trail is verified and its decisions counted against the answers.
 */
import { createRequire } from "node:module";
import { cpus } from "node:os";
import {
  type BidFacts,
  type CampaignState,
  CompiledPolicy,
  createCampaign,
  createClient,
  evaluateBid,
  PolicyChecker,
  parsePolicy,
  savePolicy,
  shieldMigrations,
  verifyAuditChain,
} from "@kamiyo/shield";
import { createApiKey } from "@kamiyo/tenancy";
import { type BenchDb, openBenchDb } from "./bench-db.ts";
import { CLI_NODE_FLAGS, next, percentile, start } from "./children.ts";
import { cpuPerCheck, cpuSnapshot, cpuSplit } from "./cpu-split.ts";

type Row = [string, string, string];
const fmt = (n: number) => Math.round(n).toLocaleString("en-US");
const TENANT = "ten_bench_policy";
const CLIENTS = 10;
const CAMPAIGNS = 100;
const DAY = 86_400_000;
/** autocannon connections: a bidder fleet's checks in flight at once (the batches grow with them). */
const CONNECTIONS = Number(process.env.BENCH_SHIELD_CONNECTIONS ?? 400);
/** Checks a batch request carries in the batched HTTP run. */
const BATCH = Number(process.env.BENCH_SHIELD_BATCH ?? 100);
/** The bench's policy: every optional rule on, and its own rules for a tenth of the campaigns. */
const POLICY = {
  pacing: { toleranceBps: 10_000 },
  roasFloor: { minRoasBps: 20_000 },
  maxBidMicros: 50_000_000,
  campaigns: Object.fromEntries(
    Array.from({ length: CAMPAIGNS / 10 }, (_, i) => [
      `cmp-${i * 10}`,
      { roasFloor: { minRoasBps: 30_000 } },
    ]),
  ),
};
const campaignOf = (i: number) => ({
  clientId: `client-${i % CLIENTS}`,
  campaignId: `cmp-${i % CAMPAIGNS}`,
});
/** A bid of 1–2 currency units whose LTV is 1.5–4.5 times it: about a sixth below the floors. */
const bidOf = (i: number) => {
  const bidMicros = 1_000_000 + ((i * 7919) % 1_000_000);
  return {
    ...campaignOf(i),
    bidMicros,
    predictedLtvMicros: bidMicros + Math.floor((((i * 104_729) % 7) * bidMicros) / 2),
  };
};

function evaluationRows(): Row[] {
  const policy = new CompiledPolicy(1, parsePolicy(POLICY));
  const start = Date.UTC(2026, 11, 6);
  const n = 100_000;
  const states: CampaignState[] = [];
  const bids: BidFacts[] = [];
  for (let i = 0; i < n; i++) {
    states.push({
      clientKilled: i % 97 === 0,
      clientKillReason: null,
      campaignKilled: false,
      campaignKillReason: null,
      budgetMicros: 1_000_000_000,
      spentMicros: (i * 6_151) % 1_000_000_000,
      periodStartMs: start,
      periodEndMs: start + DAY,
    });
    bids.push({ ...bidOf(i), atMs: start + ((i * 3_371) % DAY) });
  }
  let denied = 0;
  const run = (k: number) =>
    evaluateBid(policy, states[k % n] as CampaignState, bids[k % n] as BidFacts);
  for (let k = 0; k < 1_000_000; k++) run(k);
  const calls = 1_000_000;
  const took = new Float64Array(calls);
  for (let k = 0; k < calls; k++) {
    const t0 = performance.now();
    const v = run(k);
    took[k] = performance.now() - t0;
    if (v.verdict === "deny") denied++;
  }
  took.sort();
  const at = (q: number) => (took[Math.floor(q * (calls - 1))] as number) * 1000;
  const t0 = performance.now();
  for (let k = 0; k < 5_000_000; k++) run(k);
  const rate = 5_000_000 / ((performance.now() - t0) / 1000);
  return [
    [
      "Shield policy check: evaluation in process, per decision",
      `p50 ${at(0.5).toFixed(2)} µs, p99 ${at(0.99).toFixed(2)} µs`,
      `${fmt(calls)} decisions timed one by one (performance.now around each) after ${fmt(calls)} warm-up, max ${at(1).toFixed(0)} µs; ${fmt(n)} distinct campaign states and bids, every rule on (kill switches, largest bid, budget, pacing, ROAS floor; 10 campaigns with their own floor); ${((denied / calls) * 100).toFixed(0)} % denied (their reasons' messages made)`,
    ],
    [
      "Shield policy check: evaluation in process, rate",
      `${fmt(rate)} decisions/s`,
      "5,000,000 decisions in a loop, one thread",
    ],
  ];
}

/** The tenant, its key (`shield:check` only), policy, clients and campaigns (budgets no bid uses up). */
async function seed(bench: BenchDb): Promise<string> {
  const { db } = bench;
  const now = Date.now();
  await db.query("INSERT INTO tenants (id, name) VALUES ($1, $1)", [TENANT]);
  await savePolicy(db, TENANT, POLICY, { createdBy: "bench", nowMs: now });
  for (let c = 0; c < CLIENTS; c++)
    await createClient(db, TENANT, { id: `client-${c}`, name: `Client ${c}` }, now);
  for (let i = 0; i < CAMPAIGNS; i++)
    await createCampaign(
      db,
      TENANT,
      {
        ...campaignOf(i),
        id: `cmp-${i}`,
        name: `Campaign ${i}`,
        budgetMicros: 1e15,
        period: "month",
      },
      now,
    );
  const { key } = await createApiKey(db, {
    tenantId: TENANT,
    name: "bidder",
    role: "member",
    scopes: ["shield:check"],
    createdBy: "bench",
    nowMs: now,
  });
  return key;
}

async function decisionsOf(bench: BenchDb): Promise<{ ok: boolean; records: number }> {
  const v = await verifyAuditChain(bench.db, TENANT);
  return { ok: v.ok, records: v.records };
}

/** Concurrent callers of one PolicyChecker in this process: the database part of a check. */
async function inProcessRows(bench: BenchDb): Promise<Row[]> {
  const checker = new PolicyChecker({ db: bench.db });
  const callers = 200;
  const total = 60_000;
  let issued = 0;
  const took: number[] = [];
  const loop = async () => {
    while (issued < total) {
      const i = issued++;
      const t0 = performance.now();
      await checker.check(TENANT, bidOf(i));
      took.push(performance.now() - t0);
    }
  };
  // Warm-up: the policy cached, connections open.
  await Promise.all(Array.from({ length: 50 }, (_, i) => checker.check(TENANT, bidOf(i))));
  const before = { ...checker.stats };
  const cpu0 = cpuSnapshot({ "this process": process.pid });
  const t0 = performance.now();
  await Promise.all(Array.from({ length: callers }, loop));
  const seconds = (performance.now() - t0) / 1000;
  const cpu1 = cpuSnapshot({ "this process": process.pid });
  took.sort((a, b) => a - b);
  const batches = checker.stats.batches - before.batches;
  const verified = await decisionsOf(bench);
  return [
    [
      `Shield policy check: group-committed checks in process, ${callers} concurrent callers (${bench.storage})`,
      `${fmt(total / seconds)} checks/s, p50 ${percentile(took, 50).toFixed(1)} ms, p99 ${percentile(took, 99).toFixed(1)} ms`,
      `${fmt(total)} checks over ${CAMPAIGNS} campaigns in ${fmt(batches)} transactions (${(total / batches).toFixed(0)} a batch: lock, state, reservations, audit records); no HTTP; ${cpuPerCheck(cpu0, cpu1, total)}; ${cpuSplit(cpu0, cpu1, cpus().length)}; audit trail ${verified.ok ? "verified" : "BROKEN"}, ${fmt(verified.records)} decisions`,
    ],
  ];
}

interface AutocannonResult {
  duration: number;
  errors: number;
  timeouts: number;
  non2xx: number;
  "2xx": number;
  latency: { p50: number; p99: number; max: number };
}
type Autocannon = (opts: object) => Promise<AutocannonResult>;
const autocannon = createRequire(import.meta.url)("autocannon") as Autocannon;

/**
 * `POST /shield/checks` (one check a request) or `POST /shield/checks/batch` (`batch` checks a
 * request, over a connection per `batch` of the single run's connections, so as many checks are
 * in flight) under autocannon against the API in a child process.
 */
async function httpRows(
  bench: BenchDb,
  key: string,
  serverArgs: string[],
  seconds: number,
  batch: number,
  cpuProfileDir: string | undefined,
): Promise<Row[]> {
  const before = await decisionsOf(bench);
  await bench.lend();
  // The child opens the database: PGlite's folder has one user at a time.
  const server = start(
    "shield-policy-server.ts",
    serverArgs,
    cpuProfileDir
      ? [...CLI_NODE_FLAGS, "--cpu-prof", `--cpu-prof-dir=${cpuProfileDir}`]
      : CLI_NODE_FLAGS,
  );
  try {
    const { port } = await next<{ port: number }>(server, "listening");
    let i = 0;
    const connections = Math.max(1, Math.ceil(CONNECTIONS / batch));
    const body = () =>
      batch === 1
        ? JSON.stringify(bidOf(i++))
        : JSON.stringify({ checks: Array.from({ length: batch }, () => bidOf(i++)) });
    const load = (duration: number) =>
      autocannon({
        url: `http://127.0.0.1:${port}`,
        connections,
        duration,
        requests: [
          {
            method: "POST",
            path: batch === 1 ? "/shield/checks" : "/shield/checks/batch",
            headers: { "content-type": "application/json", "x-api-key": key },
            setupRequest: (req: object) => ({ ...req, body: body() }),
          },
        ],
      });
    await load(2);
    server.send({ cmd: "cpu" });
    const cpu0 = (await next<{ usage: NodeJS.CpuUsage }>(server, "cpu")).usage;
    const pids = { API: server.pid, autocannon: process.pid };
    const machine0 = cpuSnapshot(pids);
    const r = await load(seconds);
    const machine1 = cpuSnapshot(pids);
    server.send({ cmd: "cpu" });
    const cpu1 = (await next<{ usage: NodeJS.CpuUsage }>(server, "cpu")).usage;
    const cores = (cpu1.user - cpu0.user + cpu1.system - cpu0.system) / 1e6 / r.duration;
    server.send({ cmd: "exit" });
    await new Promise((resolve) => server.once("exit", resolve));
    await bench.resume();
    const after = await decisionsOf(bench);
    const route =
      batch === 1 ? "POST /shield/checks" : `POST /shield/checks/batch of ${batch} checks`;
    const checks = r["2xx"] * batch;
    return [
      [
        `Shield policy check: ${route} over HTTP, ${connections} connections (${bench.storage})`,
        `${fmt(checks / r.duration)} checks/s, p50 ${r.latency.p50} ms, p99 ${r.latency.p99} ms a request`,
        `${fmt(checks)} decisions in ${r.duration.toFixed(0)} s after a 2 s warm-up, ${r.non2xx} non-2xx, ${r.errors + r.timeouts} errors; a key with the shield:check scope; autocannon in the parent process, the API (Fastify, one process) ${cores.toFixed(2)} cores busy, the database on the same 2 cores; ${cpuPerCheck(machine0, machine1, Math.max(1, checks))}; ${cpuSplit(machine0, machine1, cpus().length)}; audit trail ${after.ok ? "verified" : "BROKEN"}: ${fmt(after.records - before.records)} decisions recorded (warm-up included)`,
      ],
    ];
  } finally {
    if (server.exitCode === null) server.kill();
  }
}

export async function shieldPolicyBench(opts: {
  databaseUrl: string | undefined;
  kinds: Set<string>;
  seconds: number;
  /** Where the API child writes a CPU profile per HTTP run (`--cpu-prof DIR`). */
  cpuProfileDir?: string | undefined;
}): Promise<Row[]> {
  const rows = evaluationRows();
  for (const kind of ["postgres", "pglite"] as const) {
    if (!opts.kinds.has(kind) || (kind === "postgres" && !opts.databaseUrl)) continue;
    const bench = await openBenchDb(
      "shield_policy",
      kind === "postgres" ? opts.databaseUrl : undefined,
      [shieldMigrations],
    );
    try {
      const key = await seed(bench);
      rows.push(...(await inProcessRows(bench)));
      for (const batch of [1, BATCH])
        rows.push(
          ...(await httpRows(bench, key, bench.childArgs, opts.seconds, batch, opts.cpuProfileDir)),
        );
    } finally {
      await bench.close();
    }
  }
  return rows;
}
