import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { cdnowFixture } from "@kamiyo/shield/testing";
import { afterAll, describe, expect, it } from "vitest";
import { main } from "./main.ts";
import { memoryIo } from "./testing/memory-io.ts";

/** `kamiyo args…` in-process. */
async function kamiyo(args: string[]) {
  const stdio = memoryIo();
  const code = await main(["node", "kamiyo", ...args], stdio);
  return { code, stdout: stdio.stdout, stderr: stdio.stderr };
}

const dir = mkdtempSync(join(tmpdir(), "kamiyo-shield-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("kamiyo shield (in-process, as the app composes it)", () => {
  it("fits the CDNOW summary and prints the parameters as JSON", async () => {
    const r = await kamiyo([
      ...["shield", "ltv", "fit", "--json"],
      ...["--summary", cdnowFixture("cdnow_customers_summary_with_transactions.csv")],
    ]);
    expect(r.code, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j.bgnbd.r).toBeCloseTo(0.2426, 3);
    expect(j.gammaGamma.p).toBeCloseTo(6.25, 1);
  });

  it("exits 2 with the file and line of bad input", async () => {
    const file = join(dir, "bad.csv");
    writeFileSync(file, "ID,frequency,recency,T\n1,two,30.43,38.86\n");
    const r = await kamiyo(["shield", "ltv", "fit", "--summary", file]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(
      `kamiyo: ${file}: line 2: frequency: expected a decimal number, got "two"\n`,
    );
    expect(r.stdout).toBe("");
  });
});
