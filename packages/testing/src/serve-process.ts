import { type ChildProcess, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

/** The `kamiyo` executable of this checkout. */
export const KAMIYO_BIN = fileURLToPath(
  new URL("../../../apps/cli/bin/kamiyo.js", import.meta.url),
);

/** A running `kamiyo serve`: its process, its base URL, and its exit code once it ends. */
export interface ServeProcess {
  child: ChildProcess;
  base: string;
  exited: Promise<number | null>;
}

/**
 * Starts `kamiyo serve ARGS` as its own process on a free loopback port (`API_PORT=0`), with
 * `env` added to this process's, and resolves once it logs where it serves.
 * @throws Error with what it wrote when it does not start within 60 s.
 */
export function startServeProcess(
  args: string[],
  env: Record<string, string>,
): Promise<ServeProcess> {
  const child = spawn(process.execPath, [KAMIYO_BIN, "serve", ...args], {
    env: { ...process.env, LOG_LEVEL: "info", API_PORT: "0", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    let err = "";
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`kamiyo serve did not start: ${err}`));
    }, 60_000);
    child.stderr?.on("data", (d: Buffer) => {
      err += d.toString();
      const m = /serving on (http:\/\/127\.0\.0\.1:\d+)/.exec(err);
      if (m?.[1]) {
        clearTimeout(timer);
        resolve({ child, base: m[1], exited });
      }
    });
  });
}
