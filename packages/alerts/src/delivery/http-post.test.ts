import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { HttpPoster, type PostPolicy } from "./http-post.ts";
import type { Resolver } from "./ssrf.ts";

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

/** A real HTTP server on a loopback port that counts requests and connections. */
interface TestServer {
  server: Server;
  port: number;
  url: string;
  requests: { path: string; body: string; headers: IncomingMessage["headers"] }[];
  connections: number;
  handler: Handler;
  close(): Promise<void>;
}

async function startServer(host = "127.0.0.1"): Promise<TestServer> {
  const ok: Handler = (_req, res) => res.end("ok");
  const t = { requests: [], connections: 0, handler: ok } as unknown as TestServer;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      t.requests.push({
        path: req.url ?? "",
        body: Buffer.concat(chunks).toString(),
        headers: req.headers,
      });
      t.handler(req, res);
    });
  });
  server.on("connection", () => t.connections++);
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, host, resolve);
  });
  const port = (server.address() as AddressInfo).port;
  t.server = server;
  t.port = port;
  t.url = `http://${host.includes(":") ? `[${host}]` : host}:${port}`;
  t.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return t;
}

const servers: TestServer[] = [];
let a: TestServer;
let b: TestServer;
let poster: HttpPoster;

const names: Record<string, string> = {
  "loopback.test": "127.0.0.1",
  "private.test": "10.0.0.1",
};
const resolve: Resolver = async (host) => {
  const address = names[host];
  if (!address) throw Object.assign(new Error(`ENOTFOUND ${host}`), { code: "ENOTFOUND" });
  return [{ address, family: 4 }];
};

function post(url: string, policy: PostPolicy = "guarded-allow-loopback", timeoutMs?: number) {
  return poster.post({
    url,
    headers: { "content-type": "application/json" },
    body: '{"hello":"world"}',
    policy,
    ...(timeoutMs === undefined ? {} : { timeoutMs }),
  });
}

beforeAll(async () => {
  a = await startServer();
  b = await startServer();
  servers.push(a, b);
});

afterEach(async () => {
  await poster?.close();
  for (const s of servers) {
    s.requests.length = 0;
    s.connections = 0;
    s.handler = (_req, res) => res.end("ok");
    s.server.closeAllConnections();
  }
});

afterAll(async () => {
  await Promise.all(servers.map((s) => s.close()));
});

