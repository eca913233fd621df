import { readFileSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type CliStorage, cliStorage } from "./testing/cli-storage.ts";

const FIXTURES = fileURLToPath(new URL("../../../modules/intel/fixtures/", import.meta.url));
let storage: CliStorage;
let dir: string;
const kamiyo = (args: string[], env?: Record<string, string>) => storage.run(args, env);

beforeAll(async () => {
  storage = await cliStorage("kamiyo-intel-cli");
  dir = storage.dir;
});
afterAll(async () => {
  await storage.close();
});

describe("kamiyo intel import", () => {
  it("detects each file's format, names refused records, merges everything, and refuses what it cannot read", async () => {
    const broken = join(dir, "broken.json");
    writeFileSync(
      broken,
      JSON.stringify([
        {
          date: "20240101",
          name: "Alpha",
          type: "Logic Flaw",
          Lost: 1000,
          lossType: "USD",
          Contract: "",
          chain: "Ethereum",
        },
        {
          date: "2024-13-45",
          name: "Beta",
          type: "Logic Flaw",
          Lost: 5,
          lossType: "USD",
          Contract: "",
          chain: "BSC",
        },
      ]),
    );
    const r = await kamiyo([
      "intel",
      "import",
      join(FIXTURES, "incidents.json"),
      join(FIXTURES, "past-2024-README.md.txt"),
      broken,
    ]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain("incidents.json: defihacklabs-explorer, 910 records, 2 refused");
    expect(r.stdout).toContain("past-2024-README.md.txt: defihacklabs, 189 records, 0 refused");
    expect(r.stdout).toContain("broken.json: defihacklabs-explorer, 1 records, 1 refused");
    expect(r.stderr).toMatch(/broken\.json: defihacklabs-explorer record 1: .*date/);
    expect(r.stdout).toMatch(/stored 1100 reports as \d+ incidents: \d+ new, 0 materially changed/);

    const again = await kamiyo(["intel", "import", join(FIXTURES, "past-2024-README.md.txt")]);
    expect(again.stdout).toMatch(/: 0 new, 0 materially changed/);

    const notes = join(dir, "notes.txt");
    writeFileSync(notes, "some notes about hacks\n");
    const unknown = await kamiyo(["intel", "import", notes]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("not a format kamiyo knows; name it with --source");
    const wrong = await kamiyo(["intel", "import", "--source", "nope", broken]);
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toContain("--source: expected one of");

    // The explorer lists UwU Lend twice under two spellings; an operator splits one off.
    const split = await kamiyo([
      "intel",
      "split",
      "defihacklabs-explorer:20240610-UwU Lend",
      "defihacklabs-explorer:20240610-UwULend",
      "--comment",
      "test",
    ]);
    expect(split.code, split.stderr).toBe(0);
    const [, a, b] = /→ (exp_\S+), .* → (exp_\S+);/.exec(split.stdout) ?? [];
    expect(split.stdout).toMatch(/^split: defihacklabs-explorer:20240610-UwU Lend → exp_/);
    expect(a).toBeDefined();
    expect(a).not.toBe(b);
    // The decision survives a re-import of the same files.
    const resync = await kamiyo(["intel", "import", join(FIXTURES, "incidents.json")]);
    expect(resync.stdout).toMatch(/: 0 new, 0 materially changed/);
    const bad = await kamiyo(["intel", "merge", "nope", "defillama:x", "--comment", "c"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("first report: expected source:key");
  }, 120_000);

  it("kamiyo intel sync fetches the configured sources with progress and isolates a failing one", async () => {
    const server = createServer((req, res) => {
      if (req.url === "/incidents.json")
        return void res
          .writeHead(200, { etag: '"x1"' })
          .end(readFileSync(join(FIXTURES, "incidents.json")));
      res.writeHead(503).end();
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const r = await kamiyo(["intel", "sync"], {
        INTEL_SOURCES: "defihacklabs-explorer,rekt",
        INTEL_EXPLORER_URL: `${base}/incidents.json`,
        INTEL_REKT_URL: `${base}/leaderboard/`,
        INTEL_ATTEMPTS: "1",
      });
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr).toMatch(/defihacklabs-explorer\s+910 records, 2 refused/);
      expect(r.stderr).toMatch(/rekt\s+failed: .*HTTP 503/);
      expect(r.stdout).toMatch(/stored \d+ reports as \d+ incidents/);
    } finally {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    }
  }, 60_000);
});
