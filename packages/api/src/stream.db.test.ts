import http from "node:http";
import type { AddressInfo } from "node:net";
import { type Finding, type FindingChange, silentLogger } from "@kamiyo/core";
import { type Db, upsertFindings } from "@kamiyo/db";
import { afterEach, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { buildApi } from "./build-api.ts";
import { apiConfig } from "./config.ts";
import { encodeCursor } from "./cursor.ts";
import { FindingFeed } from "./feed.ts";
import { findingSchema, toFindingJson } from "./schemas/common.ts";
import { apiHarness, finding, type Harness, NOW } from "./testing/api-harness.ts";

const MIN = 60_000;
const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const FINDING_FIELDS = [
  "dataAt",
  "detectedAt",
  "detector",
  "evidence",
  "firstDataAt",
  "id",
  "key",
  "kind",
  "occurrences",
  "resolvedAt",
  "severity",
  "status",
  "subject",
  "title",
  "updatedAt",
].sort();

// ---------------------------------------------------------------------------------------------
// Clients

interface SseEvent {
  id: string | undefined;
  event: string | undefined;
  data: string;
}

/** An SSE client over a real socket: everything it received, parsed as the event stream. */
interface SseClient {
  status: number;
  headers: http.IncomingHttpHeaders;
  /** Blocks as received (each terminated by a blank line). */
  blocks: string[][];
  events: SseEvent[];
  comments: string[];
  retry: number[];
  ended: boolean;
  closed: boolean;
  /** The whole body, for non-stream answers (errors). */
  body: string;
  close(): void;
  req: http.ClientRequest;
  res: http.IncomingMessage;
}

interface WsClient {
  ws: WebSocket;
  messages: string[];
  pings: number;
  closeCode: number | null;
  closeReason: string;
  opened: boolean;
  /** Status of a refused upgrade, if any. */
  refused: { status: number; body: string } | null;
}

/** Everything opened during a test; closed in afterEach, whatever happened. */
const open = {
  harnesses: [] as Harness[],
  requests: [] as http.ClientRequest[],
  sockets: [] as WebSocket[],
  cleanups: [] as (() => Promise<void> | void)[],
};

afterEach(async () => {
  for (const r of open.requests.splice(0)) r.destroy();
  for (const s of open.sockets.splice(0)) s.terminate();
  for (const c of open.cleanups.splice(0).reverse()) await c();
  for (const h of open.harnesses.splice(0)) await h.close();
});

async function waitFor(
  cond: () => boolean | Promise<boolean>,
  what: string,
  timeoutMs = 5_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

function parseBlock(lines: string[], c: SseClient): void {
  const ev: Partial<SseEvent> & { data?: string } = {};
  let isEvent = false;
  for (const line of lines) {
    if (line.startsWith(":")) {
      c.comments.push(line.slice(1).trim());
      continue;
    }
    const colon = line.indexOf(":");
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? "" : line.slice(colon + 1);
    if (value.startsWith(" ")) value = value.slice(1);
    if (field === "retry") c.retry.push(Number(value));
    else if (field === "id") {
      ev.id = value;
      isEvent = true;
    } else if (field === "event") {
      ev.event = value;
      isEvent = true;
    } else if (field === "data") {
      ev.data = ev.data === undefined ? value : `${ev.data}\n${value}`;
      isEvent = true;
    }
  }
  if (isEvent) c.events.push({ id: ev.id, event: ev.event, data: ev.data ?? "" });
}

/** GETs `path` and resolves once the response headers arrived; keeps parsing what follows. */
function sse(base: string, path: string, headers: Record<string, string> = {}): Promise<SseClient> {
  return new Promise((resolve, reject) => {
    const req = http.get(`${base}${path}`, {
      headers: { accept: "text/event-stream", ...headers },
    });
    open.requests.push(req);
    req.on("error", (err) => {
      if (!(err as NodeJS.ErrnoException).code?.startsWith("ECONNRESET")) reject(err);
    });
    req.on("response", (res) => {
      const c: SseClient = {
        status: res.statusCode ?? 0,
        headers: res.headers,
        blocks: [],
        events: [],
        comments: [],
        retry: [],
        ended: false,
        closed: false,
        body: "",
        close: () => req.destroy(),
        req,
        res,
      };
      let buffer = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => {
        c.body += chunk;
        buffer += chunk;
        for (;;) {
          const end = buffer.indexOf("\n\n");
          if (end < 0) break;
          const lines = buffer.slice(0, end).split("\n");
          buffer = buffer.slice(end + 2);
          c.blocks.push(lines);
          parseBlock(lines, c);
        }
      });
      res.on("end", () => {
        c.ended = true;
      });
      res.on("close", () => {
        c.closed = true;
      });
      res.on("error", () => {});
      resolve(c);
    });
  });
}

/** A WebSocket client; resolves once it is open (or was refused / closed during the handshake). */
function wsConnect(base: string, path: string): Promise<WsClient> {
  return new Promise((resolve) => {
    const ws = new WebSocket(`${base.replace("http", "ws")}${path}`);
    open.sockets.push(ws);
    const c: WsClient = {
      ws,
      messages: [],
      pings: 0,
      closeCode: null,
      closeReason: "",
      opened: false,
      refused: null,
    };
    ws.on("message", (data) => c.messages.push(String(data)));
    ws.on("ping", () => c.pings++);
    ws.on("open", () => {
      c.opened = true;
      resolve(c);
    });
    ws.on("close", (code, reason) => {
      c.closeCode = code;
      c.closeReason = String(reason);
      resolve(c);
    });
    ws.on("unexpected-response", (_req, res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (d: string) => {
        body += d;
      });
      res.on("end", () => {
        c.refused = { status: res.statusCode ?? 0, body };
        resolve(c);
      });
    });
    ws.on("error", () => {});
  });
}

