/**
 * The attacker's probe of issue 11 (section 6), re-runnable: each check sends a bounded number of
 * requests to a Kamiyo API on this machine and prints one line of JSON with what it found.
 *
 *   npx node scripts/probe/probe.ts --serve .            # starts `kamiyo serve --role api,deliver` from this checkout
 *   npx node scripts/probe/probe.ts --serve /other/checkout
 *   npx node scripts/probe/probe.ts --url http://127.0.0.1:8080 --key kmy_…   # a server you started
 *
 * With --serve the server gets a fresh data directory, a random port on 127.0.0.1 and a new API
 * key, runs with its defaults otherwise, and is stopped with SIGTERM at the end (the time that
 * takes is reported). Only 127.0.0.1 is ever a target.
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import net from "node:net";
import { hostname, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";

const { values: args } = parseArgs({
  options: {
    url: { type: "string" },
    key: { type: "string" },
    serve: { type: "string" },
    upgrades: { type: "string", default: "500" },
    "auth-seconds": { type: "string", default: "3" },
    "slow-seconds": { type: "string", default: "40" },
    "idle-connections": { type: "string", default: "400" },
  },
});

function report(check: string, result: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify({ check, ...result })}\n`);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Sends raw bytes over one connection; what came back within `waitMs` and who closed first. */
function exchange(
  port: number,
  request: string,
  waitMs: number,
): Promise<{ text: string; status: number | null; closedByServer: boolean; socket: net.Socket }> {
  return new Promise((done) => {
    const socket = net.connect(port, "127.0.0.1");
    let text = "";
    let finished = false;
    const finish = (closedByServer: boolean) => {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      const m = /^HTTP\/1\.1 (\d{3})/.exec(text);
      done({ text, status: m ? Number(m[1]) : null, closedByServer, socket });
    };
    const timer = setTimeout(() => finish(false), waitMs);
    socket.setEncoding("latin1");
    socket.on("data", (c: string) => {
      text += c;
    });
    socket.on("end", () => finish(true));
    socket.on("close", () => finish(true));
    socket.on("error", () => finish(true));
    socket.write(request);
  });
}

function closeWaitCount(port: number): number {
  try {
    const out = execFileSync("ss", ["-Htan", "state", "close-wait", `( sport = :${port} )`], {
      encoding: "utf8",
    });
    return out.split("\n").filter((l) => l.trim() !== "").length;
  } catch {
    return -1;
  }
}

/** Bad-key WebSocket upgrades: does the server close them, and what is left in CLOSE-WAIT? */
async function upgrades(port: number, n: number): Promise<void> {
  const request = [
    "GET /stream/ws HTTP/1.1",
    "Host: 127.0.0.1",
    "Connection: Upgrade",
    "Upgrade: websocket",
    "Sec-WebSocket-Version: 13",
    "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==",
    "X-API-Key: wrong",
    "",
    "",
  ].join("\r\n");
  const statuses = new Map<string, number>();
  let closedByServer = 0;
  for (let i = 0; i < n; i += 100) {
    const batch = await Promise.all(
      Array.from({ length: Math.min(100, n - i) }, () => exchange(port, request, 1_000)),
    );
    for (const r of batch) {
      statuses.set(String(r.status), (statuses.get(String(r.status)) ?? 0) + 1);
      if (r.closedByServer) closedByServer++;
      r.socket.destroy();
    }
  }
  await sleep(500);
  report("ws-upgrade-401", {
    upgrades: n,
    statuses: Object.fromEntries(statuses),
    closedByServerWithin1s: closedByServer,
    closeWaitAfter: closeWaitCount(port),
  });
}

interface AutocannonResult {
  duration: number;
  statusCodeStats: Record<string, { count: number }>;
}
type Autocannon = (o: {
  url: string;
  connections: number;
  duration: number;
  headers: Record<string, string>;
}) => Promise<AutocannonResult>;

/** Failed authentication at full speed: how many 401s a second, and does a 429 come? */
async function failedAuth(base: string, seconds: number): Promise<void> {
  const autocannon = createRequire(import.meta.url)("autocannon") as Autocannon;
  const r = await autocannon({
    url: `${base}/security/events`,
    connections: 10,
    duration: seconds,
    headers: { "x-api-key": "kmy_wrong" },
  });
  const per = (code: string) => Math.round((r.statusCodeStats[code]?.count ?? 0) / r.duration);
  report("failed-auth", {
    seconds: r.duration,
    "401PerSecond": per("401"),
    "429PerSecond": per("429"),
  });
}

async function get(base: string, path: string, headers: Record<string, string> = {}) {
  const res = await fetch(`${base}${path}`, { headers });
  const body = await res.text();
  return { status: res.status, body, headers: res.headers };
}

