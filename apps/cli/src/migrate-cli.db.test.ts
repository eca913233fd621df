import { loadMigrations } from "@kamiyo/db";
import { testDbKind } from "@kamiyo/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MODULES } from "./modules.ts";
import { type CliStorage, cliStorage } from "./testing/cli-storage.ts";

let storage: CliStorage;
beforeAll(async () => {
  storage = await cliStorage("kamiyo-migrate-cli");
});
afterAll(async () => storage?.close());

describe("kamiyo migrate", () => {
  it("applies the pending migrations once, then has nothing to apply", async () => {
    // On PostgreSQL the storage is a new, empty schema: every migration is pending. On PGlite it
    // is a data directory cloned from the test run's template, which holds the platform's only
    // (migrating a new directory takes many seconds): the modules' are pending.
    const all = loadMigrations(MODULES.migrations).map((m) => `${m.module}/${m.version}`);
    const pending =
      testDbKind === "postgres" ? all : all.filter((id) => !id.startsWith("platform/"));
    const first = await storage.run(["migrate"]);
    expect(first.stderr).toBe("");
    expect(first.code).toBe(0);
    expect(first.stdout).toBe(
      `kamiyo migrate: applied ${pending.length} migrations: ${pending.join(", ")}\n`,
    );
    const again = await storage.run(["migrate"]);
    expect(again.code).toBe(0);
    expect(again.stdout).toBe("kamiyo migrate: nothing to apply, the database is up to date\n");
  });
});
