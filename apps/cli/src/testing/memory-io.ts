import type { CliIo } from "@kamiyo/platform";
import { testCacheDir } from "@kamiyo/testing";

/** A `CliIo` that keeps what a command writes, for tests that run the CLI in-process. */
export interface MemoryIo extends CliIo {
  /** Everything written to standard output so far. */
  readonly stdout: string;
  /** Everything written to standard error so far, the logs included. */
  readonly stderr: string;
}

/**
 * An in-process CLI's input and output: `env` over a quiet baseline (LOG_LEVEL=warn, the test
 * run's template cache), nothing of the test process's own environment but PATH and HOME; `input`
 * is what standard input holds (a secret read from it is its first line).
 */
export function memoryIo(env: Record<string, string | undefined> = {}, input?: string): MemoryIo {
  let stdout = "";
  let stderr = "";
  return {
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      LOG_LEVEL: "warn",
      KAMIYO_CACHE_DIR: testCacheDir(),
      ...env,
    },
    out: (text) => {
      stdout += text;
    },
    err: (text) => {
      stderr += text;
    },
    logs: {
      write: (line) => {
        stderr += line;
      },
    },
    readSecret: async () => {
      const line = input?.split(/\r?\n/)[0] ?? "";
      if (line.length === 0) throw new Error("nothing on standard input");
      return line;
    },
    get stdout() {
      return stdout;
    },
    get stderr() {
      return stderr;
    },
  };
}