function isEnvelope(body: string): boolean {
  try {
    const e = JSON.parse(body).error;
    return typeof e?.code === "string" && typeof e?.requestId === "string";
  } catch {
    return false;
  }
}

async function openRoutes(base: string): Promise<void> {
  const wrong = { "x-api-key": "kmy_wrong" };
  const found: Record<string, number> = {};
  for (const path of ["/health", "/ready", "/metrics", "/openapi.json"])
    found[path] = (await get(base, path, wrong)).status;
  const doc = JSON.parse((await get(base, "/openapi.json")).body) as {
    paths: Record<string, Record<string, { security?: unknown[] }>>;
  };
  const openMarkedAsNeedingKey = ["/health", "/ready", "/metrics"].filter(
    (p) => doc.paths[p]?.get?.security === undefined,
  );
  report("open-routes-with-wrong-key", { statuses: found, openMarkedAsNeedingKey });
}

/** Every route of the OpenAPI document, every method, without a key: which are not refused? */
async function keysEverywhere(base: string): Promise<void> {
  const doc = JSON.parse((await get(base, "/openapi.json")).body) as {
    paths: Record<string, Record<string, unknown>>;
  };
  const open = new Set(["/health", "/ready", "/metrics"]);
  const notRefused: string[] = [];
  let checked = 0;
  let throttled = 0;
  for (const [path, methods] of Object.entries(doc.paths)) {
    if (open.has(path)) continue;
    for (const method of Object.keys(methods)) {
      const url = path.replace(/\{[^}]+\}/g, "x");
      const res = await fetch(`${base}${url}`, {
        method: method.toUpperCase(),
        headers: { "content-type": "application/json" },
        body: method === "get" || method === "delete" ? undefined : "{}",
      });
      await res.arrayBuffer();
      checked++;
      // 429: this address is past its budget of failed authentications (a refusal too).
      if (res.status === 429) throttled++;
      else if (res.status !== 401) notRefused.push(`${method.toUpperCase()} ${path} ${res.status}`);
    }
  }
  report("keys-on-every-route", { checked, throttled, notRefused });
}

async function nul(base: string, key: string): Promise<void> {
  const auth = { "x-api-key": key, "content-type": "application/json" };
  const q = await get(base, "/security/events?subject=ETH%00", { "x-api-key": key });
  const post = async (path: string, body: unknown) => {
    const res = await fetch(`${base}${path}`, {
      method: "POST",
      headers: auth,
      body: JSON.stringify(body),
    });
    await res.arrayBuffer();
    return res.status;
  };
  report("nul", {
    query: q.status,
    webhookName: await post("/webhooks", { url: "https://example.com/h", name: "a\u0000b" }),
    silenceComment: await post("/silences", {
      matchers: { detector: "oracle" },
      comment: "x\u0000",
      durationMinutes: 5,
    }),
  });
}

async function webhookUrls(base: string, key: string): Promise<void> {
  const post = async (url: string) => {
    const res = await fetch(`${base}/webhooks`, {
      method: "POST",
      headers: { "x-api-key": key, "content-type": "application/json" },
      body: JSON.stringify({ url }),
    });
    const body = await res.text();
    return res.status === 201 ? `201 stored ${JSON.stringify(JSON.parse(body).url)}` : res.status;
  };
  report("webhook-urls", {
    space: await post("https://example.com/a b"),
    crlf: await post("https://example.com/a\r\nX-Injected: 1"),
    backslash: await post("https:\\\\example.com\\hook"),
    [`resolvesToLoopback(${hostname()})`]: await post(`https://${hostname()}/hook`),
  });
}

/** A body trickled one byte every 2 s: how long does the server keep the connection open? */
async function slowBody(port: number, key: string, maxSeconds: number): Promise<void> {
  const started = Date.now();
  const socket = net.connect(port, "127.0.0.1");
  let closed = false;
  let status: number | null = null;
  socket.setEncoding("latin1");
  socket.on("data", (c: string) => {
    status ??= Number(/^HTTP\/1\.1 (\d{3})/.exec(c)?.[1] ?? Number.NaN);
  });
  socket.on("close", () => {
    closed = true;
  });
  socket.on("error", () => {});
  socket.write(
    `POST /silences HTTP/1.1\r\nHost: 127.0.0.1\r\nX-API-Key: ${key}\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n`,
  );
  while (!closed && Date.now() - started < maxSeconds * 1000) {
    socket.write(" ");
    await sleep(2_000);
  }
  const heldS = Math.round((Date.now() - started) / 1000);
  socket.destroy();
  report("slow-body", {
    closedByServer: closed,
    heldSeconds: heldS,
    limitOfProbeSeconds: maxSeconds,
    status,
  });
}

