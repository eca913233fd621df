import { createServer, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";

/** A request as a local API's handler sees it. */
export interface LocalRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingMessage["headers"];
  /** The body as text (JSON and form bodies are parsed by the handler). */
  text: string;
}

/** A handler's answer: status and a JSON body (undefined: no body). */
export interface LocalResponse {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

/** A running local API. */
export interface LocalApiServer {
  /** `http://127.0.0.1:<port>`. */
  url: string;
  close(): Promise<void>;
}

const MAX_BODY_BYTES = 1_000_000;

/**
 * Starts an HTTP server on 127.0.0.1 (any free port) that answers every request with `handle`'s
 * JSON; a handler that throws answers 500. The base of the local servers that speak third-party
 * APIs in tests (`paypal-api/`, `hubspot-api/`).
 */
export async function startLocalApiServer(
  handle: (req: LocalRequest) => LocalResponse | Promise<LocalResponse>,
): Promise<LocalApiServer> {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY_BYTES) req.destroy();
      else chunks.push(c);
    });
    req.on("end", async () => {
      const url = new URL(req.url ?? "/", "http://local");
      let out: LocalResponse;
      try {
        out = await handle({
          method: req.method ?? "GET",
          path: url.pathname,
          query: url.searchParams,
          headers: req.headers,
          text: Buffer.concat(chunks).toString("utf8"),
        });
      } catch (e) {
        out = { status: 500, body: { message: e instanceof Error ? e.message : String(e) } };
      }
      const body = out.body === undefined ? "" : JSON.stringify(out.body);
      res.writeHead(out.status, {
        ...(body ? { "content-type": "application/json" } : {}),
        ...out.headers,
      });
      res.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((e) => (e ? reject(e) : resolve()));
      }),
  };
}
