import { spawn } from "node:child_process";
import net, { type AddressInfo } from "node:net";
import { Writable } from "node:stream";
import { createLogger } from "@kamiyo/core";
import { afterEach, describe, expect, it } from "vitest";
import { apiConfig } from "./config.ts";
import { maxConnections, openFileLimit } from "./connection-limits.ts";
import { apiHarness, type Harness } from "./testing/api-harness.ts";
import { connectionsDrain } from "./testing/raw-socket.ts";

let h: Harness | null = null;
const sockets: net.Socket[] = [];
afterEach(async () => {
  for (const s of sockets.splice(0)) s.destroy();
  await h?.close();
  h = null;
});

async function listening(options: Parameters<typeof apiHarness>[0]): Promise<number> {
  h = await apiHarness({ seeded: false, ...options });
  await h.app.listen({ port: 0, host: "127.0.0.1" });
  return (h.app.server.address() as AddressInfo).port;
}

/** A connection that records what the server sent and when it closed (ms after opening). */
function connect(port: number) {
  const socket = net.connect(port, "127.0.0.1");
  sockets.push(socket);
  const started = performance.now();
  const seen = { text: "", closedAfterMs: null as number | null };
  socket.setEncoding("utf8");
  socket.on("data", (c: string) => {
    seen.text += c;
  });
  socket.on("error", () => {});
  socket.on("close", () => {
    seen.closedAfterMs = performance.now() - started;
  });
  return { socket, seen };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(check: () => boolean, withinMs: number): Promise<void> {
  const end = performance.now() + withinMs;
  while (!check() && performance.now() < end) await sleep(20);
}

function capturedLogger(lines: Record<string, unknown>[]) {
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString("utf8").split("\n"))
        if (line.trim()) lines.push(JSON.parse(line));
      done();
    },
  });
  return createLogger("info", {}, sink);
}

describe("slow clients", () => {
  it("closes a connection whose body trickles in past requestTimeoutMs, with a 408 envelope", async () => {
    const port = await listening({ config: { headersTimeoutMs: 200, requestTimeoutMs: 400 } });
    const { socket, seen } = connect(port);
    socket.write(
      "POST /silences HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{",
    );
    const trickle = setInterval(() => socket.writable && socket.write(" "), 50);
    await until(() => seen.closedAfterMs !== null, 3_000);
    clearInterval(trickle);
    expect(seen.closedAfterMs).not.toBeNull();
    expect(seen.closedAfterMs).toBeGreaterThanOrEqual(350);
    expect(seen.closedAfterMs).toBeLessThan(2_000);
    expect(seen.text).toMatch(/^HTTP\/1\.1 408 /);
    const body = JSON.parse(seen.text.slice(seen.text.indexOf("\r\n\r\n") + 4));
    expect(body.error).toMatchObject({ code: "invalid_input" });
    expect(body.error.message).toMatch(/not received within 400 ms/);
    expect(body.error.requestId).toMatch(/^req_[0-9a-f]{16}$/);
  });

  it("closes a connection whose headers do not arrive within headersTimeoutMs", async () => {
    const port = await listening({ config: { headersTimeoutMs: 200, requestTimeoutMs: 1_000 } });
    const { socket, seen } = connect(port);
    socket.write("GET /health HTTP/1.1\r\nHost: x\r\n");
    const trickle = setInterval(() => socket.writable && socket.write("X-A: b\r\n"), 50);
    await until(() => seen.closedAfterMs !== null, 3_000);
    clearInterval(trickle);
    expect(seen.closedAfterMs).not.toBeNull();
    expect(seen.closedAfterMs).toBeLessThan(1_000);
  });
});

