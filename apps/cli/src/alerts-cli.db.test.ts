import {
  type Alert,
  type AttemptResult,
  claimDue,
  insertAlert,
  newChannel,
  recordAttempts,
  saveChannel,
} from "@kamiyo/alerts";
import { DEFAULT_TENANT_ID, migrate } from "@kamiyo/db";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type CliStorage, cliStorage } from "./testing/cli-storage.ts";

let storage: CliStorage;
const kamiyo = (args: string[]) => storage.run(args);
/** Seeded deliveries by their state. */
const msg = { exhausted: "", delivered: "", pending: "" };

beforeAll(async () => {
  storage = await cliStorage("kamiyo-alerts-cli");
  // Three deliveries on two channels, made exhausted, delivered and pending the way a worker does.
  const db = await storage.open();
  try {
    await migrate(db);
    const now = Date.now();
    for (const id of ["chn_cli_a", "chn_cli_b"]) {
      await saveChannel(
        db,
        newChannel({
          tenantId: DEFAULT_TENANT_ID,
          id,
          kind: "webhook",
          name: id,
          origin: "config",
          config: { url: "https://hooks.example.com/x" },
          filter: {},
          nowMs: now - 10_000,
        }),
        null,
      );
    }
    const ids: string[] = [];
    for (const [i, channel] of ["chn_cli_a", "chn_cli_a", "chn_cli_b"].entries()) {
      const alert: Alert = {
        id: `alr_cli_${i}`,
        tenantId: DEFAULT_TENANT_ID,
        type: "webhook.test",
        severity: "info",
        title: `seed ${i}`,
        createdAt: now - 3_000 + i * 1_000,
        findings: [],
      };
      ids.push(...(await insertAlert(db, alert, null, [channel], now - 3_000 + i * 1_000)));
    }
    [msg.exhausted, msg.delivered, msg.pending] = ids as [string, string, string];
    const claimed = await claimDue(db, "seed", now, 60_000, 10, null);
    expect(claimed).toHaveLength(3);
    const failed = (error: string) =>
      ({
        ok: false,
        retry: true,
        gone: false,
        status: 500,
        latencyMs: 12,
        error,
        excerpt: "",
        retryAfterMs: null,
      }) as const;
    const results: AttemptResult[] = claimed.map((delivery) =>
      delivery.id === msg.exhausted
        ? {
            delivery,
            startedAt: now,
            outcome: failed("HTTP 500"),
            nextAttemptAt: null,
            status: "exhausted",
          }
        : delivery.id === msg.delivered
          ? {
              delivery,
              startedAt: now,
              outcome: { ok: true, status: 200, latencyMs: 5, excerpt: "ok" },
              nextAttemptAt: null,
              status: "delivered",
            }
          : {
              delivery,
              startedAt: now,
              outcome: failed("timed out after 10000 ms"),
              nextAttemptAt: now + 3_600_000,
              status: "pending",
            },
    );
    await recordAttempts(db, "seed", results, now);
  } finally {
    await db.close(); // a PGlite directory is opened by one process at a time
  }
}, 60_000);

afterAll(async () => {
  await storage?.close();
});

/** Start of each column of a table line, from the header's column names. */
function columnStarts(header: string, names: string[]): number[] {
  return names.map((n) => header.indexOf(n));
}

