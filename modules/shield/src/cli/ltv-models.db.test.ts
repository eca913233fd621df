import type { Db } from "@kamiyo/db";
import { createTestDb, testDbKind } from "@kamiyo/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { StoredLtvModel } from "../ltv/model-store.ts";
import { shieldMigrations } from "../shield-migrations.ts";
import { cdnowFixture, runShieldCli } from "../testing/index.ts";
import type { LtvFitJson } from "./ltv-fit.ts";

const WITH_SPEND = cdnowFixture("cdnow_customers_summary_with_transactions.csv");
let db: Db;
const run = (...args: string[]) => runShieldCli(db, "ltv", ...args);

beforeAll(async () => {
  db = await createTestDb({ modules: [shieldMigrations] });
  await db.query("INSERT INTO tenants (id, name) VALUES ('ten_a', 'a'), ('ten_b', 'b')");
});
afterAll(async () => {
  await db?.close();
});

describe(`kamiyo shield ltv fit --save, ltv models (${testDbKind})`, () => {
  it("saves fits as versions 1 and 2 of a tenant, lists them, the activated one marked", async () => {
    const first = await run("fit", "--summary", WITH_SPEND, "--json");
    const unsaved = JSON.parse(first.out) as LtvFitJson;
    expect(unsaved.saved).toBeUndefined();

    const fit = ["fit", "--summary", WITH_SPEND, "--unit", "week", "--tenant", "ten_a", "--save"];
    const v1 = JSON.parse((await run(...fit, "--activate", "--json")).out) as LtvFitJson;
    expect(v1).toEqual({ ...unsaved, saved: { tenant: "ten_a", version: 1, active: true } });
    const v2 = await run(...fit);
    expect(v2.out).toMatch(/^BG\/NBD \(2357 customers\): r 0\.24/);
    expect(v2.out).toContain("saved as version 2 of tenant ten_a\n");

    const list = JSON.parse((await run("models", "--tenant", "ten_a", "--json")).out);
    expect(list.map((m: StoredLtvModel) => [m.version, m.active, m.timeUnit])).toEqual([
      [2, false, "week"],
      [1, true, "week"],
    ]);
    expect(list[1]).toMatchObject({ unitsPerMonth: 4.345, customers: 2357 });
    const text = (await run("models", "--tenant", "ten_a")).out.split("\n");
    expect(text[0]).toMatch(/^ {2}v2 .* 2357 customers in weeks {2}r 0\.24/);
    expect(text[1]).toMatch(/^\* v1 .*p 6\.2/);
    // Tenant B sees none of A's versions.
    expect((await run("models", "--tenant", "ten_b")).out).toBe(
      "tenant ten_b: no LTV models saved\n",
    );
  });

  it("refuses --save without --tenant, --activate without --save, and an unknown tenant", async () => {
    await expect(run("fit", "--summary", WITH_SPEND, "--save")).rejects.toThrow(
      "--save needs --tenant ID",
    );
    await expect(run("fit", "--summary", WITH_SPEND, "--activate")).rejects.toThrow(
      "--tenant and --activate go with --save",
    );
    await expect(
      run("fit", "--summary", WITH_SPEND, "--tenant", "ten_nobody", "--save"),
    ).rejects.toThrow("--tenant: no tenant ten_nobody");
    await expect(run("models", "--tenant", "ten_nobody")).rejects.toThrow(
      "--tenant: no tenant ten_nobody",
    );
  });
});
