import { mkdtempSync, readFileSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { createLogger } from "@kamiyo/core";
import { CliError, type CliIo } from "@kamiyo/platform";
import { Command } from "commander";
import { describe, expect, it } from "vitest";
import { NEZHA_FIXTURE } from "../nezha/fixture.ts";
import { rcaSettings } from "../settings.ts";
import { rcaCli } from "./rca-commands.ts";

/** Runs `kamiyo rca …args` in-process; returns what it printed. */
async function run(...args: string[]): Promise<string> {
  let out = "";
  const io = { out: (t: string) => (out += t), err: () => {} } as unknown as CliIo;
  const program = new Command("kamiyo").exitOverride();
  rcaCli(program, {
    io,
    logger: () => createLogger("silent", {}),
    openDb: () => Promise.reject(new Error("no database in these tests")),
    openTemporaryDb: () => Promise.reject(new Error("no database in these tests")),
    settings: () => rcaSettings.parse({}),
  });
  await program.parseAsync(["rca", ...args], { from: "user" });
  return out;
}

describe("kamiyo rca", () => {
  it("makes the NATS trust once and a tenant's credentials from it, secrets readable by their owner only", async () => {
    const dir = mkdtempSync(join(tmpdir(), "kamiyo-rca-cli-"));
    const printed = await run("nats-trust", "--out", dir);
    expect(
      printed
        .trim()
        .split("\n")
        .map((f) => basename(f)),
    ).toEqual(["nats-trust.conf", "account.seed", "platform.creds"]);
    expect(readFileSync(join(dir, "nats-trust.conf"), "utf8")).toMatch(/^operator: ey/);
    expect(statSync(join(dir, "account.seed")).mode & 0o777).toBe(0o600);
    await expect(run("nats-trust", "--out", dir)).rejects.toThrow(/already exist; not overwriting/);
    const creds = join(dir, "ten_x.creds");
    await run(
      "credentials",
      "--tenant",
      "ten_x",
      "--account-seed",
      join(dir, "account.seed"),
      "--out",
      creds,
      "--days",
      "30",
    );
    expect(readFileSync(creds, "utf8")).toContain("BEGIN NATS USER JWT");
    expect(statSync(creds).mode & 0o777).toBe(0o600);
    await expect(
      run(
        "credentials",
        "--tenant",
        "ten.x",
        "--account-seed",
        join(dir, "account.seed"),
        "--out",
        creds,
      ),
    ).rejects.toThrow(/cannot be a NATS subject token/);
  });

  it("refuses to start an agent without its credentials file", async () => {
    await expect(
      run(
        "agent",
        "--nats",
        "nats://127.0.0.1:1",
        "--tenant",
        "ten_x",
        "--creds",
        "/nonexistent.creds",
      ),
    ).rejects.toThrow(new CliError("--creds: no such file: /nonexistent.creds"));
  });

  it("says clearly what is wrong with the folder", async () => {
    await expect(run("evaluate", "--nezha", "/nonexistent")).rejects.toThrow(
      new CliError("--nezha: no such folder: /nonexistent"),
    );
    await expect(run("evaluate", "--nezha", NEZHA_FIXTURE)).rejects.toThrow(
      /holds 2 days .*name one/,
    );
    await expect(
      run("evaluate", "--nezha", NEZHA_FIXTURE, "--day", "2022-08-22", "--cases", "0"),
    ).rejects.toThrow(/expected a whole number of faults/);
  });
});
