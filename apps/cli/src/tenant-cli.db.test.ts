import { recordUsage } from "@kamiyo/billing";
import {
  auditPage,
  createSession,
  findKeyGrant,
  findSessionGrant,
  findSignIn,
  listApiKeys,
  listMembers,
  verifyPassword,
} from "@kamiyo/tenancy";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type CliStorage, cliStorage } from "./testing/cli-storage.ts";

let storage: CliStorage;
const kamiyo = (args: string[]) => storage.run(args);

beforeAll(async () => {
  storage = await cliStorage("kamiyo-tenant-cli");
});
afterAll(async () => storage?.close());

describe("kamiyo tenant and api-key", () => {
  it("creates a tenant with its owner key, a narrowed key, lists and revokes", async () => {
    const made = await kamiyo([
      "tenant",
      "create",
      "Acme Corp",
      "--plan",
      "cloud_pro",
      "--owner",
      "Ada@Acme.example",
    ]);
    expect(made.stderr.split("\n").filter((l) => l.startsWith("kamiyo:"))).toEqual([]);
    expect(made.code).toBe(0);
    const created = JSON.parse(made.stdout);
    expect(created).toEqual({
      tenant: { id: expect.stringMatching(/^ten_/), name: "Acme Corp", plan: "cloud_pro" },
      apiKey: expect.stringMatching(/^kmy_live_[A-Za-z0-9_-]{43}$/),
    });
    const tenantId = created.tenant.id as string;

    const key = await kamiyo([
      "api-key",
      "create",
      "--tenant",
      tenantId,
      "--role",
      "viewer",
      "--scopes",
      "read",
      "--test",
    ]);
    expect(key.code).toBe(0);
    const k = JSON.parse(key.stdout);
    expect(k).toMatchObject({ role: "viewer", scopes: ["read"], tenantId });
    expect(k.key).toMatch(/^kmy_test_/);
    expect(k.key.startsWith(k.prefix)).toBe(true);

    const db = await storage.open();
    try {
      // Stored hashed: the key itself is nowhere in the table, and it authenticates.
      const rows = await db.query("SELECT * FROM api_keys");
      expect(JSON.stringify(rows)).not.toContain(k.key.slice(9));
      expect(await findKeyGrant(db, k.key)).toMatchObject({ tenantId, role: "viewer" });
      expect(await listMembers(db, tenantId)).toEqual([
        expect.objectContaining({ email: "ada@acme.example", role: "owner" }),
      ]);
    } finally {
      await db.close();
    }

    const tenants = JSON.parse((await kamiyo(["tenant", "list", "--json"])).stdout);
    expect(tenants.map((t: { name: string }) => t.name)).toEqual(["Default tenant", "Acme Corp"]);
    const listed = JSON.parse(
      (await kamiyo(["api-key", "list", "--tenant", tenantId, "--json"])).stdout,
    );
    expect(listed.map((x: { role: string }) => x.role).sort()).toEqual(["owner", "viewer"]);
    expect(JSON.stringify(listed)).not.toContain(k.key);

    const revoked = await kamiyo(["api-key", "revoke", k.id, "--tenant", tenantId]);
    expect(revoked.stdout).toContain(`revoked ${k.id}`);
    const check = await storage.open();
    try {
      const [after] = (await listApiKeys(check, tenantId)).filter((x) => x.id === k.id);
      expect(after?.revokedAt).not.toBeNull();
    } finally {
      await check.close();
    }
  });

  it("sets a person's password from standard input, never the command line; their sessions end", async () => {
    const made = await kamiyo(["tenant", "create", "Signed", "--owner", "Lin@Signed.example"]);
    const tenantId = JSON.parse(made.stdout).tenant.id as string;
    const password = "seven quiet harbours";
    const db = await storage.open();
    let token: string;
    try {
      const person = await findSignIn(db, "lin@signed.example");
      expect(person?.passwordHash).toBeNull();
      ({ token } = await createSession(db, {
        tenantId,
        userId: person?.userId as string,
        nowMs: Date.now(),
      }));
    } finally {
      await db.close();
    }
    const set = await storage.run(
      ["member", "password", "--email", "Lin@Signed.example"],
      {},
      `${password}\n`,
    );
    expect(set.code, set.stderr).toBe(0);
    expect(JSON.parse(set.stdout)).toMatchObject({ email: "lin@signed.example", sessionsEnded: 1 });
    expect(set.stdout + set.stderr).not.toContain(password);
    const check = await storage.open();
    try {
      const person = await findSignIn(check, "lin@signed.example");
      expect(person?.passwordHash).toMatch(/^scrypt\$/);
      expect(await verifyPassword(person?.passwordHash as string, password)).toBe(true);
      expect((await findSessionGrant(check, token))?.revokedAt).not.toBeNull();
      const log = await auditPage(check, tenantId, { limit: 10 });
      expect(log[0]).toMatchObject({ actor: "cli", action: "user.password_set" });
    } finally {
      await check.close();
    }
    const weak = await storage.run(
      ["member", "password", "--email", "lin@signed.example"],
      {},
      "short\n",
    );
    expect(weak.code).toBe(2);
    expect(weak.stderr).toContain("too short");
    const nobody = await storage.run(
      ["member", "password", "--email", "nobody@signed.example"],
      {},
      `${password}\n`,
    );
    expect(nobody.code).toBe(2);
    expect(nobody.stderr).toContain("no person nobody@signed.example");
    const empty = await storage.run(["member", "password", "--email", "lin@signed.example"]);
    expect(empty.code).toBe(2);
    expect(empty.stderr).toContain("pipe it on standard input");
    const argv = await storage.run(
      ["member", "password", "--email", "lin@signed.example", "--password", password],
      {},
      `${password}\n`,
    );
    expect(argv.code).toBe(2);
    expect(argv.stderr).toContain("unknown option");
  });

  it("silences and lists deliveries for the tenant given, and refuses an unknown one", async () => {
    const tenantId = JSON.parse((await kamiyo(["tenant", "create", "Silenced"])).stdout).tenant.id;
    const added = await kamiyo([
      "silence",
      "add",
      "--detector",
      "oracle",
      "--for",
      "2h",
      "--comment",
      "their maintenance",
      "--tenant",
      tenantId,
    ]);
    expect(added.code, added.stderr).toBe(0);
    const silenceId = added.stdout.split(" ")[0] as string;
    expect((await kamiyo(["silence", "list", "--tenant", tenantId])).stdout).toContain(silenceId);
    expect((await kamiyo(["silence", "list"])).stdout).not.toContain(silenceId);
    expect((await kamiyo(["silence", "expire", silenceId])).code).toBe(2);
    expect((await kamiyo(["silence", "expire", silenceId, "--tenant", tenantId])).code).toBe(0);
    const listed = await kamiyo(["deliveries", "list", "--tenant", tenantId]);
    expect(listed.code, listed.stderr).toBe(0);
    for (const args of [
      ["silence", "list", "--tenant", "ten_nobody"],
      ["deliveries", "list", "--tenant", "ten_nobody"],
    ]) {
      const res = await kamiyo(args);
      expect(res.code, args.join(" ")).toBe(2);
      expect(res.stderr).toContain("no tenant ten_nobody");
    }
  });

  it("files this install's DEPLOYMENT_MODE as the default tenant's edition", async () => {
    const list = async (env: Record<string, string>) => {
      const r = await storage.run(["tenant", "list", "--json"], env);
      expect(r.code, r.stderr).toBe(0);
      return JSON.parse(r.stdout).find((t: { id: string }) => t.id === "ten_default").plan;
    };
    expect(await list({ DEPLOYMENT_MODE: "cloud_pro" })).toBe("cloud_pro");
    expect(await list({})).toBe("open_source");
  });

  it("shows a tenant's usage against its plans' quotas", async () => {
    const made = JSON.parse(
      (await kamiyo(["tenant", "create", "Metered", "--plan", "intel_free"])).stdout,
    );
    const tenantId = made.tenant.id as string;
    const db = await storage.open();
    try {
      await recordUsage(
        db,
        [1, 2, 3].map((i) => ({
          tenantId,
          product: "intel" as const,
          meter: "api_calls" as const,
          value: 1,
          eventAt: Date.now(),
          idempotencyKey: `req-${i}`,
        })),
        Date.now(),
      );
    } finally {
      await db.close();
    }
    const json = await kamiyo(["usage", "--tenant", tenantId, "--json"]);
    expect(json.code, json.stderr).toBe(0);
    expect(JSON.parse(json.stdout).meters).toContainEqual({
      product: "intel",
      meter: "api_calls",
      period: 3,
      today: 3,
      quota: { limit: 100, per: "day", plan: "intel_free" },
    });
    const text = await kamiyo(["usage", "--tenant", tenantId]);
    expect(text.stdout).toMatch(/^intel +api_calls .* 3 of 100 a day \(intel_free\)$/m);
    const missing = await kamiyo(["usage", "--tenant", "ten_nobody"]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("no tenant ten_nobody");
  });

  it("refuses bad input with one line naming it, exit 2", async () => {
    for (const [args, message] of [
      [["tenant", "create", "x", "--plan", "gold"], 'unknown plan "gold"'],
      [["tenant", "create", "  "], "a tenant name is 1 to 100 characters"],
      [["api-key", "create", "--role", "root"], "expected a role: viewer, member, admin, owner"],
      [["api-key", "create", "--scopes", "read,everything"], "got everything"],
      [["api-key", "create", "--tenant", "ten_nobody"], "no tenant ten_nobody"],
      [["api-key", "revoke", "nope"], '"nope" is not an API key id'],
    ] as const) {
      const res = await kamiyo([...args]);
      expect(res.code, args.join(" ")).toBe(2);
      expect(res.stderr, args.join(" ")).toContain(message);
    }
  });
});
