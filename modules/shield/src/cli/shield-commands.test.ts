import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CliError, type CliIo } from "@kamiyo/platform";
import { Command } from "commander";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { shieldSettings } from "../settings.ts";
import { cdnowFixture, cdnowTransactions } from "../testing/index.ts";
import type { LtvFitJson } from "./ltv-fit.ts";
import { shieldCli } from "./shield-commands.ts";

/** Runs `kamiyo shield …args` in-process; returns what it printed. */
async function run(...args: string[]): Promise<string> {
  let out = "";
  const io = { env: {}, out: (t: string) => (out += t), err: () => {} } satisfies CliIo;
  const program = new Command("kamiyo").exitOverride();
  shieldCli(program, {
    io,
    openDb: () => Promise.reject(new Error("not in these tests")),
    settings: () => shieldSettings.parse({}),
    secrets: () => null,
  });
  await program.parseAsync(["shield", ...args], { from: "user" });
  return out;
}

const SUMMARY = cdnowFixture("cdnow_customers_summary.csv");
const WITH_SPEND = cdnowFixture("cdnow_customers_summary_with_transactions.csv");
const within = (got: number, want: number, rel: number) =>
  expect(Math.abs(got / want - 1), `${got} vs ${want}`).toBeLessThan(rel);

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "kamiyo-shield-cli-"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("kamiyo shield ltv fit", () => {
  it("prints the BG/NBD fit of a summary as JSON, gammaGamma null without a monetary column", async () => {
    const j = JSON.parse(await run("ltv", "fit", "--summary", SUMMARY, "--json")) as LtvFitJson;
    expect(Object.keys(j)).toEqual(["bgnbd", "gammaGamma"]);
    expect(Object.keys(j.bgnbd)).toEqual(["r", "alpha", "a", "b", "logLikelihood"]);
    within(j.bgnbd.r, 0.2426, 0.005);
    within(j.bgnbd.alpha, 4.4135, 0.005);
    within(j.bgnbd.a, 0.7929, 0.005);
    within(j.bgnbd.b, 2.4258, 0.005);
    within(j.bgnbd.logLikelihood, -9582.4, 0.005);
    expect(j.gammaGamma).toBeNull();
  });

  it("fits Gamma-Gamma too on the x,t_x,T,zbar variant, and prints both as text", async () => {
    const j = JSON.parse(await run("ltv", "fit", "--summary", WITH_SPEND, "--json")) as LtvFitJson;
    expect(Object.keys(j.gammaGamma ?? {})).toEqual(["p", "q", "v"]);
    within(j.gammaGamma?.p as number, 6.25, 0.005);
    within(j.gammaGamma?.q as number, 3.74, 0.005);
    within(j.gammaGamma?.v as number, 15.45, 0.005);
    expect(await run("ltv", "fit", "--summary", WITH_SPEND)).toMatch(
      /^BG\/NBD \(2357 customers\): r 0\.2426 {2}alpha 4\.413\d {2}a 0\.7929 {2}b 2\.425\d {2}log-likelihood -9582\.43\nGamma-Gamma \(946 repeat buyers\): p 6\.24\d\d {2}q 3\.74\d\d {2}v 15\.44\d\d\n$/,
    );
  });

  it("fits raw transactions the same, summarised in weeks up to the end of observation", async () => {
    const file = join(dir, "cdnow-transactions.csv");
    const rows = cdnowTransactions().map(
      (t) => `${t.customerId},${new Date(t.at).toISOString().slice(0, 10)},${t.amount}`,
    );
    writeFileSync(file, `customer_id,date,amount\n${rows.join("\n")}\n`);
    const j = JSON.parse(
      await run(
        "ltv",
        "fit",
        ...["--transactions", file, "--unit", "week", "--end", "1997-09-30", "--json"],
      ),
    ) as LtvFitJson;
    within(j.bgnbd.r, 0.2426, 0.005);
    within(j.bgnbd.alpha, 4.4135, 0.005);
    within(j.bgnbd.a, 0.7929, 0.005);
    within(j.bgnbd.b, 2.4258, 0.005);
    within(j.gammaGamma?.p as number, 6.25, 0.005);
  });

  it("names the file and the line of bad input", async () => {
    const file = join(dir, "bad.csv");
    writeFileSync(file, "ID,frequency,recency,T\n1,2,30.43,38.86\n2,1,40,38.86\n");
    await expect(run("ltv", "fit", "--summary", file)).rejects.toThrow(
      new CliError(`${file}: line 3: recency 40 is after T 38.86`),
    );
    const tx = join(dir, "bad-tx.csv");
    writeFileSync(tx, "customer_id,date\na,2024-01-01\na,01/02/2024\n");
    await expect(run("ltv", "fit", "--transactions", tx)).rejects.toThrow(
      `${tx}: line 3: date: expected a date like 2024-03-01`,
    );
    await expect(run("ltv", "fit", "--summary", join(dir, "none.csv"))).rejects.toThrow(
      new CliError(`${join(dir, "none.csv")}: cannot read it (ENOENT)`),
    );
  });

  it("refuses options that do not go together", async () => {
    await expect(run("ltv", "fit")).rejects.toThrow(
      "give one of --summary FILE or --transactions FILE",
    );
    await expect(
      run("ltv", "fit", "--summary", SUMMARY, "--transactions", SUMMARY),
    ).rejects.toThrow("give one of");
    await expect(run("ltv", "fit", "--summary", SUMMARY, "--unit", "week")).rejects.toThrow(
      "--unit and --end go with --transactions",
    );
    await expect(run("ltv", "fit", "--transactions", SUMMARY, "--unit", "month")).rejects.toThrow(
      "--unit: expected one of day, week",
    );
    await expect(run("ltv", "fit", "--transactions", SUMMARY, "--end", "soon")).rejects.toThrow(
      '--end: expected a date like 2024-03-01, got "soon"',
    );
  });
});
