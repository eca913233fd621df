import { migrate } from "@kamiyo/db";
import { shieldMigrations } from "@kamiyo/shield";
import { cdnowFixture } from "@kamiyo/shield/testing";
import { testDbKind } from "@kamiyo/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type CliStorage, cliStorage } from "./testing/cli-storage.ts";

let storage: CliStorage;

beforeAll(async () => {
  storage = await cliStorage("kamiyo-shield-ltv");
  const db = await storage.open();
  try {
    await migrate(db, [shieldMigrations]);
    await db.query("INSERT INTO tenants (id, name) VALUES ('ten_ltv', 'ltv')");
  } finally {
    await db.close(); // a PGlite directory is opened by one process at a time
  }
}, 120_000);
afterAll(async () => {
  await storage?.close();
});

describe(`kamiyo shield ltv fit --save and ltv models, as the app composes it (${testDbKind})`, () => {
  it("saves the CDNOW fit as the tenant's active version 1 and lists it", async () => {
    const summary = cdnowFixture("cdnow_customers_summary_with_transactions.csv");
    const saved = await storage.run([
      ...["shield", "ltv", "fit", "--summary", summary, "--unit", "week"],
      ...["--tenant", "ten_ltv", "--save", "--activate"],
    ]);
    expect(saved.code, saved.stderr).toBe(0);
    expect(saved.stdout).toContain("saved as version 1 of tenant ten_ltv (active)\n");
    const list = await storage.run(["shield", "ltv", "models", "--tenant", "ten_ltv"]);
    expect(list.code, list.stderr).toBe(0);
    expect(list.stdout).toMatch(/^\* v1 .* 2357 customers in weeks {2}r 0\.24/);
  });
});
