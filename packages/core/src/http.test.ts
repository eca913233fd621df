import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SystemClock } from "./clock.ts";
import { AppError } from "./errors.ts";
import { FetchHttpClient, HttpStatusError, parseRetryAfter, requestWithRetry } from "./http.ts";
import { IoTracker } from "./io-tracker.ts";
import { seededRandom } from "./random.ts";

let server: Server;
let base: string;
const hits = new Map<string, number>();

beforeAll(async () => {
  server = createServer((req, res) => {
    const path = req.url ?? "/";
    const n = (hits.get(path) ?? 0) + 1;
    hits.set(path, n);
    if (path === "/flaky" && n < 3) {
      res.writeHead(503).end("busy");
    } else if (path === "/limited" && n === 1) {
      res.writeHead(429, { "retry-after": "0" }).end('{"msg":"slow down"}');
    } else if (path === "/gone") {
      res.writeHead(451).end('{"code":0,"msg":"Service unavailable from a restricted location"}');
    } else if (path === "/hang") {
      // never answers
    } else if (path === "/redirect") {
      res.writeHead(302, { location: "/ok" }).end();
    } else {
      res.writeHead(200, { "content-type": "application/json" }).end('{"ok":true}');
    }
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

const retry = {
  clock: new SystemClock(),
  random: seededRandom(1),
  retries: 3,
  backoff: { initialMs: 5, maxMs: 20, factor: 2 },
};

describe("FetchHttpClient and requestWithRetry", () => {
  it("retries 5xx and 429 and returns the first 2xx", async () => {
    const io = new IoTracker();
    const http = new FetchHttpClient({ userAgent: "test", timeoutMs: 2000, io });
    const res = await requestWithRetry(http, { url: `${base}/flaky` }, retry);
    expect(res.body).toEqual({ ok: true });
    expect(hits.get("/flaky")).toBe(3);
    await requestWithRetry(http, { url: `${base}/limited` }, retry);
    expect(hits.get("/limited")).toBe(2);
    expect(io.inFlight).toBe(0);
  });

  it("does not retry a 451 and reports it as a rejection with the status", async () => {
    const http = new FetchHttpClient({ userAgent: "test", timeoutMs: 2000 });
    const err = await requestWithRetry(http, { url: `${base}/gone` }, retry).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(HttpStatusError);
    expect((err as HttpStatusError).status).toBe(451);
    expect((err as HttpStatusError).retryable).toBe(false);
    expect(hits.get("/gone")).toBe(1);
  });

  it("times out a hanging server with a retryable error", async () => {
    const http = new FetchHttpClient({ userAgent: "test", timeoutMs: 100 });
    const err = await http.request({ url: `${base}/hang` }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AppError);
    expect((err as AppError).code).toBe("upstream_unavailable");
    expect((err as AppError).retryable).toBe(true);
  });

  it("does not follow redirects", async () => {
    const http = new FetchHttpClient({ userAgent: "test", timeoutMs: 2000 });
    const res = await http.request({ url: `${base}/redirect` });
    expect(res.status).toBe(302);
  });

  it("parses Retry-After seconds and dates", () => {
    expect(parseRetryAfter("3", 0)).toBe(3000);
    expect(parseRetryAfter("Thu, 01 Jan 1970 00:00:10 GMT", 4000)).toBe(6000);
    expect(parseRetryAfter("soon", 0)).toBeNull();
    expect(parseRetryAfter(null, 0)).toBeNull();
  });
});
