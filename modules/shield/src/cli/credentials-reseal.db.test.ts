import { newSecretKeyEntry, parseSecretKeys, SecretBox } from "@kamiyo/core";
import type { Db } from "@kamiyo/db";
import { createTestDb, testDbKind } from "@kamiyo/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { shieldMigrations } from "../shield-migrations.ts";
import {
  loadCredential,
  openCredential,
  saveCredential,
} from "../syncflow/credentials/credential-store.ts";
import { runShieldCli } from "../testing/index.ts";

const NOW = Date.UTC(2026, 11, 6);
const [older, newer] = [newSecretKeyEntry("k2025"), newSecretKeyEntry("k2026")].map(
  (e) => parseSecretKeys(e)[0] as { id: string; key: Buffer },
) as [{ id: string; key: Buffer }, { id: string; key: Buffer }];
let db: Db;

beforeAll(async () => {
  db = await createTestDb({ modules: [shieldMigrations] });
  for (const id of ["ten_a", "ten_b"])
    await db.query("INSERT INTO tenants (id, name) VALUES ($1, $1)", [id]);
  // Two credentials sealed with the older key, before the rotation.
  const before = new SecretBox([older]);
  await saveCredential(
    db,
    before,
    "ten_a",
    { platform: "meta", accessToken: "EAAB-a-token" },
    {
      identity: "a",
      nowMs: NOW,
    },
  );
  await saveCredential(
    db,
    before,
    "ten_b",
    { platform: "google_ads", refreshToken: "1//b-refresh" },
    { identity: "b", nowMs: NOW },
  );
});
afterAll(async () => db?.close());

describe(`kamiyo shield credentials reseal (${testDbKind})`, () => {
  it("seals every credential of an older key with the first, so the older key can go", async () => {
    const rotated = new SecretBox([newer, older]);
    // One saved after the rotation is already under the new key.
    await saveCredential(
      db,
      rotated,
      "ten_b",
      { platform: "meta", accessToken: "EAAB-b-token" },
      {
        identity: "b2",
        nowMs: NOW,
      },
    );
    const run = await runShieldCli({ db, secrets: rotated }, "credentials", "reseal", "--json");
    expect(run.code, run.err).toBe(0);
    expect(JSON.parse(run.out)).toEqual({
      key: "k2026",
      resealed: ["ten_a/meta", "ten_b/google_ads"],
      current: 1,
      failed: [],
    });
    // The new key alone now opens each, and what they hold and when they were checked are kept.
    const only = new SecretBox([newer]);
    const a = await loadCredential(db, "ten_a", "meta");
    expect(a?.sealed).toMatch(/^kmysec1:k2026:/);
    expect(openCredential(only, "ten_a", a as never)).toEqual({
      platform: "meta",
      accessToken: "EAAB-a-token",
    });
    expect(a?.verifiedAt).toBe(NOW);
    const b = await loadCredential(db, "ten_b", "google_ads");
    expect(openCredential(only, "ten_b", b as never)).toMatchObject({
      refreshToken: "1//b-refresh",
    });
    // Run again: nothing left to do.
    const again = await runShieldCli({ db, secrets: rotated }, "credentials", "reseal");
    expect(again.out).toBe(
      "kamiyo shield credentials reseal: 0 sealed again with key k2026, 3 already were\n",
    );
  });

  it("names a credential whose key is gone and exits 1; without a key ring it says which setting", async () => {
    await saveCredential(
      db,
      new SecretBox([older]),
      "ten_a",
      { platform: "google_ads", refreshToken: "1//lost" },
      { identity: "lost", nowMs: NOW },
    );
    const third = parseSecretKeys(newSecretKeyEntry("k2027"))[0] as { id: string; key: Buffer };
    const run = await runShieldCli(
      { db, secrets: new SecretBox([third, newer]) },
      "credentials",
      "reseal",
    );
    expect(run.code).toBe(1);
    expect(run.err).toContain(
      'kamiyo: ten_a/google_ads: not sealed again: sealed with key "k2025"',
    );
    // (The bin prints a CliError on one line and exits 2.)
    await expect(runShieldCli(db, "credentials", "reseal")).rejects.toThrow(
      "KAMIYO_SECRET_KEYS is not set: there is no key ring to seal with",
    );
  });
});