describe("kamiyo silence and kamiyo deliveries", () => {
  it("adds, lists and expires silences", async () => {
    const t0 = Date.now();
    const a = await kamiyo([
      "silence",
      "add",
      "--detector",
      "oracle",
      "--severity",
      "low,medium",
      "--for",
      "2h",
      "--comment",
      "oracle maintenance",
    ]);
    expect(a.stderr).toBe("");
    expect(a.code).toBe(0);
    const [, id1, ends1] = /^(sil_[0-9a-z]+) {2}ends (\S+)/.exec(a.stdout) ?? [];
    expect(id1).toBeDefined();
    expect(Date.parse(ends1 as string)).toBeGreaterThanOrEqual(t0 + 2 * 3_600_000 - 1_000);
    expect(Date.parse(ends1 as string)).toBeLessThanOrEqual(Date.now() + 2 * 3_600_000);

    const until = new Date(Date.now() + 86_400_000).toISOString();
    const b = await kamiyo([
      "silence",
      "add",
      "--subject",
      "0xABCDEF0123456789abcdef0123456789ABCDEF01",
      "--until",
      until,
      "--comment",
      "known whale",
    ]);
    expect(b.code).toBe(0);
    const id2 = /^sil_[0-9a-z]+/.exec(b.stdout)?.[0] as string;
    expect(b.stdout).toContain(`ends ${until.replace(/\.\d{3}Z$/, "Z")}`);

    const expired = await kamiyo(["silence", "expire", id2]);
    expect(expired.code).toBe(0);
    expect(expired.stdout).toMatch(new RegExp(`^${id2} {2}ended `));

    const active = await kamiyo(["silence", "list"]);
    expect(active.code).toBe(0);
    const lines = active.stdout.trimEnd().split("\n");
    expect(lines).toHaveLength(2);
    const names = ["ID", "MATCHERS", "ENDS", "COMMENT", "CREATED BY"];
    const starts = columnStarts(lines[0] as string, names);
    expect(starts.every((s, i) => s >= 0 && (i === 0 || s > (starts[i - 1] as number)))).toBe(true);
    const row = lines[1] as string;
    expect(row.slice(starts[0], starts[1]).trim()).toBe(id1);
    expect(row.slice(starts[1], starts[2]).trim()).toBe("detector=oracle severity=low,medium");
    expect(row.slice(starts[2], starts[3]).trim()).toBe(ends1);
    expect(row.slice(starts[3], starts[4]).trim()).toBe("oracle maintenance");
    expect(row.slice(starts[4]).trim()).toBe("cli");

    const all = await kamiyo(["silence", "list", "--all"]);
    expect(all.code).toBe(0);
    const allLines = all.stdout.trimEnd().split("\n");
    expect(allLines).toHaveLength(3);
    // Newest first; the expired one is marked, its subject stored in lower case.
    expect(allLines[1]).toMatch(
      new RegExp(
        `^${id2} +subject=0xabcdef0123456789abcdef0123456789abcdef01 +\\S+ \\(ended\\) +known whale +cli$`,
      ),
    );
    expect(allLines[2]).toContain(id1);

    const unknown = await kamiyo(["silence", "expire", "sil_nosuchsilence"]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toBe("kamiyo: no silence with id sil_nosuchsilence\n");
  }, 60_000);

  it("refuses bad flags with one line naming the flag, exit code 2, before opening the database", async () => {
    const past = new Date(Date.now() - 60_000).toISOString();
    const cases: [string[], string][] = [
      [
        ["silence", "add", "--for", "2h", "--comment", "x"],
        "give at least one matcher: --detector, --kind, --subject or --severity",
      ],
      [
        ["silence", "add", "--kind", "deviation", "--for", "2w", "--comment", "x"],
        `option '--for <duration>' argument '2w' is invalid. expected a duration such as "30m", "2h" or "1d"`,
      ],
      [
        ["silence", "add", "--kind", "deviation", "--for", "31d", "--comment", "x"],
        "--for: the silence's end must be within 30 days",
      ],
      [
        ["silence", "add", "--kind", "deviation", "--until", past, "--comment", "x"],
        "--until: the silence's end must be in the future",
      ],
      [
        ["silence", "add", "--kind", "deviation", "--until", "tomorrow", "--comment", "x"],
        "option '--until <time>' argument 'tomorrow' is invalid. expected an ISO 8601 time",
      ],
      [
        ["silence", "add", "--kind", "deviation", "--comment", "x"],
        "give either --for <duration> or --until <ISO time>",
      ],
      [
        ["silence", "add", "--severity", "low,urgent", "--for", "1h", "--comment", "x"],
        "option '--severity <list>' argument 'low,urgent' is invalid. expected a comma-separated list of info, low, medium, high, critical",
      ],
      [
        ["silence", "add", "--detector", "oracle", "--for", "1h"],
        "required option '--comment <text>' not specified",
      ],
      [
        ["deliveries", "list", "--status", "failed"],
        "option '--status <status>' argument 'failed' is invalid. expected one of exhausted, pending, delivered, cancelled",
      ],
      [
        ["deliveries", "list", "--limit", "0"],
        "option '--limit <n>' argument '0' is invalid. expected a whole number from 1 to 200",
      ],
    ];
    const results = await Promise.all(cases.map(([args]) => kamiyo(args)));
    for (const [i, r] of results.entries()) {
      const [args, message] = cases[i] as [string[], string];
      expect({ args, code: r.code }).toEqual({ args, code: 2 });
      expect(r.stderr).toContain(`kamiyo: ${message}`);
      expect(r.stderr.trimEnd().split("\n")).toHaveLength(1);
      expect(r.stdout).toBe("");
    }
  }, 60_000);

  it("lists deliveries and replays an exhausted one, refusing others", async () => {
    const list = await kamiyo(["deliveries", "list"]);
    expect(list.code).toBe(0);
    const lines = list.stdout.trimEnd().split("\n");
    expect(lines[0]).toMatch(/^ID +CHANNEL +STATUS +ATTEMPTS +LAST ERROR +CREATED$/);
    // Newest first, across both channels.
    expect(lines.slice(1).map((l) => l.split(/ {2,}/).slice(0, 5))).toEqual([
      [msg.pending, "chn_cli_b", "pending", "1", "timed out after 10000 ms"],
      [msg.delivered, "chn_cli_a", "delivered", "1", "-"],
      [msg.exhausted, "chn_cli_a", "exhausted", "1", "HTTP 500"],
    ]);

    const replayed = await kamiyo(["deliveries", "replay", msg.exhausted]);
    expect(replayed.stderr).toBe("");
    expect(replayed.code).toBe(0);
    expect(replayed.stdout).toContain(`${msg.exhausted}  pending again (was exhausted), due now`);

    const delivered = await kamiyo(["deliveries", "replay", msg.delivered]);
    expect(delivered.code).toBe(2);
    expect(delivered.stderr).toBe(
      `kamiyo: delivery ${msg.delivered} was delivered: only exhausted or cancelled deliveries can be replayed\n`,
    );
    const pendingReplay = await kamiyo(["deliveries", "replay", msg.pending]);
    expect(pendingReplay.code).toBe(2);
    expect(pendingReplay.stderr).toBe(
      `kamiyo: delivery ${msg.pending} is still pending: only exhausted or cancelled deliveries can be replayed\n`,
    );
    const unknown = await kamiyo(["deliveries", "replay", "msg_nosuchdelivery"]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toBe("kamiyo: no delivery with id msg_nosuchdelivery\n");

    const pending = await kamiyo([
      "deliveries",
      "list",
      "--channel",
      "chn_cli_a",
      "--status",
      "pending",
      "--limit",
      "5",
    ]);
    expect(pending.code).toBe(0);
    const rows = pending.stdout.trimEnd().split("\n").slice(1);
    expect(rows.map((l) => l.split(/ {2,}/).slice(0, 3))).toEqual([
      [msg.exhausted, "chn_cli_a", "pending"],
    ]);
  }, 90_000);
});
