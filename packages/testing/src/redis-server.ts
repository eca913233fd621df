import { type ChildProcess, spawn } from "node:child_process";
import { createServer } from "node:net";

/** A private `redis-server` of the test's own, on a free loopback port, that a test may stop. */
export interface TestRedis {
  url: string;
  port: number;
  /** Kills it (SIGKILL: an outage, not a shutdown). */
  kill(): Promise<void>;
  /** Starts it again on the same port (empty: it keeps nothing on disk). */
  restart(): Promise<void>;
}

/**
 * Starts Debian's `redis-server` (installed on these machines, beside the shared one on 6379) on a
 * free port, keeping nothing on disk, so a test can take it away and bring it back.
 * @throws Error when `redis-server` cannot start within 5 s.
 */
export async function startTestRedis(): Promise<TestRedis> {
  const port = await freePort();
  let child: ChildProcess | null = await launch(port);
  const stop = async () => {
    const c = child;
    child = null;
    if (!c || c.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      c.once("exit", () => resolve());
      c.kill("SIGKILL");
    });
  };
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    kill: stop,
    restart: async () => {
      await stop();
      child = await launch(port);
    },
  };
}

function launch(port: number): Promise<ChildProcess> {
  const child = spawn(
    "redis-server",
    ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  return new Promise((resolve, reject) => {
    let out = "";
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`redis-server did not start within 5 s:\n${out}`));
    }, 5_000);
    child.once("error", (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.stdout?.on("data", (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes("Ready to accept connections")) {
        clearTimeout(timer);
        resolve(child);
      }
    });
  });
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() =>
        typeof address === "object" && address
          ? resolve(address.port)
          : reject(new Error("no port")),
      );
    });
  });
}