describe("Node's own refusals", () => {
  it("answers a malformed request (400) and headers over 16 KB (431) in the error envelope", async () => {
    const port = await listening({});
    const answers: string[] = [];
    for (const request of [
      "GET /health HTTP/1.1\r\nHost 127.0.0.1\r\n\r\n",
      `GET /health HTTP/1.1\r\nHost: x\r\nX-Big: ${"a".repeat(20_000)}\r\n\r\n`,
    ]) {
      const { socket, seen } = connect(port);
      socket.write(request);
      await until(() => seen.closedAfterMs !== null, 2_000);
      answers.push(seen.text);
    }
    expect(answers.map((a) => a.slice(0, 12))).toEqual(["HTTP/1.1 400", "HTTP/1.1 431"]);
    const bodies = answers.map((a) => JSON.parse(a.slice(a.indexOf("\r\n\r\n") + 4)).error);
    expect(bodies[0]).toMatchObject({ code: "invalid_input" });
    expect(bodies[0].message).toMatch(/^malformed HTTP request \(HPE_/);
    expect(bodies[1]).toMatchObject({
      code: "invalid_input",
      message: "the request's headers are larger than 16 KB",
    });
    expect(bodies.map((b) => b.requestId)).toEqual([
      expect.stringMatching(/^req_[0-9a-f]{16}$/),
      expect.stringMatching(/^req_[0-9a-f]{16}$/),
    ]);
  });
});

describe("connections per client IP", () => {
  it("closes connections past maxConnectionsPerIp as they arrive, logs it, and takes new ones once others close", async () => {
    const lines: Record<string, unknown>[] = [];
    const port = await listening({
      config: { maxConnectionsPerIp: 5 },
      log: capturedLogger(lines),
    });
    const first = Array.from({ length: 5 }, () => connect(port));
    await until(() => false, 200);
    const extra = Array.from({ length: 3 }, () => connect(port));
    await until(() => extra.every((c) => c.seen.closedAfterMs !== null), 2_000);
    expect(extra.map((c) => c.seen.closedAfterMs !== null)).toEqual([true, true, true]);
    expect(first.map((c) => c.seen.closedAfterMs)).toEqual(Array(5).fill(null));
    expect(lines.length).toBeGreaterThan(0);
    expect(lines[0]).toMatchObject({ level: "warn", remoteAddress: "127.0.0.1", limit: 5 });
    // One closes: a new connection is taken and answered.
    first[0]?.socket.destroy();
    await until(() => first[0]?.seen.closedAfterMs !== null, 1_000);
    await sleep(50);
    const next = connect(port);
    next.socket.write("GET /health HTTP/1.1\r\nHost: x\r\n\r\n");
    await until(() => next.seen.text.includes("\r\n\r\n"), 2_000);
    expect(next.seen.text).toMatch(/^HTTP\/1\.1 200 /);
    for (const c of [...first, next]) c.socket.destroy();
    await connectionsDrain(h?.app.server as net.Server, 1_000);
  });
});

describe("connections in all", () => {
  it("stops accepting before the process runs out of file descriptors, logs it, and recovers", async () => {
    // The API alone in a process limited to 300 open files: it takes 300 - 256 = 44 connections.
    const child = spawn(
      "prlimit",
      [
        "--nofile=300:300",
        process.execPath,
        new URL("./testing/fd-limit-server.ts", import.meta.url).pathname,
      ],
      { stdio: ["ignore", "pipe", "pipe"] },
    );
    const lines: Record<string, unknown>[] = [];
    let stderr = "";
    child.stderr.setEncoding("utf8").on("data", (c: string) => {
      stderr += c;
      for (;;) {
        const end = stderr.indexOf("\n");
        if (end < 0) break;
        const line = stderr.slice(0, end);
        stderr = stderr.slice(end + 1);
        if (line.startsWith("{")) lines.push(JSON.parse(line));
      }
    });
    try {
      const port = await new Promise<number>((resolve, reject) => {
        child.stdout.setEncoding("utf8").once("data", (c: string) => resolve(Number(c.trim())));
        child.once("exit", (code) => reject(new Error(`server exited ${code}: ${stderr}`)));
      });
      const clients = Array.from({ length: 120 }, () => connect(port));
      await until(() => lines.some((l) => l.level === "error"), 3_000);
      await sleep(300);
      const closed = clients.filter((c) => c.seen.closedAfterMs !== null).length;
      expect(closed).toBeGreaterThanOrEqual(120 - 44);
      expect(closed).toBeLessThan(120);
      const refusals = lines.filter((l) => l.level === "error");
      expect(refusals.length).toBeGreaterThan(0);
      expect(refusals[0]?.msg).toMatch(
        /^connection refused: 44 connections are open, the most this process takes \(API_MAX_CONNECTIONS; its open-file limit is 300\)$/,
      );
      for (const c of clients) c.socket.destroy();
      await sleep(200);
      const health = connect(port);
      health.socket.write("GET /health HTTP/1.1\r\nHost: x\r\n\r\n");
      await until(() => health.seen.text.includes("\r\n\r\n"), 2_000);
      expect(health.seen.text).toMatch(/^HTTP\/1\.1 200 /);
    } finally {
      child.kill("SIGTERM");
    }
  });

  it("defaults to the open-file limit less a reserve, read from /proc/self/limits", () => {
    const limit = openFileLimit();
    expect(limit).toBeGreaterThan(256);
    expect(maxConnections(apiConfig.parse({}))).toBe((limit as number) - 256);
    expect(maxConnections(apiConfig.parse({}), 1_024)).toBe(768);
    expect(maxConnections(apiConfig.parse({ maxConnections: 50 }), 1_024)).toBe(50);
    expect(openFileLimit("/nonexistent")).toBeNull();
    expect(maxConnections(apiConfig.parse({}), null)).toBeNull();
  });
});
