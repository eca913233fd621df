/**
 * The load generator of the API benchmark, a child process apart from the API: autocannon runs
 * against one URL, and an audience of `GET /stream` (Server-Sent Events) clients that stamps each
 * event's arrival with `performance.timeOrigin + performance.now()`, the time base the API process
 * stamps its publishes with. Commands arrive over IPC; each is answered with one message.
 */
import { request } from "node:http";
import { createRequire } from "node:module";

/** The part of autocannon's programmatic API and result this file uses (it ships no types). */
interface AutocannonResult {
  duration: number;
  errors: number;
  timeouts: number;
  non2xx: number;
  "2xx": number;
  latency: { p50: number; p90: number; p99: number; max: number };
  throughput: { average: number };
}
type Autocannon = (opts: {
  url: string;
  connections: number;
  duration: number;
  headers?: Record<string, string>;
  requests?: { method: "GET"; setupRequest: (req: { path: string }) => { path: string } }[];
}) => Promise<AutocannonResult>;
const autocannon = createRequire(import.meta.url)("autocannon") as Autocannon;

export interface HttpResult {
  requestsPerSecond: number;
  ok: number;
  non2xx: number;
  errors: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  bytesPerSecond: number;
  seconds: number;
}

/**
 * One autocannon run (with `headers` on every request, e.g. an API key); requests/s counts 2xx
 * responses only. With `paths`, requests take them in
 * turn (each connection the next one), so a run reads many filters and cursors, not one URL.
 */
async function httpLoad(
  url: string,
  connections: number,
  seconds: number,
  paths?: string[],
  headers?: Record<string, string>,
) {
  let i = 0;
  const requests = paths?.length
    ? [
        {
          method: "GET" as const,
          setupRequest: (req: { path: string }) => ({
            ...req,
            path: paths[i++ % paths.length] as string,
          }),
        },
      ]
    : undefined;
  const r = await autocannon({ url, connections, duration: seconds, requests, headers });
  const result: HttpResult = {
    requestsPerSecond: r["2xx"] / r.duration,
    ok: r["2xx"],
    non2xx: r.non2xx,
    errors: r.errors + r.timeouts,
    p50: r.latency.p50,
    p90: r.latency.p90,
    p99: r.latency.p99,
    max: r.latency.max,
    bytesPerSecond: r.throughput.average,
    seconds: r.duration,
  };
  return result;
}

/** Per event id: how many stream clients received it, and the first and last arrival times. */
const arrivals = new Map<string, { count: number; first: number; last: number }>();
let streamsOpen = 0;

/** The finding id inside an SSE event id (a base64url keyset cursor `${updatedAt}.${id}`). */
function findingIdOf(eventId: string): string {
  const raw = Buffer.from(eventId, "base64url").toString("utf8");
  return raw.slice(raw.indexOf(".") + 1);
}

function openStream(url: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = request(url, { agent: false, headers: { accept: "text/event-stream" } }, (res) => {
      if (res.statusCode !== 200) {
        reject(new Error(`GET /stream answered ${res.statusCode}`));
        res.resume();
        return;
      }
      res.setEncoding("utf8");
      let buffered = "";
      res.on("data", (chunk: string) => {
        const at = performance.timeOrigin + performance.now();
        buffered += chunk;
        for (let end = buffered.indexOf("\n\n"); end >= 0; end = buffered.indexOf("\n\n")) {
          const event = buffered.slice(0, end);
          buffered = buffered.slice(end + 2);
          if (event.startsWith("retry:")) {
            streamsOpen++;
            resolve();
            continue;
          }
          if (!event.startsWith("id: ")) continue;
          const id = findingIdOf(event.slice(4, event.indexOf("\n")));
          const a = arrivals.get(id);
          if (a) {
            a.count++;
            a.first = Math.min(a.first, at);
            a.last = Math.max(a.last, at);
          } else arrivals.set(id, { count: 1, first: at, last: at });
        }
      });
      res.on("close", () => streamsOpen--);
    });
    req.on("error", reject);
    req.end();
  });
}

async function openStreams(url: string, clients: number): Promise<number> {
  // In batches, so the server's accept queue never overflows.
  for (let i = 0; i < clients; i += 100)
    await Promise.all(Array.from({ length: Math.min(100, clients - i) }, () => openStream(url)));
  return streamsOpen;
}

/** Waits until `clients` streams have received the finding `id`, or `timeoutMs` passes. */
async function awaitEvent(id: string, clients: number, timeoutMs: number) {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const a = arrivals.get(id);
    if ((a && a.count >= clients) || performance.now() > deadline) {
      arrivals.delete(id);
      return {
        id,
        count: a?.count ?? 0,
        first: a?.first ?? Number.NaN,
        last: a?.last ?? Number.NaN,
      };
    }
    await new Promise((r) => setTimeout(r, 5));
  }
}

process.on(
  "message",
  async (m: {
    cmd: string;
    url: string;
    paths?: string[];
    headers?: Record<string, string>;
    connections: number;
    seconds: number;
    clients: number;
    id: string;
    timeoutMs: number;
  }) => {
    if (m.cmd === "http")
      process.send?.({
        type: "http",
        ...(await httpLoad(m.url, m.connections, m.seconds, m.paths, m.headers)),
      });
    if (m.cmd === "streams")
      process.send?.({ type: "streams", open: await openStreams(m.url, m.clients) });
    if (m.cmd === "await")
      process.send?.({ type: "received", ...(await awaitEvent(m.id, m.clients, m.timeoutMs)) });
    if (m.cmd === "exit") process.exit(0);
  },
);
process.send?.({ type: "ready" });