async function start(
  options: Parameters<typeof apiHarness>[0] = {},
): Promise<{ h: Harness; base: string }> {
  const h = await apiHarness(options);
  open.harnesses.push(h);
  await h.app.listen({ port: 0, host: "127.0.0.1" });
  const { port } = h.app.server.address() as AddressInfo;
  return { h, base: `http://127.0.0.1:${port}` };
}

interface EventData {
  id: string;
  change: string;
  finding: ReturnType<typeof toFindingJson>;
}

const dataOf = (e: SseEvent): EventData => JSON.parse(e.data) as EventData;
const cursorOf = (f: Finding) => encodeCursor({ at: f.updatedAt, id: f.id });
/** `${change} ${finding id}` of each event, for compact comparisons. */
const summary = (events: readonly EventData[]) => events.map((e) => `${e.change} ${e.finding.id}`);
const sseSummary = (c: SseClient) => summary(c.events.map(dataOf));
const wsData = (c: WsClient) => c.messages.map((m) => JSON.parse(m) as EventData);

/** A finding not in the seeded data, changed after every seeded one. */
function fresh(n: number, over: Partial<Finding> = {}): Finding {
  const at = NOW + n * 1_000;
  return finding(n, {
    id: `fnd_live${String(n).padStart(8, "0")}`,
    status: "open",
    resolvedAt: null,
    occurrences: 1,
    firstDataAt: at - 30_000,
    dataAt: at,
    detectedAt: at,
    updatedAt: at,
    ...over,
  });
}

function expectErrorEnvelope(body: string, code: string, mentions: string): void {
  const parsed = JSON.parse(body) as {
    error: { code: string; message: string; requestId: string };
  };
  expect(Object.keys(parsed)).toEqual(["error"]);
  expect(parsed.error.code).toBe(code);
  expect(parsed.error.message).toContain(mentions);
  expect(parsed.error.requestId).toMatch(/^req_[0-9a-f]{16}$/);
}

// ---------------------------------------------------------------------------------------------

