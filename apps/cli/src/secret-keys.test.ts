import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { newSecretKeyEntry } from "@kamiyo/core";
import { afterAll, describe, expect, it } from "vitest";
import { loadConfig } from "./config/app-config.ts";
import { main } from "./main.ts";
import { DATA_DIR_KEY_FILE, secretBoxFor } from "./secret-keys.ts";
import { memoryIo } from "./testing/memory-io.ts";

const dir = mkdtempSync(join(tmpdir(), "kamiyo-secret-keys-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function configOf(env: Record<string, string>) {
  const res = loadConfig(env);
  if (!res.ok) throw new Error(res.errors.join("; "));
  return res.config;
}

describe("the key ring secrets are sealed with", () => {
  it("is KAMIYO_SECRET_KEYS, the first key sealing and the others opening", () => {
    const old = newSecretKeyEntry("k2025");
    const sealedBefore = secretBoxFor(
      configOf({ KAMIYO_SECRET_KEYS: old, DATABASE_URL: "postgres://db/x" }),
    )?.seal("token", "ctx") as string;
    const box = secretBoxFor(
      configOf({
        KAMIYO_SECRET_KEYS: `${newSecretKeyEntry("k2026")},${old}`,
        DATABASE_URL: "postgres://db/x",
      }),
    );
    expect(box?.currentKeyId).toBe("k2026");
    expect(box?.open(sealedBefore, "ctx")).toBe("token");
  });

  it("refuses a malformed KAMIYO_SECRET_KEYS at start, naming the entry", () => {
    const res = loadConfig({ KAMIYO_SECRET_KEYS: `${newSecretKeyEntry("a")},b:c2hvcnQ=` });
    expect(res.ok).toBe(false);
    if (!res.ok)
      expect(res.errors).toEqual([
        'KAMIYO_SECRET_KEYS: secret keys: entry 2 ("b") decodes to 5 bytes, 32 are needed',
      ]);
  });

  it("reads KAMIYO_SECRET_KEYS_FILE, one key a line, and names the file when it is wrong", () => {
    const file = join(dir, "ring");
    writeFileSync(file, `# mounted secret\n${newSecretKeyEntry("mounted")}\n`);
    expect(secretBoxFor(configOf({ KAMIYO_SECRET_KEYS_FILE: file }))?.currentKeyId).toBe("mounted");
    writeFileSync(file, "nonsense\n");
    expect(() => secretBoxFor(configOf({ KAMIYO_SECRET_KEYS_FILE: file }))).toThrow(
      `KAMIYO_SECRET_KEYS_FILE ${file}: secret keys: entry 1 is not "id:base64"`,
    );
  });

  it("is none with DATABASE_URL and no key: every replica must share one, so none is made up", () => {
    expect(secretBoxFor(configOf({ DATABASE_URL: "postgres://db/x" }))).toBeNull();
  });

  it("is, on the embedded database, a key file made in the data directory once, readable by its owner only", () => {
    const data = join(dir, "data");
    const config = configOf({ KAMIYO_DATA_DIR: data });
    const rmData = () => rmSync(data, { recursive: true, force: true });
    rmData();
    expect(() => secretBoxFor(config)).toThrow(/ENOENT/);
    // The data directory exists once the database was opened there.
    mkdirSync(data);
    const first = secretBoxFor(config);
    const file = join(data, DATA_DIR_KEY_FILE);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const sealed = first?.seal("token", "ctx") as string;
    // The next start reads the same key.
    expect(secretBoxFor(config)?.open(sealed, "ctx")).toBe("token");
    expect(readFileSync(file, "utf8")).toMatch(/^# .*\nk1:[A-Za-z0-9+/]{43}=\n$/);
  });
});

describe("kamiyo secrets new-key", () => {
  it("prints a new key entry, of today's id or the one given", async () => {
    const run = async (args: string[]) => {
      const stdio = memoryIo({});
      const code = await main(["node", "kamiyo", "secrets", "new-key", ...args], stdio);
      return { code, out: stdio.stdout, err: stdio.stderr };
    };
    const made = await run([]);
    expect(made.code).toBe(0);
    const today = new Date().toISOString().slice(0, 10).replace(/-/g, "");
    expect(made.out).toMatch(new RegExp(`^k${today}:[A-Za-z0-9+/]{43}=\\n$`));
    expect((await run(["--id", "rotation-2"])).out).toMatch(/^rotation-2:/);
    const bad = await run(["--id", "a:b"]);
    expect(bad.code).toBe(2);
    expect(bad.err).toContain("expected 1-32 letters, digits, _ or -");
  });
});
