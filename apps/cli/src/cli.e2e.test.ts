import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { ethBackstopRecording } from "@kamiyo/hyperliquid/testing";
import { testCacheDir } from "@kamiyo/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const BIN = fileURLToPath(new URL("../bin/kamiyo.js", import.meta.url));

/** Runs the real `kamiyo` bin as users do. */
function kamiyo(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [BIN, ...args],
      {
        env: {
          PATH: process.env.PATH,
          LOG_LEVEL: "warn",
          KAMIYO_DATA_DIR: join(dir, "data"),
          KAMIYO_CACHE_DIR: testCacheDir(),
        },
        timeout: 60_000,
      },
      (err, stdout, stderr) =>
        resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "kamiyo-bin-"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("the kamiyo bin (command behaviour is tested in-process in cli.test.ts)", () => {
  it("exits 0 after a replay, with findings on stdout", async () => {
    const file = join(dir, "backstop.ndjson");
    writeFileSync(file, `${ethBackstopRecording().join("\n")}\n`);
    const r = await kamiyo(["replay", file, "--json"]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('"kind":"backstop"');
  }, 60_000);

  it("exits 2 with one line on stderr for bad input, and 1 for a usage error of the root command", async () => {
    const missing = await kamiyo(["replay", "/nope/missing.ndjson"]);
    expect(missing).toEqual({
      code: 2,
      stdout: "",
      stderr: "kamiyo: replay file not found: /nope/missing.ndjson\n",
    });
    const unknown = await kamiyo(["frobnicate"]);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain("unknown command 'frobnicate'");
  }, 60_000);
});