describe("GET /stream (Server-Sent Events)", () => {
  it("answers 200 text/event-stream with a request id and a retry line, then sends published findings", async () => {
    const { h, base } = await start();
    const c = await sse(base, "/stream");
    expect(c.status).toBe(200);
    expect(c.headers["content-type"]).toMatch(/^text\/event-stream/);
    expect(c.headers["x-request-id"]).toMatch(/^req_[0-9a-f]{16}$/);
    expect(c.headers["cache-control"]).toContain("no-cache");
    await waitFor(() => c.retry.length > 0, "the retry line");
    expect(c.retry).toEqual([3000]);
    expect(c.blocks[0]).toEqual(["retry: 3000"]);
    await waitFor(() => h.feed.clients === 1, "the client to attach");

    const f = fresh(1, {
      severity: "critical",
      evidence: { deviationPct: 2.5, coin: "ETH", venues: ["binance", "coinbase"] },
    });
    h.feed.publish({ change: "opened", finding: f });
    await waitFor(() => c.events.length === 1, "the event");

    const [e] = c.events;
    expect(e?.id).toBe(cursorOf(f));
    expect(e?.event).toBe("finding");
    const data = JSON.parse(e?.data ?? "") as Record<string, unknown>;
    expect(Object.keys(data).sort()).toEqual(["change", "finding", "id"]);
    expect(data.id).toBe(e?.id);
    expect(data.change).toBe("opened");
    const json = data.finding as Record<string, unknown>;
    expect(Object.keys(json).sort()).toEqual(FINDING_FIELDS);
    expect(findingSchema.safeParse(json).success).toBe(true);
    for (const k of ["firstDataAt", "dataAt", "detectedAt", "updatedAt"]) {
      expect(json[k]).toMatch(ISO);
    }
    expect(json.resolvedAt).toBeNull();
    expect(json.updatedAt).toBe(new Date(f.updatedAt).toISOString());
    expect(json.firstDataAt).toBe(new Date(f.firstDataAt).toISOString());
    expect(json).not.toHaveProperty("tenantId");
    expect(json).toEqual(toFindingJson(f));
    expect(c.ended).toBe(false);
  });

  it("formats resolvedAt as an ISO time for resolved findings", async () => {
    const { h, base } = await start({ seeded: false });
    const c = await sse(base, "/stream");
    await waitFor(() => h.feed.clients === 1, "the client to attach");
    const f = fresh(2, { status: "resolved", resolvedAt: NOW + 5_000 });
    h.feed.publish({ change: "resolved", finding: f });
    await waitFor(() => c.events.length === 1, "the event");
    const data = dataOf(c.events[0] as SseEvent);
    expect(data.change).toBe("resolved");
    expect(data.finding.status).toBe("resolved");
    expect(data.finding.resolvedAt).toBe(new Date(NOW + 5_000).toISOString());
  });

  it("applies severity, detector, subject and change filters", async () => {
    const { h, base } = await start({ seeded: false });
    const paths = {
      all: "/stream",
      critical: "/stream?severity=critical",
      criticalHigh: "/stream?severity=critical,high",
      oracle: "/stream?detector=oracle",
      oracleHlp: "/stream?detector=oracle,hlp",
      eth: "/stream?subject=ETH",
      ethSol: "/stream?subject=ETH,SOL",
      updated: "/stream?change=updated",
      openedUpdated: "/stream?change=opened,updated",
      resolved: "/stream?change=resolved",
      combined: "/stream?severity=critical&detector=oracle&subject=ETH&change=opened,updated",
    } as const;
    const clients = {} as Record<keyof typeof paths, SseClient>;
    for (const [name, path] of Object.entries(paths)) {
      clients[name as keyof typeof paths] = await sse(base, path);
      expect(clients[name as keyof typeof paths].status).toBe(200);
    }
    await waitFor(() => h.feed.clients === Object.keys(paths).length, "every client to attach");

    const subject = (id: string) => ({ type: "asset" as const, id });
    const A = fresh(10, { severity: "critical", detector: "oracle", subject: subject("ETH") });
    const B = fresh(11, { severity: "low", detector: "hlp", subject: subject("BTC") });
    const C = fresh(12, { severity: "critical", detector: "oracle", subject: subject("ETH") });
    const D = fresh(13, {
      severity: "high",
      detector: "liquidations",
      subject: subject("SOL"),
      status: "resolved",
      resolvedAt: NOW + 13_500,
    });
    const E = fresh(14, {
      severity: "critical",
      detector: "manipulation",
      subject: subject("BTC"),
    });
    const changes: FindingChange[] = [
      { change: "opened", finding: A },
      { change: "opened", finding: B },
      { change: "updated", finding: C },
      { change: "resolved", finding: D },
      { change: "escalated", finding: E },
    ];
    // A last finding every client matches, in each change, marks the end of what each can get.
    const Z = fresh(20, { severity: "critical", detector: "oracle", subject: subject("ETH") });
    for (const change of ["opened", "escalated", "updated", "resolved"] as const) {
      changes.push({ change, finding: { ...Z, updatedAt: Z.updatedAt + changes.length } });
    }
    for (const c of changes) h.feed.publish(c);

    const ids = { A, B, C, D, E, Z };
    const s = (spec: string) =>
      spec
        .split(" ")
        .filter(Boolean)
        .map((x) => {
          const [change, name] = x.split(":") as [string, keyof typeof ids];
          return `${change} ${ids[name].id}`;
        });
    const expected: Record<keyof typeof paths, string[]> = {
      all: s("opened:A opened:B resolved:D escalated:E opened:Z escalated:Z resolved:Z"),
      critical: s("opened:A escalated:E opened:Z escalated:Z resolved:Z"),
      criticalHigh: s("opened:A resolved:D escalated:E opened:Z escalated:Z resolved:Z"),
      oracle: s("opened:A opened:Z escalated:Z resolved:Z"),
      oracleHlp: s("opened:A opened:B opened:Z escalated:Z resolved:Z"),
      eth: s("opened:A opened:Z escalated:Z resolved:Z"),
      ethSol: s("opened:A resolved:D opened:Z escalated:Z resolved:Z"),
      updated: s("updated:C updated:Z"),
      openedUpdated: s("opened:A opened:B updated:C opened:Z updated:Z"),
      resolved: s("resolved:D resolved:Z"),
      combined: s("opened:A updated:C opened:Z updated:Z"),
    };
    for (const [name, want] of Object.entries(expected)) {
      const c = clients[name as keyof typeof paths];
      const last = want.at(-1) as string;
      await waitFor(() => sseSummary(c).includes(last), `${name} to get ${last}`);
      expect(sseSummary(c), name).toEqual(want);
      for (const e of c.events) expect(e.id).toBe(dataOf(e).id);
    }
  });

  it("resumes from a Last-Event-ID header: replays findings changed after it in change order, then live ones", async () => {
    const { h, base } = await start();
    // Seeded finding i was last changed at NOW - i min; move finding 50 to after all of them.
    const moved = { ...finding(50), updatedAt: NOW + MIN, occurrences: 7 };
    await upsertFindings(h.db, [moved]);
    const from = finding(10);

    const c = await sse(base, "/stream", { "last-event-id": cursorOf(from) });
    expect(c.status).toBe(200);
    // Changed after finding 10: findings 9..0 (NOW-9 min..NOW), the HLP loss (NOW-5 min), finding 50.
    const want = [9, 8, 7, 6, 5]
      .map((i) => finding(i).id)
      .concat(
        ["fnd_lossparent000000000001"],
        [4, 3, 2, 1, 0].map((i) => finding(i).id),
        moved.id,
      );
    await waitFor(() => c.events.length === want.length, "the replay");
    const replay = c.events.map(dataOf);
    expect(replay.map((e) => e.finding.id)).toEqual(want);
    expect(new Set(replay.map((e) => e.change))).toEqual(new Set(["replay"]));
    for (const [k, e] of c.events.entries()) {
      const d = replay[k] as EventData;
      expect(e.id).toBe(encodeCursor({ at: Date.parse(d.finding.updatedAt), id: d.finding.id }));
    }
    // The replay sends the latest state.
    expect(replay.at(-1)?.finding.occurrences).toBe(7);
    expect(replay.at(-1)?.finding.updatedAt).toBe(new Date(NOW + MIN).toISOString());

    const live = fresh(100);
    h.feed.publish({ change: "opened", finding: live });
    await waitFor(() => c.events.length === want.length + 1, "the live event");
    expect(sseSummary(c).at(-1)).toBe(`opened ${live.id}`);
  });

  it("resumes from ?last_event_id= with filters applied to the replay", async () => {
    const { h, base } = await start();
    const moved = { ...finding(50), updatedAt: NOW + MIN };
    await upsertFindings(h.db, [moved]);
    const c = await sse(base, `/stream?severity=critical&last_event_id=${cursorOf(finding(10))}`);
    expect(c.status).toBe(200);
    // Critical among those changed after finding 10: 6, the HLP loss (NOW-5 min), 2, 50 (moved).
    const want = [finding(6).id, "fnd_lossparent000000000001", finding(2).id, moved.id];
    await waitFor(() => c.events.length === want.length, "the replay");
    h.feed.publish({ change: "opened", finding: fresh(101, { severity: "low" }) });
    h.feed.publish({ change: "opened", finding: fresh(102, { severity: "critical" }) });
    await waitFor(() => c.events.length === want.length + 1, "the live event");
    expect(sseSummary(c)).toEqual([...want.map((id) => `replay ${id}`), `opened ${fresh(102).id}`]);
  });

  it("prefers the Last-Event-ID header over ?last_event_id=", async () => {
    const { base } = await start();
    const c = await sse(base, `/stream?last_event_id=${cursorOf(finding(3))}`, {
      "last-event-id": cursorOf(finding(1)),
    });
    await waitFor(() => c.events.length === 1, "the replay");
    expect(sseSummary(c)).toEqual([`replay ${finding(0).id}`]);
  });

  it("replays nothing when resuming from the latest change", async () => {
    const { h, base } = await start();
    const c = await sse(base, "/stream", { "last-event-id": cursorOf(finding(0)) });
    await waitFor(() => h.feed.clients === 1, "the client to attach");
    const live = fresh(3);
    h.feed.publish({ change: "opened", finding: live });
    await waitFor(() => c.events.length === 1, "the live event");
    expect(sseSummary(c)).toEqual([`opened ${live.id}`]);
  });

  it("refuses an invalid last event id, header or query, with a 400 envelope", async () => {
    const { h, base } = await start();
    const cases: [string, Record<string, string>][] = [
      ["/stream", { "last-event-id": "garbage!" }],
      ["/stream", { "last-event-id": encodeCursor({ at: 1, id: "bad id with spaces" }) }],
      [
        "/stream",
        { "last-event-id": Buffer.from(`${"9".repeat(16)}.fnd_x`).toString("base64url") },
      ],
      ["/stream?last_event_id=garbage!", {}],
      [`/stream?last_event_id=${cursorOf(finding(1))}`, { "last-event-id": "garbage!" }],
    ];
    for (const [path, headers] of cases) {
      const what = `${path} ${JSON.stringify(headers)}`;
      const c = await sse(base, path, headers);
      expect(c.status, what).toBe(400);
      expect(c.headers["content-type"], what).toMatch(/^application\/json/);
      await waitFor(() => c.ended, "the response to end");
      expectErrorEnvelope(c.body, "invalid_input", '"last_event_id"');
    }
    expect(h.feed.clients).toBe(0);
  });

  it("refuses invalid query parameters with a 400 envelope naming the parameter", async () => {
    const { h, base } = await start({ seeded: false });
    const cases = [
      ["severity=loud", "severity"],
      ["severity=", "severity"],
      ["severity=critical,loud", "severity"],
      ["change=deleted", "change"],
      ["change=opened,replay", "change"],
      ["detector=bad%20name", "detector"],
      ["subject=%2C%2C", "subject"],
      [`last_event_id=${"x".repeat(201)}`, "last_event_id"],
    ] as const;
    for (const [query, param] of cases) {
      const c = await sse(base, `/stream?${query}`);
      expect(c.status, query).toBe(400);
      await waitFor(() => c.ended, "the response to end");
      expectErrorEnvelope(c.body, "invalid_input", `query parameter "${param}"`);
    }
    expect(h.feed.clients).toBe(0);
  });

  it("writes a keep-alive comment every streamHeartbeatMs of the clock", async () => {
    const { h, base } = await start({ seeded: false, config: { streamHeartbeatMs: 5_000 } });
    const c = await sse(base, "/stream");
    await waitFor(() => h.feed.clients === 1 && c.retry.length === 1, "the client to attach");
    h.clock.advanceTo(NOW + 4_999);
    // A published event after the non-firing advance shows nothing was written before it.
    h.feed.publish({ change: "opened", finding: fresh(1) });
    await waitFor(() => c.events.length === 1, "the event");
    expect(c.comments).toEqual([]);

    h.clock.advanceTo(NOW + 5_000);
    await waitFor(() => c.comments.length === 1, "the keep-alive");
    expect(c.comments).toEqual(["keep-alive"]);
    expect(c.blocks.at(-1)).toEqual([": keep-alive"]);
    h.clock.advanceTo(NOW + 10_000);
    await waitFor(() => c.comments.length === 2, "the second keep-alive");
    expect(c.events).toHaveLength(1);
  });

  it("drops a client that stops reading once its unsent output passes 1 MB", async () => {
    const { h, base } = await start({ seeded: false });
    const slow = await sse(base, "/stream?severity=high");
    const slowWs = await wsConnect(base, "/stream/ws?severity=high");
    const fast = await sse(base, "/stream?severity=low");
    await waitFor(() => h.feed.clients === 3, "the clients to attach");
    slow.res.pause();
    slowWs.ws.pause();
    const big = { blob: "x".repeat(64 * 1024) };
    for (let k = 0; k < 200; k++) {
      h.feed.publish({ change: "opened", finding: fresh(k, { severity: "high", evidence: big }) });
    }
    await waitFor(() => h.feed.clients === 1, "the slow clients to be dropped");
    // The other client is unaffected.
    h.feed.publish({ change: "opened", finding: fresh(500, { severity: "low" }) });
    await waitFor(() => fast.events.length === 1, "the fast client's event");
    slow.res.resume();
    slowWs.ws.resume();
    await waitFor(() => slow.closed, "the slow client's response to close");
    await waitFor(() => slowWs.closeCode !== null, "the slow WebSocket to close");
    expect(slow.events.length).toBeLessThan(200);
    expect(slowWs.messages.length).toBeLessThan(200);
    expect(slowWs.closeCode).toBe(1006);
  });
});