describe("HttpPoster", () => {
  it("returns a 2xx with the start of the body, and sends the request as given", async () => {
    poster = new HttpPoster({ userAgent: "kamiyo-test" });
    a.handler = (_req, res) => res.writeHead(202).end("accepted");
    const out = await post(`${a.url}/hook?x=1`);
    expect(out).toMatchObject({ ok: true, status: 202, excerpt: "accepted" });
    expect(out.latencyMs).toBeGreaterThanOrEqual(0);
    expect(a.requests).toHaveLength(1);
    expect(a.requests[0]).toMatchObject({ path: "/hook?x=1", body: '{"hello":"world"}' });
    expect(a.requests[0]?.headers["user-agent"]).toBe("kamiyo-test");
    expect(a.requests[0]?.headers["content-type"]).toBe("application/json");
  });

  it("keeps only the first 1 KB of a large body", async () => {
    poster = new HttpPoster();
    a.handler = (_req, res) => res.end("x".repeat(1000) + "y".repeat(200_000));
    const out = await post(a.url);
    expect(out.ok).toBe(true);
    expect(out.excerpt).toBe("x".repeat(1000) + "y".repeat(24));
  });

  it("fails a 500, retryable, with the body excerpt", async () => {
    poster = new HttpPoster();
    a.handler = (_req, res) => res.writeHead(500).end("boom");
    const out = await post(a.url);
    expect(out).toMatchObject({
      ok: false,
      retry: true,
      gone: false,
      status: 500,
      excerpt: "boom",
      error: "HTTP 500",
      retryAfterMs: null,
    });
  });

  it("honours Retry-After in seconds and as an HTTP date on 429 and 503", async () => {
    poster = new HttpPoster();
    a.handler = (_req, res) => res.writeHead(429, { "retry-after": "7" }).end();
    expect(await post(a.url)).toMatchObject({
      ok: false,
      retry: true,
      status: 429,
      retryAfterMs: 7000,
    });

    const at = new Date(Date.now() + 60_000).toUTCString();
    a.handler = (_req, res) => res.writeHead(503, { "retry-after": at }).end();
    const out = await post(a.url);
    expect(out).toMatchObject({ ok: false, retry: true, status: 503 });
    if (out.ok) throw new Error("expected a failure");
    expect(out.retryAfterMs).toBeGreaterThan(55_000);
    expect(out.retryAfterMs).toBeLessThanOrEqual(60_000);
  });

  it("marks 410 as gone and not retryable; other 4xx are retried", async () => {
    poster = new HttpPoster();
    a.handler = (_req, res) => res.writeHead(410).end("bye");
    expect(await post(a.url)).toMatchObject({ ok: false, gone: true, retry: false, status: 410 });
    a.handler = (_req, res) => res.writeHead(400).end();
    expect(await post(a.url)).toMatchObject({ ok: false, gone: false, retry: true, status: 400 });
  });

  it("does not follow redirects", async () => {
    poster = new HttpPoster();
    a.handler = (_req, res) => res.writeHead(302, { location: `${b.url}/elsewhere` }).end();
    const out = await post(a.url);
    expect(out).toMatchObject({
      ok: false,
      retry: true,
      status: 302,
      error: `HTTP 302: redirect to ${b.url}/elsewhere not followed`,
    });
    expect(b.requests).toHaveLength(0);
  });

  it("times out a server that never answers", async () => {
    poster = new HttpPoster();
    a.handler = () => {};
    const out = await post(a.url, "guarded-allow-loopback", 300);
    expect(out).toMatchObject({
      ok: false,
      retry: true,
      status: null,
      error: "no response within 300 ms",
    });
  });

  it("times out a body that never ends", async () => {
    poster = new HttpPoster();
    a.handler = (_req, res) => {
      res.writeHead(200, { "content-length": "100" });
      res.write("partial");
    };
    const out = await post(a.url, "trusted", 300);
    expect(out).toMatchObject({ ok: false, retry: true, error: "no response within 300 ms" });
  });

  it("retries a refused connection and an unknown host", async () => {
    poster = new HttpPoster({ resolve });
    const closed = await startServer();
    await closed.close();
    const refused = await post(closed.url);
    expect(refused).toMatchObject({ ok: false, retry: true, status: null });
    if (refused.ok) throw new Error("expected a failure");
    expect(refused.error).toContain("ECONNREFUSED");

    const unknown = await post("http://nowhere.test/", "guarded");
    expect(unknown).toMatchObject({ ok: false, retry: true, status: null });
  });

  it("refuses a request it cannot send, without retry", async () => {
    poster = new HttpPoster();
    const bad = {
      url: a.url,
      headers: { "x-bad": "a\r\nb" },
      body: "",
      policy: "trusted" as const,
    };
    expect(await poster.post(bad)).toMatchObject({ ok: false, retry: false });
    expect(await poster.post({ ...bad, url: "ftp://example.com/" })).toMatchObject({
      ok: false,
      retry: false,
    });
    expect(a.requests).toHaveLength(0);
  });

  it("reuses connections across sequential posts", async () => {
    poster = new HttpPoster();
    for (let i = 0; i < 20; i++) expect((await post(a.url)).ok).toBe(true);
    expect(a.requests).toHaveLength(20);
    expect(a.connections).toBeLessThan(5);
  });
});

describe("HttpPoster SSRF guard", () => {
  let v6: TestServer | null = null;
  beforeAll(async () => {
    v6 = await startServer("::1").catch(() => null);
    if (v6) servers.push(v6);
  });

  it.each([
    ["http IP literal", () => `${a.url}/`, "127.0.0.1 is a loopback address"],
    ["https IP literal", () => `https://127.0.0.1:${a.port}/`, "127.0.0.1 is a loopback address"],
    ["https name of a loopback address", () => `https://loopback.test:${a.port}/`, "loopback.test"],
    ["IPv6 literal", () => `http://[::1]:${v6?.port ?? a.port}/`, "::1 is a loopback address"],
    ["metadata service", () => "http://169.254.169.254/latest/meta-data/", "cloud metadata"],
    ["name of a loopback address", () => `http://loopback.test:${a.port}/`, "loopback.test"],
    ["name of a private address", () => `http://private.test:${a.port}/`, "10.0.0.1"],
  ])("refuses a %s without connecting", async (_name, url, message) => {
    poster = new HttpPoster({ resolve });
    const out = await post(url(), "guarded");
    expect(out).toMatchObject({ ok: false, retry: false, gone: false, status: null });
    if (out.ok) throw new Error("expected a failure");
    expect(out.error).toContain(message);
    expect(a.connections + (v6?.connections ?? 0)).toBe(0);
    expect(a.requests.length + (v6?.requests.length ?? 0)).toBe(0);
  });

  it("lets loopback names through under guarded-allow-loopback, private ones never", async () => {
    poster = new HttpPoster({ resolve });
    expect((await post(`http://loopback.test:${a.port}/`)).ok).toBe(true);
    const out = await post(`http://private.test:${a.port}/`);
    expect(out).toMatchObject({ ok: false, retry: false });
  });

  it("does not follow a redirect to a loopback address", async () => {
    poster = new HttpPoster({ resolve });
    a.handler = (_req, res) => res.writeHead(307, { location: `${b.url}/internal` }).end();
    const out = await post(`http://loopback.test:${a.port}/`);
    expect(out).toMatchObject({ ok: false, retry: true, status: 307 });
    expect(b.requests).toHaveLength(0);
    expect(b.connections).toBe(0);
  });
});
