import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** Debian's nats-server (the one these machines run on 4222). */
export const NATS_SERVER = "/usr/sbin/nats-server";

/** A TCP port nothing listens on now. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

/**
 * A nats-server of our own with JetStream and `config` (for operator mode, which the shared
 * server on 4222 does not run), on a free port and a temporary store; `stop` removes both.
 */
export async function startNatsServer(
  config: string,
  port?: number,
): Promise<{ url: string; stop: () => Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), "kamiyo-nats-"));
  port ??= await freePort();
  const file = join(dir, "nats.conf");
  writeFileSync(
    file,
    `${config}\nlisten: 127.0.0.1:${port}\njetstream { store_dir: "${join(dir, "js")}" }\n`,
  );
  const child: ChildProcess = spawn(NATS_SERVER, ["-c", file], {
    stdio: ["ignore", "ignore", "pipe"],
  });
  let log = "";
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`nats-server did not start: ${log}`)), 10_000);
    child.stderr?.on("data", (d: Buffer) => {
      log += d.toString();
      if (log.includes("Server is ready")) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once("exit", (code) => reject(new Error(`nats-server exited ${code}: ${log}`)));
  });
  return {
    url: `nats://127.0.0.1:${port}`,
    stop: async () => {
      child.kill("SIGTERM");
      await new Promise((r) => child.once("exit", r));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