describe("stream client cap", () => {
  it("refuses SSE clients beyond maxStreamClients with 503 and WebSocket clients with 1013", async () => {
    const { h, base } = await start({ seeded: false, config: { maxStreamClients: 2 } });
    const a = await sse(base, "/stream");
    const b = await wsConnect(base, "/stream/ws");
    expect(a.status).toBe(200);
    expect(b.opened).toBe(true);
    await waitFor(() => h.feed.clients === 2, "two clients");

    const third = await sse(base, "/stream");
    expect(third.status).toBe(503);
    expect(third.headers["content-type"]).toMatch(/^application\/json/);
    await waitFor(() => third.ended, "the 503 body");
    expectErrorEnvelope(third.body, "upstream_unavailable", "too many stream clients");

    const thirdWs = await wsConnect(base, "/stream/ws");
    await waitFor(() => thirdWs.closeCode !== null, "the WebSocket to close");
    expect(thirdWs.closeCode).toBe(1013);
    expect(thirdWs.closeReason).toContain("too many stream clients");
    expect(h.feed.clients).toBe(2);

    // The refused ones did not take a slot; one leaving frees one.
    a.close();
    await waitFor(() => h.feed.clients === 1, "the SSE client to detach");
    const again = await sse(base, "/stream");
    expect(again.status).toBe(200);
    await waitFor(() => h.feed.clients === 2, "the new client to attach");
    b.ws.close();
    await waitFor(() => h.feed.clients === 1, "the WebSocket client to detach");
    const againWs = await wsConnect(base, "/stream/ws");
    expect(againWs.opened).toBe(true);
    await waitFor(() => h.feed.clients === 2, "the new WebSocket client to attach");
    h.feed.publish({ change: "opened", finding: fresh(1) });
    await waitFor(() => againWs.messages.length === 1, "the event on the new WebSocket");
  });
});