/** Many idle connections from one address: how many stay open? */
async function idleConnections(port: number, n: number): Promise<void> {
  const sockets: net.Socket[] = [];
  let closed = 0;
  for (let i = 0; i < n; i++) {
    const s = net.connect(port, "127.0.0.1");
    s.on("error", () => {});
    s.on("close", () => {
      closed++;
    });
    sockets.push(s);
  }
  await sleep(1_500);
  report("connections-per-ip", { opened: n, stillOpenAfter1500ms: n - closed });
  for (const s of sockets) s.destroy();
}

async function nodeErrors(port: number): Promise<void> {
  const big = await exchange(
    port,
    `GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: ${"a".repeat(20_000)}\r\n\r\n`,
    2_000,
  );
  const bad = await exchange(port, "GET /health HTTP/1.1\r\nHost 127.0.0.1\r\n\r\n", 2_000);
  const body = (t: string) => t.slice(t.indexOf("\r\n\r\n") + 4);
  big.socket.destroy();
  bad.socket.destroy();
  report("node-own-errors", {
    headerTooLarge: big.status,
    headerTooLargeInEnvelope: isEnvelope(body(big.text)),
    malformed: bad.status,
    malformedInEnvelope: isEnvelope(body(bad.text)),
  });
}

async function methodsAndNumbers(base: string, key: string): Promise<void> {
  const auth = { "x-api-key": key };
  const del = await fetch(`${base}/security/events`, { method: "DELETE", headers: auth });
  await del.arrayBuffer();
  report("wrong-method", { status: del.status, allow: del.headers.get("allow") });
  report("lenient-numbers", {
    "limit=0x10": (await get(base, "/security/events?limit=0x10", auth)).status,
    "limit=%2010": (await get(base, "/security/events?limit=%2010", auth)).status,
    "min_amount=": (await get(base, "/exploits?min_amount=", auth)).status,
  });
}

/** Starts `kamiyo serve --role api,deliver` from `checkout` with a new key; resolves once it listens. */
async function serve(
  checkout: string,
): Promise<{ base: string; key: string; child: ChildProcess; dir: string }> {
  const key = `kmy_${randomBytes(32).toString("base64url")}`;
  const dir = mkdtempSync(join(tmpdir(), "kamiyo-probe-"));
  const port = 20_000 + Math.floor(Math.random() * 20_000);
  const child = spawn(
    process.execPath,
    [join(resolve(checkout), "apps/cli/bin/kamiyo.js"), "serve", "--role", "api,deliver"],
    {
      cwd: dir,
      env: {
        ...process.env,
        KAMIYO_DATA_DIR: join(dir, "data"),
        API_PORT: String(port),
        API_KEY_HASHES: `sha256:${createHash("sha256").update(key).digest("hex")}`,
        API_RATE_LIMIT_PER_KEY: "1000000",
        LOG_LEVEL: "warn",
      },
      stdio: ["ignore", "ignore", "inherit"],
    },
  );
  const base = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 600; i++) {
    try {
      if ((await fetch(`${base}/health`)).ok) return { base, key, child, dir };
    } catch {}
    await sleep(100);
  }
  child.kill("SIGKILL");
  throw new Error("the server did not start within 60 s");
}

async function main(): Promise<void> {
  let base = args.url;
  let key = args.key ?? "";
  let served: Awaited<ReturnType<typeof serve>> | null = null;
  if (args.serve) {
    served = await serve(args.serve);
    base = served.base;
    key = served.key;
  }
  if (!base || !key) throw new Error("give --serve CHECKOUT, or --url and --key");
  const url = new URL(base);
  if (url.hostname !== "127.0.0.1" && url.hostname !== "localhost")
    throw new Error("the probe only targets this machine (127.0.0.1)");
  const port = Number(url.port);
  await upgrades(port, Number(args.upgrades));
  await openRoutes(base);
  await keysEverywhere(base);
  await nul(base, key);
  await webhookUrls(base, key);
  await nodeErrors(port);
  await methodsAndNumbers(base, key);
  await idleConnections(port, Number(args["idle-connections"]));
  await slowBody(port, key, Number(args["slow-seconds"]));
  await failedAuth(base, Number(args["auth-seconds"]));
  if (served) {
    const started = Date.now();
    const child = served.child;
    const exited = new Promise<number | null>((r) => child.once("exit", (code) => r(code)));
    child.kill("SIGTERM");
    const code = await Promise.race([exited, sleep(15_000).then(() => "timeout" as const)]);
    report("sigterm", {
      stopped: code !== "timeout",
      exitCode: code,
      seconds: Math.round((Date.now() - started) / 100) / 10,
    });
    if (code === "timeout") child.kill("SIGKILL");
    rmSync(served.dir, { recursive: true, force: true });
  }
}

await main();
