import { mkdtempSync, readFileSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { createLogger } from "@kamiyo/core";
import { type Db, tenantDb } from "@kamiyo/db";
import type { CliIo } from "@kamiyo/platform";
import { findKeyGrant } from "@kamiyo/tenancy";
import { createTestDb, testDbKind, unclosable } from "@kamiyo/testing";
import { jetstreamManager } from "@nats-io/jetstream";
import { connect, credsAuthenticator } from "@nats-io/transport-node";
import { Command } from "commander";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { rcaMigrations } from "../module.ts";
import { rcaSettings } from "../settings.ts";
import { recordAgentReport } from "../store/agents.ts";
import { applyWatchBatch } from "../store/write-graph.ts";
import { streamOf } from "../streams/jetstream-bus.ts";
import { startNatsServer } from "../streams/nats-server.testing.ts";
import { clusterWatch } from "../testing/k8s-fixtures.ts";
import { rcaCli } from "./rca-commands.ts";

let db: Db;
let nats: { url: string; stop: () => Promise<void> };
const dir = mkdtempSync(join(tmpdir(), "kamiyo-onboard-"));
const trust = join(dir, "trust");

/** Runs `kamiyo rca …args` in-process on the test database; returns what it printed. */
async function run(env: Record<string, string>, ...args: string[]): Promise<string> {
  let out = "";
  const io = { out: (t: string) => (out += t), err: () => {} } as unknown as CliIo;
  const program = new Command("kamiyo").exitOverride();
  rcaCli(program, {
    io,
    logger: () => createLogger("silent", {}),
    openDb: async () => unclosable(db),
    openTemporaryDb: () => Promise.reject(new Error("not in these tests")),
    settings: () => rcaSettings.parse(env),
  });
  await program.parseAsync(["rca", ...args], { from: "user" });
  return out;
}

beforeAll(async () => {
  db = await createTestDb({ modules: [rcaMigrations] });
  await run({}, "nats-trust", "--out", trust);
  nats = await startNatsServer(readFileSync(join(trust, "nats-trust.conf"), "utf8"));
});
afterAll(async () => {
  await nats?.stop();
  await db?.close();
});

describe(`kamiyo rca onboard and offboard (${testDbKind})`, () => {
  it("onboards a client: tenant, keys, NATS credentials and stream, and an install package; offboards it after an export", async () => {
    const out = join(dir, "acme");
    const printed = await run(
      {},
      "onboard",
      "acme",
      "--plan",
      "rca_basic",
      "--endpoint",
      "https://api.kamiyo.example",
      "--out",
      out,
      "--nats",
      nats.url,
      "--nats-trust",
      trust,
    );
    const tenantId = /^tenant (ten_\w+) \(acme\) on rca_basic$/m.exec(printed)?.[1] as string;
    expect(tenantId).toBeDefined();
    const ownerKey = /shown once.*: (kmy_live_\S+)$/m.exec(printed)?.[1] as string;
    expect((await findKeyGrant(db, ownerKey))?.role).toBe("owner");

    // The package: values without secrets, the agents' key able to send only, creds owner-only.
    const values = parse(readFileSync(join(out, "values.yaml"), "utf8"));
    expect(values).toMatchObject({
      tenant: tenantId,
      endpoint: "https://api.kamiyo.example",
      stateWatcher: { nats: { url: nats.url } },
      networkPolicy: { egressHosts: ["api.kamiyo.example", "127.0.0.1"] },
    });
    const agentKey = readFileSync(join(out, "secrets", "api-key"), "utf8");
    expect(readFileSync(join(out, "values.yaml"), "utf8")).not.toContain(agentKey);
    expect(await findKeyGrant(db, agentKey)).toMatchObject({ tenantId, scopes: ["ingest:write"] });
    expect(statSync(join(out, "secrets", "api-key")).mode & 0o777).toBe(0o600);
    expect(statSync(join(out, "install.sh")).mode & 0o777).toBe(0o755);
    expect(readFileSync(join(out, "install.sh"), "utf8")).toContain("helm upgrade --install");
    expect(readFileSync(join(out, "README.md"), "utf8")).toContain(
      "https://api.kamiyo.example/rca/ingest/prometheus/write",
    );

    // The tenant's credentials reach its own stream, which onboarding made.
    const creds = readFileSync(join(out, "secrets", "tenant.creds"));
    const nc = await connect({ servers: nats.url, authenticator: credsAuthenticator(creds) });
    await nc.close();
    const platform = await connect({
      servers: nats.url,
      authenticator: credsAuthenticator(readFileSync(join(trust, "platform.creds"))),
    });
    const jsm = await jetstreamManager(platform);
    expect((await jsm.streams.info(streamOf(tenantId))).config.subjects).toEqual([`${tenantId}.>`]);

    // Its graph, then offboarding: export first, then the stream, graph and agent key go.
    await applyWatchBatch(tenantDb(db, tenantId), clusterWatch(), new Date());
    await recordAgentReport(
      tenantDb(db, tenantId),
      { agent: "state-watcher", version: "0.1.0", startedAt: new Date(), health: {} },
      new Date(),
    );
    const exported = join(dir, "acme-export.ndjson.gz");
    const done = await run(
      { natsUrl: nats.url, natsCredsFile: join(trust, "platform.creds") },
      "offboard",
      tenantId,
      "--export",
      exported,
    );
    expect(done).toMatch(/deleted: the graph, the ingest stream; 1 agent key\(s\) revoked/);
    const lines = gunzipSync(readFileSync(exported))
      .toString()
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(lines[0]).toMatchObject({ format: "kamiyo-rca-export", version: 1, tenant: tenantId });
    expect(lines.filter((l) => l.table === "rca_agents").map((l) => l.row.agent)).toEqual([
      "state-watcher",
    ]);
    const resources = lines.filter((l) => l.table === "rca_resources");
    expect(resources.map((l) => l.row.id)).toContain("pod/shop/cart-7d9f8b6c5-x2k4p");
    expect(resources[0].row.tenant_id).toBeUndefined();
    for (const table of ["rca_resources", "rca_relations", "rca_pod_labels", "rca_agents"])
      expect(await tenantDb(db, tenantId).query(`SELECT 1 FROM ${table}`)).toEqual([]);
    expect(await findKeyGrant(db, agentKey)).toMatchObject({ revokedAt: expect.any(Number) });
    expect((await findKeyGrant(db, ownerKey))?.revokedAt ?? null).toBeNull();
    await expect(jsm.streams.info(streamOf(tenantId))).rejects.toThrow(/stream not found/);
    const [sub] = await db.query<{ status: string }>(
      "SELECT status FROM subscriptions WHERE tenant_id = $1 AND product = 'rca'",
      [tenantId],
    );
    expect(sub?.status).toBe("canceled");
    await platform.close();
    // Never over an export, never a second package in the same folder.
    await expect(run({}, "offboard", tenantId, "--export", exported)).rejects.toThrow(
      /already exists/,
    );
    await expect(
      run(
        {},
        "onboard",
        "again",
        "--plan",
        "rca_free",
        "--endpoint",
        "https://x.example",
        "--out",
        out,
      ),
    ).rejects.toThrow(/already holds an install package/);
  });

  it("refuses a plan of another product and a half-given NATS", async () => {
    const out = join(dir, "other");
    await expect(
      run(
        {},
        "onboard",
        "x",
        "--plan",
        "intel_pro",
        "--endpoint",
        "https://x.example",
        "--out",
        out,
      ),
    ).rejects.toThrow(
      "--plan intel_pro is not an RCA plan (it is intel's); onboard RCA clients on an rca_… plan",
    );
    await expect(
      run(
        {},
        "onboard",
        "x",
        "--plan",
        "rca_free",
        "--endpoint",
        "https://x.example",
        "--out",
        out,
        "--nats",
        nats.url,
      ),
    ).rejects.toThrow(/--nats and --nats-trust go together/);
    await expect(
      run({}, "onboard", "x", "--plan", "rca_free", "--endpoint", "not a url", "--out", out),
    ).rejects.toThrow("--endpoint: not a URL: not a url");
  });
});