describe("shutdown", () => {
  it("app.close() ends open SSE responses, closes WebSocket clients with 1001 and resolves", async () => {
    const { h, base } = await start({ seeded: false });
    const a = await sse(base, "/stream");
    const b = await sse(base, "/stream?change=updated", { "last-event-id": cursorOf(fresh(1)) });
    const w = await wsConnect(base, "/stream/ws");
    await waitFor(() => h.feed.clients === 3, "three clients");

    const started = Date.now();
    await h.app.close();
    expect(Date.now() - started).toBeLessThan(3_000);
    await waitFor(() => a.ended && b.ended, "the SSE responses to end");
    await waitFor(() => w.closeCode !== null, "the WebSocket to close");
    expect(w.closeCode).toBe(1001);
    expect(w.closeReason).toBe("server shutting down");
    await waitFor(() => h.feed.clients === 0, "every client to detach");
  });
});

describe("GET /stream/ws (WebSocket)", () => {
  it("sends the same event JSON as SSE for a published finding", async () => {
    const { h, base } = await start({ seeded: false });
    const s = await sse(base, "/stream");
    const w = await wsConnect(base, "/stream/ws");
    expect(w.opened).toBe(true);
    await waitFor(() => h.feed.clients === 2, "both clients");
    const f = fresh(1, { severity: "high", evidence: { a: 1, b: "two", c: [1, "x"], d: null } });
    h.feed.publish({ change: "escalated", finding: f });
    await waitFor(() => w.messages.length === 1 && s.events.length === 1, "both events");
    expect(w.messages[0]).toBe(s.events[0]?.data);
    const d = JSON.parse(w.messages[0] as string) as EventData;
    expect(d.id).toBe(cursorOf(f));
    expect(d.change).toBe("escalated");
    expect(d.finding).toEqual(toFindingJson(f));
  });

  it("applies filters", async () => {
    const { h, base } = await start({ seeded: false });
    const w = await wsConnect(
      base,
      "/stream/ws?severity=critical&detector=oracle&change=opened,updated",
    );
    const d = await wsConnect(base, "/stream/ws");
    await waitFor(() => h.feed.clients === 2, "both clients");
    const match = fresh(1, { severity: "critical", detector: "oracle" });
    h.feed.publish({
      change: "opened",
      finding: fresh(2, { severity: "high", detector: "oracle" }),
    });
    h.feed.publish({
      change: "opened",
      finding: fresh(3, { severity: "critical", detector: "hlp" }),
    });
    h.feed.publish({ change: "resolved", finding: { ...match, status: "resolved" } });
    h.feed.publish({
      change: "updated",
      finding: fresh(4, { severity: "critical", detector: "oracle" }),
    });
    h.feed.publish({ change: "opened", finding: match });
    await waitFor(
      () => wsData(w).some((e) => e.finding.id === match.id && e.change === "opened"),
      "the match",
    );
    expect(summary(wsData(w))).toEqual([`updated ${fresh(4).id}`, `opened ${match.id}`]);
    await waitFor(() => d.messages.length === 4, "the default client's events");
    expect(summary(wsData(d))).toEqual([
      `opened ${fresh(2).id}`,
      `opened ${fresh(3).id}`,
      `resolved ${match.id}`,
      `opened ${match.id}`,
    ]);
  });

  it("resumes from ?last_event_id= and then sends live events", async () => {
    const { h, base } = await start();
    const w = await wsConnect(
      base,
      `/stream/ws?detector=oracle&last_event_id=${cursorOf(finding(10))}`,
    );
    // Oracle findings (i % 4 === 0) changed after finding 10: 8, 4, 0.
    const want = [8, 4, 0].map((i) => `replay ${finding(i).id}`);
    await waitFor(() => w.messages.length === want.length, "the replay");
    const live = fresh(1, { detector: "oracle" });
    h.feed.publish({ change: "opened", finding: fresh(2, { detector: "hlp" }) });
    h.feed.publish({ change: "opened", finding: live });
    await waitFor(() => w.messages.length === want.length + 1, "the live event");
    expect(summary(wsData(w))).toEqual([...want, `opened ${live.id}`]);
    for (const e of wsData(w)) {
      expect(e.id).toBe(encodeCursor({ at: Date.parse(e.finding.updatedAt), id: e.finding.id }));
    }
  });

  it("refuses invalid query parameters with a 400 envelope before upgrading", async () => {
    const { h, base } = await start({ seeded: false });
    for (const [query, param] of [
      ["severity=loud", "severity"],
      ["change=deleted", "change"],
      ["last_event_id=garbage!", "last_event_id"],
    ] as const) {
      const w = await wsConnect(base, `/stream/ws?${query}`);
      expect(w.opened, query).toBe(false);
      expect(w.refused?.status, query).toBe(400);
      expectErrorEnvelope(w.refused?.body ?? "", "invalid_input", param);
    }
    expect(h.feed.clients).toBe(0);
  });

  it("pings clients every streamHeartbeatMs of the clock", async () => {
    const { h, base } = await start({ seeded: false });
    const w = await wsConnect(base, "/stream/ws");
    const s = await sse(base, "/stream");
    await waitFor(() => h.feed.clients === 2, "both clients");
    h.clock.advanceTo(NOW + 14_999);
    h.feed.publish({ change: "opened", finding: fresh(1) });
    await waitFor(() => w.messages.length === 1, "the event");
    expect(w.pings).toBe(0);
    h.clock.advanceTo(NOW + 15_000);
    await waitFor(() => w.pings === 1 && s.comments.length === 1, "the ping and the keep-alive");
    h.clock.advanceTo(NOW + 30_000);
    await waitFor(() => w.pings === 2 && s.comments.length === 2, "the second heartbeat");
  });
});

