import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { gunzipSync } from "node:zlib";
import { fixturePath } from "@kamiyo/testing";
import { describe, expect, it } from "vitest";

const BIN = fileURLToPath(new URL("../bin/kamiyo.js", import.meta.url));
const README = fileURLToPath(new URL("../../../README.md", import.meta.url));

function kamiyo(
  args: string[],
  env: Record<string, string> = {},
  timeoutMs = 120_000,
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [BIN, ...args],
      {
        env: { ...process.env, LOG_LEVEL: "warn", ...env },
        timeout: timeoutMs,
        maxBuffer: 64 * 1024 * 1024,
      },
      (err, stdout, stderr) => {
        resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
      },
    );
  });
}

describe("kamiyo CLI", () => {
  it("replays a scenario and prints one JSON finding per line with replay time", async () => {
    const r = await kamiyo([
      "replay",
      fixturePath("scenarios", "cascade-2025-10-10.ndjson.gz"),
      "--json",
    ]);
    expect(r.code).toBe(0);
    const lines = r.stdout
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(lines.length).toBeGreaterThan(10);
    for (const l of lines) {
      expect(Object.keys(l)).toEqual(
        expect.arrayContaining(["ts", "detector", "severity", "subject", "title", "evidence"]),
      );
      expect(l.ts).toBeGreaterThanOrEqual(Date.UTC(2025, 9, 10, 21, 0));
      expect(l.ts).toBeLessThanOrEqual(Date.UTC(2025, 9, 10, 21, 35));
    }
    expect(
      lines.some(
        (l) => l.detector === "liquidations" && l.kind === "adl" && l.severity === "critical",
      ),
    ).toBe(true);
  }, 120_000);

  it("prints aligned human lines without --json", async () => {
    const r = await kamiyo([
      "replay",
      fixturePath("scenarios", "cascade-2025-10-10.ndjson.gz"),
      "--speed",
      "max",
    ]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^2025-10-10T21:15:0\d\.\d{3}Z {2}(HIGH|CRITICAL) +liquidations\//m);
  }, 120_000);

  it("refuses bad input with a clear message and exit code 2", async () => {
    const missing = await kamiyo(["replay", "/nope/missing.ndjson"]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("replay file not found: /nope/missing.ndjson");
    const speed = await kamiyo(["replay", "x", "--speed", "fast"]);
    expect(speed.code).not.toBe(0);
    expect(speed.stderr).toContain('expected a positive number or "max"');
    const config = await kamiyo(["config"], { ORACLE_MEDIUM_PCT: "abc", HL_WS_URL: "nope" });
    expect(config.code).toBe(2);
    expect(config.stderr).toContain("ORACLE_MEDIUM_PCT: expected a number");
    expect(config.stderr).toContain("HL_WS_URL");
    const duration = await kamiyo(["record", "--out", "x.ndjson", "--duration", "soon"]);
    expect(duration.code).not.toBe(0);
    expect(duration.stderr).toContain("expected a duration");
  }, 60_000);

  it("reports a malformed replay line with its line number and keeps going", async () => {
    const dir = mkdtempSync(join(tmpdir(), "kamiyo-cli-"));
    const file = join(dir, "bad.ndjson");
    const text = gunzipSync(readFileSync(fixturePath("scenarios", "cascade-2025-10-10.ndjson.gz")))
      .toString("utf8")
      .split("\n");
    text.splice(3, 0, "{broken json", '{"ts":1,"src":"mystery"}');
    writeFileSync(file, text.join("\n"));
    const r = await kamiyo(["replay", file, "--json"]);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain("replay file line 4 skipped: not valid JSON");
    expect(r.stderr).toContain('replay file line 5: unknown src \\"mystery\\"');
    expect(r.stdout).toContain('"kind":"adl"');
  }, 120_000);

  it("keeps the README's configuration reference in step with the code", async () => {
    const r = await kamiyo(["config", "--reference"]);
    expect(r.code).toBe(0);
    const readme = readFileSync(README, "utf8");
    expect(readme).toContain(r.stdout.trim());
  }, 60_000);
});
