import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TestProject } from "vitest/node";
import { RUNS_DIR_KEY } from "./scenario-runs.ts";

declare module "vitest" {
  export interface ProvidedContext {
    scenarioRunsDir: string;
  }
}

/**
 * Global setup of the acceptance project: starts replaying every scenario once, in a child
 * process, and tells the tests where the results will appear (`scenarioRun` waits for each).
 * @returns the teardown: stops the child if it is still running and removes the results.
 */
export default function setup(project: TestProject): () => Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "kamiyo-scenarios-"));
  const child: ChildProcess = spawn(
    process.execPath,
    [new URL("./compute-runs.ts", import.meta.url).pathname, dir],
    { stdio: ["ignore", "inherit", "inherit"], env: { ...process.env, TEST_DATABASE_URL: "" } },
  );
  project.provide(RUNS_DIR_KEY, dir);
  return async () => {
    if (child.exitCode === null) {
      child.kill("SIGKILL");
      await new Promise((r) => child.once("exit", r));
    }
    rmSync(dir, { recursive: true, force: true });
  };
}