/** The harness database, with the stream's replay query held until `release()`. */
function gatedDb(db: Db): { db: Db; held: () => number; release: () => void } {
  let release = () => {};
  const gate = new Promise<void>((r) => {
    release = r;
  });
  let held = 0;
  const gated: Db = {
    kind: db.kind,
    description: db.description,
    poolStats: () => db.poolStats(),
    transaction: (fn) => db.transaction(fn),
    exec: (sql) => db.exec(sql),
    close: () => db.close(),
    query: async <R = Record<string, unknown>>(sql: string, params?: readonly unknown[]) => {
      if (sql.includes("(updated_at, id) >")) {
        held++;
        await gate;
      }
      return db.query<R>(sql, params);
    },
  };
  return { db: gated, held: () => held, release: () => release() };
}

describe("resume while the replay is in progress", () => {
  async function gatedApi(h: Harness) {
    const g = gatedDb(h.db);
    const { app } = await buildApi({ ...h.deps, db: g.db }, apiConfig.parse({}));
    open.cleanups.push(async () => {
      g.release();
      await app.close();
    });
    await app.listen({ port: 0, host: "127.0.0.1" });
    const { port } = app.server.address() as AddressInfo;
    return { ...g, app, base: `http://127.0.0.1:${port}` };
  }

  it("holds live changes until the replay is sent and skips those the replay already had", async () => {
    const { h } = await start();
    const g = await gatedApi(h);
    const live = fresh(4);
    await upsertFindings(h.db, [live]);
    const c = await sse(g.base, "/stream", { "last-event-id": cursorOf(finding(1)) });
    await waitFor(() => g.held() === 1 && h.feed.clients === 1, "the replay to start");
    h.feed.publish({ change: "opened", finding: live });
    const next = fresh(5);
    h.feed.publish({ change: "opened", finding: next });
    // Nothing is written while the replay is pending.
    await new Promise((r) => setTimeout(r, 20));
    expect(c.events).toEqual([]);
    g.release();
    await waitFor(() => c.events.length === 3, "the replay and the held event");
    expect(sseSummary(c)).toEqual([
      `replay ${finding(0).id}`,
      `replay ${live.id}`,
      `opened ${next.id}`,
    ]);
  });

  it.each(["sse", "ws"] as const)(
    "detaches a %s client that disconnects before its replay finished",
    async (transport) => {
      const { h } = await start();
      const g = await gatedApi(h);
      const from = cursorOf(finding(1));
      if (transport === "sse") {
        const c = await sse(g.base, "/stream", { "last-event-id": from });
        await waitFor(() => g.held() === 1 && h.feed.clients === 1, "the replay to start");
        c.close();
      } else {
        const w = await wsConnect(g.base, `/stream/ws?last_event_id=${from}`);
        await waitFor(() => g.held() === 1 && h.feed.clients === 1, "the replay to start");
        w.ws.terminate();
      }
      const connections = () =>
        new Promise<number>((r, j) =>
          g.app.server.getConnections((err, n) => (err ? j(err) : r(n))),
        );
      await waitFor(async () => (await connections()) === 0, "the server to see the disconnect");
      g.release();
      await waitFor(() => h.feed.clients === 0, "the client to be detached");
    },
  );
});

