import { type ChildProcess, fork } from "node:child_process";
import { fileURLToPath } from "node:url";

/** Benchmark processes and their IPC: each child reports `{type, ...}` messages. */
const here = (f: string) => fileURLToPath(new URL(f, import.meta.url));

/** The Node flags the kamiyo bin starts with (apps/cli/bin/kamiyo.js), so figures match the CLI. */
export const CLI_NODE_FLAGS = ["--max-semi-space-size=16"];

export function start(file: string, args: string[], execArgv = CLI_NODE_FLAGS): ChildProcess {
  return fork(here(file), args, { stdio: ["ignore", "inherit", "inherit", "ipc"], execArgv });
}

export function next<T>(child: ChildProcess, type: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const onExit = (code: number | null) => reject(new Error(`${type}: child exited with ${code}`));
    const onMessage = (m: { type: string }) => {
      if (m.type !== type) return;
      child.off("message", onMessage);
      child.off("exit", onExit);
      resolve(m as T);
    };
    child.on("message", onMessage);
    child.once("exit", onExit);
  });
}

export function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}
