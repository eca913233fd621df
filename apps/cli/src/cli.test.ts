import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { ethBackstopRecording, FILL_TIME, T0 } from "@kamiyo/hyperliquid/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { main } from "./main.ts";
import { memoryIo } from "./testing/memory-io.ts";

const CONFIG_DOC = fileURLToPath(new URL("../../../docs/configuration.md", import.meta.url));

/** `kamiyo args…` in-process, with `env` over a quiet baseline. */
async function kamiyo(args: string[], env: Record<string, string> = {}) {
  const stdio = memoryIo({ KAMIYO_DATA_DIR: join(dir, "never-created"), ...env });
  const code = await main(["node", "kamiyo", ...args], stdio);
  return { code, stdout: stdio.stdout, stderr: stdio.stderr };
}

let dir: string;
/** A short recording whose liquidator fill raises a critical backstop finding. */
let recording: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "kamiyo-cli-"));
  recording = join(dir, "backstop.ndjson");
  writeFileSync(recording, `${ethBackstopRecording().join("\n")}\n`);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("kamiyo CLI (in-process)", () => {
  it("replays a recording and prints one JSON finding per line with replay time", async () => {
    const r = await kamiyo(["replay", recording, "--json"]);
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(lines.length).toBeGreaterThan(0);
    for (const l of lines) {
      expect(Object.keys(l)).toEqual(
        expect.arrayContaining(["ts", "detector", "severity", "subject", "title", "evidence"]),
      );
      expect(l.ts).toBeGreaterThanOrEqual(T0);
    }
    const backstop = lines.find((l) => l.kind === "backstop");
    expect(backstop).toMatchObject({ detector: "liquidations", severity: "critical" });
    expect(backstop.ts - FILL_TIME).toBeLessThanOrEqual(60_000);
  }, 60_000);

  it("prints aligned human lines without --json", async () => {
    const r = await kamiyo(["replay", recording, "--speed", "max"]);
    expect(r.code, r.stderr).toBe(0);
    // Replay time, severity, detector/kind and subject in aligned columns, then the title.
    expect(r.stdout).toMatch(
      /^2025-03-12T\d\d:\d\d:\d\d\.\d{3}Z {2}CRITICAL {2}liquidations\/backstop +ETH +HLP liquidator absorbed \$306\.8M/m,
    );
  }, 60_000);

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
  });

  it("reports a malformed replay line with its line number and keeps going", async () => {
    const file = join(dir, "bad.ndjson");
    const text = ethBackstopRecording();
    text.splice(3, 0, "{broken json", '{"ts":1,"src":"mystery"}');
    writeFileSync(file, `${text.join("\n")}\n`);
    const r = await kamiyo(["replay", file, "--json"]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain("replay file line 4 skipped: not valid JSON");
    expect(r.stderr).toContain('replay file line 5: unknown src \\"mystery\\"');
    expect(r.stdout).toContain('"kind":"backstop"');
  }, 60_000);

  it("shows the effective configuration with the platform's and the modules' secrets masked", async () => {
    const r = await kamiyo(["config"], {
      INTEL_DEFILLAMA_API_KEY: "llama-secret",
      INTEL_TIMEOUT_MS: "12000",
      ALERTS_TELEGRAM_BOT_TOKEN: "123:tg-secret",
      ALERTS_TELEGRAM_CHAT_ID: "42",
      DATABASE_URL: "postgres://kamiyo:pg-secret@db:5432/kamiyo",
      REDIS_URL: "redis://:redis-secret@cache:6379/0",
      STRIPE_SECRET_KEY: "sk_test_stripesecret",
      STRIPE_WEBHOOK_SECRET: "whsec_hooksecret",
    });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).not.toMatch(
      /llama-secret|tg-secret|pg-secret|redis-secret|stripesecret|hooksecret/,
    );
    const shown = JSON.parse(r.stdout);
    expect(shown.modules.intel).toMatchObject({ defillamaApiKey: "***", timeoutMs: 12_000 });
    expect(shown.alerts.telegramBotToken).toBe("***");
    expect(shown.databaseUrl).toBe("postgres://kamiyo:***@db:5432/kamiyo");
    expect(shown.redisUrl).toBe("redis://:***@cache:6379/0");
    expect(shown.stripe).toMatchObject({ secretKey: "***", webhookSecret: "***", trialDays: 14 });
  });

  it("keeps the configuration reference (docs/configuration.md) in step with the code", async () => {
    const r = await kamiyo(["config", "--reference"]);
    expect(r.code).toBe(0);
    expect(r.stdout.length).toBeGreaterThan(1_000);
    expect(readFileSync(CONFIG_DOC, "utf8")).toContain(r.stdout.trim());
  });
});
