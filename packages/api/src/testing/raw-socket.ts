import net from "node:net";

/** What a raw TCP client saw: everything received, and whether the server ended the connection. */
export interface RawExchange {
  /** Everything received, as text. */
  text: string;
  /** The status code of the first response line, or null when none arrived. */
  status: number | null;
  /** The server closed the connection (FIN or reset) before `waitMs` passed. */
  closedByServer: boolean;
}

/**
 * Sends `request` as-is over a new TCP connection and reports what came back within `waitMs`.
 * The client never closes first: a connection still open after `waitMs` is destroyed and
 * reported with `closedByServer: false`.
 */
export function rawExchange(
  port: number,
  request: string | Buffer,
  waitMs: number,
): Promise<RawExchange> {
  return new Promise((resolve) => {
    const socket = net.connect(port, "127.0.0.1");
    const chunks: Buffer[] = [];
    let settled = false;
    const done = (closedByServer: boolean) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      const text = Buffer.concat(chunks).toString("latin1");
      const m = /^HTTP\/1\.1 (\d{3})/.exec(text);
      resolve({ text, status: m ? Number(m[1]) : null, closedByServer });
    };
    const timer = setTimeout(() => done(false), waitMs);
    socket.on("data", (c: Buffer) => chunks.push(c));
    socket.on("end", () => done(true));
    socket.on("close", () => done(true));
    socket.on("error", () => done(true));
    socket.write(request);
  });
}

/** A WebSocket upgrade request for `path`, with extra header lines. */
export function upgradeRequest(path: string, headers: Record<string, string> = {}): string {
  const lines = [
    `GET ${path} HTTP/1.1`,
    "Host: 127.0.0.1",
    "Connection: Upgrade",
    "Upgrade: websocket",
    "Sec-WebSocket-Version: 13",
    "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==",
    ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`),
  ];
  return `${lines.join("\r\n")}\r\n\r\n`;
}

/** Resolves once `server` has no open connection, or rejects after `withinMs`. */
export async function connectionsDrain(server: net.Server, withinMs: number): Promise<void> {
  const until = Date.now() + withinMs;
  for (;;) {
    const n = await new Promise<number>((resolve, reject) =>
      server.getConnections((err, count) => (err ? reject(err) : resolve(count))),
    );
    if (n === 0) return;
    if (Date.now() > until) throw new Error(`${n} connections still open after ${withinMs} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
