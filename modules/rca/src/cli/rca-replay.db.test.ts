import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createLogger } from "@kamiyo/core";
import { CliError, type CliIo } from "@kamiyo/platform";
import { createTestDb } from "@kamiyo/testing";
import { Command } from "commander";
import { describe, expect, it } from "vitest";
import { incidentFile } from "../incidents/catalog.ts";
import { readIncident } from "../incidents/replay.ts";
import { rcaMigrations } from "../module.ts";
import { rcaSettings } from "../settings.ts";
import { rcaCli } from "./rca-commands.ts";

/** Runs `kamiyo rca …args` in-process on a test database; returns what it printed. */
async function run(printed: string[], ...args: string[]): Promise<void> {
  const io = { out: (t: string) => printed.push(t), err: () => {} } as unknown as CliIo;
  const program = new Command("kamiyo").exitOverride();
  rcaCli(program, {
    io,
    logger: () => createLogger("silent", {}),
    openDb: () => Promise.reject(new Error("replay writes into its own database")),
    settings: () => rcaSettings.parse({}),
    openTemporaryDb: () => createTestDb({ modules: [rcaMigrations] }),
  });
  await program.parseAsync(["rca", ...args], { from: "user" });
}

describe("kamiyo rca replay", () => {
  it("replays a shipped incident by id and prints the answer as JSON, the expected one first", async () => {
    const out: string[] = [];
    await run(out, "replay", "image-pull-backoff", "--json");
    const json = JSON.parse(out.join(""));
    const { expected } = readIncident(incidentFile("image-pull-backoff")).header;
    expect(json).toMatchObject({ id: "image-pull-backoff", expected, verdict: { pass: true } });
    expect(json.candidates[0]).toMatchObject({
      resource: expected.resource,
      faultType: "image",
      causalPath: expected.causalPath,
    });
    expect(json.candidates.length).toBeLessThanOrEqual(5);
  });

  it("reads a plain NDJSON file, prints the ranking, and fails when the first candidate is not the expected answer", async () => {
    const { header, lines } = readIncident(incidentFile("image-pull-backoff"));
    const wrong = {
      ...header,
      expected: { ...header.expected, resource: "configmap/boutique/payment-config" },
    };
    const file = join(mkdtempSync(join(tmpdir(), "kamiyo-rca-replay-")), "wrong.ndjson");
    writeFileSync(file, [wrong, ...lines].map((l) => JSON.stringify(l)).join("\n"));
    const out: string[] = [];
    await expect(run(out, "replay", file)).rejects.toThrow(
      /resource: expected configmap\/boutique\/payment-config, got deployment\/boutique\/paymentservice/,
    );
    const text = out.join("");
    expect(text).toMatch(
      /^image-pull-backoff: paymentservice rollout stuck in ImagePullBackOff \(constructed\)/,
    );
    expect(text).toContain(" 1. paymentservice  image  score ");
    expect(text).toContain(
      "    path: deployment/boutique/paymentservice → replicaset/boutique/paymentservice-7d4c9b8f6 →",
    );
    expect(text).toContain("NOT found first");
  });

  it("says which incidents exist when the file does not", async () => {
    await expect(run([], "replay", "/nonexistent.ndjson")).rejects.toThrow(
      new CliError(
        "no such incident file: /nonexistent.ndjson (or one of the shipped incidents: oom-killed, bad-configmap-rollout, image-pull-backoff, node-not-ready, dependency-outage)",
      ),
    );
  });
});
