/**
 * The webhook receiver of the alerts benchmark, in its own process: answers every POST with 204
 * at once, counts requests and distinct webhook-ids, and stamps the arrival of each finding id
 * (`data.id` of the payload) with `performance.timeOrigin + performance.now()`, the time base the
 * worker process stamps its commits with. Reports `{type: "listening", port}`; answers
 * `{cmd: "stats"}` and `{cmd: "arrivals"}`; `{cmd: "reset"}` forgets everything.
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";

let requests = 0;
const ids = new Set<string>();
const arrivals = new Map<string, number>();

const server = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on("data", (c: Buffer) => chunks.push(c));
  req.on("end", () => {
    const at = performance.timeOrigin + performance.now();
    requests++;
    ids.add(String(req.headers["webhook-id"]));
    const body = Buffer.concat(chunks).toString("utf8");
    const m = /"id":"(fnd_[0-9a-z]+)"/.exec(body);
    if (m?.[1] && !arrivals.has(m[1])) arrivals.set(m[1], at);
    res.writeHead(204).end();
  });
});
server.keepAliveTimeout = 60_000;
server.listen(0, "127.0.0.1", () => {
  process.send?.({ type: "listening", port: (server.address() as AddressInfo).port });
});
process.on("message", (m: { cmd: string }) => {
  if (m.cmd === "reset") {
    requests = 0;
    ids.clear();
    arrivals.clear();
  }
  if (m.cmd === "stats") process.send?.({ type: "stats", requests, distinct: ids.size });
  if (m.cmd === "arrivals") process.send?.({ type: "arrivals", arrivals: [...arrivals] });
  if (m.cmd === "exit") {
    server.closeAllConnections();
    server.close(() => process.exit(0));
  }
});
process.on("disconnect", () => process.exit(1));
