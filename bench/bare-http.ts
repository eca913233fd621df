/**
 * The yardstick for `GET /health`: a bare `node:http` server answering every request with the
 * same small JSON body the API's health route sends, with nothing else in the process. Reports
 * `{type: "listening", port}`; exits on `{cmd: "exit"}`.
 */
import { createServer } from "node:http";

const started = Date.now();
const server = createServer((_req, res) => {
  const body = JSON.stringify({
    status: "ok",
    version: "bench",
    uptimeS: Math.floor((Date.now() - started) / 1000),
  });
  res.writeHead(200, {
    "content-type": "application/json; charset=utf-8",
    "content-length": Buffer.byteLength(body),
  });
  res.end(body);
});
server.listen(0, "127.0.0.1", () => {
  const address = server.address();
  process.send?.({
    type: "listening",
    port: typeof address === "object" && address ? address.port : 0,
  });
});
process.on("message", (m: { cmd: string }) => {
  if (m.cmd === "exit") server.close(() => process.exit(0));
});