describe("API-only mode (a polling feed)", () => {
  async function pollingApi(
    h: Harness,
    everyMs: number,
  ): Promise<{ base: string; feed: FindingFeed }> {
    const feed = new FindingFeed();
    feed.startPolling(h.db, h.deps.tenantId, h.clock, silentLogger, everyMs);
    const { app } = await buildApi({ ...h.deps, feed }, apiConfig.parse({}));
    open.cleanups.push(async () => {
      feed.stop();
      await app.close();
    });
    await app.listen({ port: 0, host: "127.0.0.1" });
    const { port } = app.server.address() as AddressInfo;
    return { base: `http://127.0.0.1:${port}`, feed };
  }

  it("delivers findings written to the database after each poll interval", async () => {
    const { h } = await start();
    const T = NOW + 10 * MIN;
    h.clock.advanceTo(T);
    const { base, feed } = await pollingApi(h, 2_000);
    const def = await sse(base, "/stream");
    const all = await sse(base, "/stream?change=opened,updated,resolved");
    await waitFor(() => feed.clients === 2, "both clients");

    const created = fresh(700, {
      detectedAt: T + 500,
      updatedAt: T + 500,
      dataAt: T + 500,
      occurrences: 1,
    });
    const existing = finding(3);
    const updated = { ...existing, updatedAt: T + 700, occurrences: existing.occurrences + 1 };
    await upsertFindings(h.db, [created, updated]);

    // No poll before the interval.
    expect(h.clock.advanceTo(T + 1_999)).toBe(0);
    // The poll fires (with the APIs' exploit-table watches, which share the interval).
    expect(h.clock.advanceTo(T + 2_000)).toBeGreaterThanOrEqual(1);
    await waitFor(() => all.events.length === 2, "the polled changes");
    expect(sseSummary(all)).toEqual([`opened ${created.id}`, `updated ${existing.id}`]);
    expect(all.events.map((e) => e.id)).toEqual([cursorOf(created), cursorOf(updated)]);
    expect(dataOf(all.events[1] as SseEvent).finding.occurrences).toBe(updated.occurrences);
    await waitFor(() => def.events.length === 1, "the default client's change");
    expect(sseSummary(def)).toEqual([`opened ${created.id}`]);

    // The next poll sends only what changed since.
    const resolved = {
      ...created,
      status: "resolved" as const,
      resolvedAt: T + 3_000,
      updatedAt: T + 3_000,
    };
    await upsertFindings(h.db, [resolved]);
    await waitFor(() => h.clock.nextTimerAt() === T + 4_000, "the next poll to be scheduled");
    h.clock.advanceTo(T + 4_000);
    await waitFor(() => all.events.length === 3, "the second poll");
    expect(sseSummary(all).at(-1)).toBe(`resolved ${created.id}`);
    await waitFor(() => def.events.length === 2, "the default client's second change");
    expect(sseSummary(def)).toEqual([`opened ${created.id}`, `resolved ${created.id}`]);
  });
});
