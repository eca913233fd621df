import { join } from "node:path";
import { createLogger } from "@kamiyo/core";
import type { CliIo } from "@kamiyo/platform";
import { createTestDb } from "@kamiyo/testing";
import { Command } from "commander";
import { describe, expect, it } from "vitest";
import { rcaMigrations } from "../module.ts";
import { NEZHA_FIXTURE } from "../nezha/fixture.ts";
import { rcaSettings } from "../settings.ts";
import { rcaCli } from "./rca-commands.ts";

/** Runs `kamiyo rca …args` in-process, each temporary database a new test database. */
async function run(...args: string[]): Promise<string> {
  let out = "";
  const io = { out: (t: string) => (out += t), err: () => {} } as unknown as CliIo;
  const program = new Command("kamiyo").exitOverride();
  rcaCli(program, {
    io,
    logger: () => createLogger("silent", {}),
    openDb: () => Promise.reject(new Error("evaluate never opens the configured database")),
    openTemporaryDb: () => createTestDb({ modules: [rcaMigrations] }),
    settings: () => rcaSettings.parse({}),
  });
  await program.parseAsync(["rca", ...args], { from: "user" });
  return out;
}

describe("kamiyo rca evaluate", () => {
  // The first 6 faults of the day (its first 50 minutes of metrics) keep this quick; the whole
  // days run in `npm run rca:nezha` (module README, "Accuracy on the Nezha days").
  it("prints one JSON object of service-level accuracy through the product's path, and a table from the day's own folder", async () => {
    const json = JSON.parse(
      await run(
        "evaluate",
        "--nezha",
        NEZHA_FIXTURE,
        "--day",
        "2022-08-22",
        "--cases",
        "6",
        "--json",
      ),
    );
    expect(Object.keys(json).sort()).toEqual(["ac1", "ac3", "ac5", "avg5", "byFaultType", "cases"]);
    expect(json.cases).toBe(6);
    // Measured 5 of 6 (frontend's exception leaves no anomaly in the window); floor one below.
    expect(json.ac1).toBeGreaterThanOrEqual(4 / 6);
    expect(Object.keys(json.byFaultType).sort()).toEqual([
      "cpu_consumed",
      "cpu_contention",
      "exception",
      "network_delay",
      "return",
    ]);
    expect(json.byFaultType.cpu_contention).toEqual({ cases: 2, ac1: 1, ac3: 1 });
    // The day's own folder, as a table (one fault: a CPU contention on frontend, found first).
    const text = await run(
      "evaluate",
      "--nezha",
      join(NEZHA_FIXTURE, "rca_data", "2022-08-22"),
      "--cases",
      "1",
    );
    expect(text.split("\n").slice(0, 3)).toEqual([
      "2022-08-22: 1 injected faults, service-level accuracy",
      `${"cases".padEnd(18)}   n   AC@1   AC@3   AC@5  Avg@5`,
      `${"all".padEnd(18)}   1 100.0% 100.0% 100.0% 100.0%`,
    ]);
  });
});
