import type { Finding } from "@kamiyo/core";
import { silentLogger, VirtualClock } from "@kamiyo/core";
import { type Db, DEFAULT_TENANT_ID, upsertFindings } from "@kamiyo/db";
import { createTestDb, testDbKind } from "@kamiyo/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Alerting } from "./alerting.ts";
import { routingConfig } from "./routing/routing-config.ts";
import { newChannel, saveChannel } from "./store/channels.ts";

const T0 = Date.UTC(2025, 2, 26, 14, 0);
const MIN = 60_000;
let db: Db;

beforeAll(async () => {
  db = await createTestDb();
  for (const t of ["ten_fan_listens", "ten_fan_silent"])
    await db.query("INSERT INTO tenants (id, name) VALUES ($1, $1)", [t]);
  await saveChannel(
    db,
    newChannel({
      tenantId: "ten_fan_listens",
      id: "chn_fan",
      kind: "webhook",
      name: "fan",
      origin: "api",
      config: { url: "https://hooks.example.com/fan" },
      filter: { detectors: ["oracle"] },
      nowMs: T0 - MIN,
    }),
    null,
  );
});
afterAll(async () => db?.close());

/** A finding of the monitor: public data, stored under the install's own tenant. */
function finding(id: string, kind: string, at: number): Finding {
  return {
    id,
    tenantId: DEFAULT_TENANT_ID,
    detector: "oracle",
    kind,
    subject: { type: "asset", id: "JELLY" },
    key: "",
    severity: "medium",
    status: "open",
    title: `JELLY ${kind}`,
    evidence: {},
    firstDataAt: at - 30_000,
    dataAt: at,
    detectedAt: at,
    updatedAt: at,
    resolvedAt: null,
    occurrences: 1,
  };
}

describe(`monitor findings reach every tenant's channels (${testDbKind})`, () => {
  it("routes a finding to a tenant with a matching channel, groups the next, and sends the group with the finding found under its own tenant", async () => {
    const clock = new VirtualClock(T0);
    const alerting = new Alerting(
      { db, clock, log: silentLogger, secrets: null },
      {
        routing: routingConfig.parse({ groupWindowMs: 5 * MIN }),
        delivery: {
          batchSize: 10,
          concurrency: 1,
          leaseMs: 5_000,
          pollMs: 1_000,
          retrySchedule: [1_000],
          disableAfterMs: 60_000,
          timeoutMs: 1_000,
          allowLoopbackHttp: false,
        },
        flushEveryMs: null,
      },
    );
    const first = finding("fnd_fan0000000000000000001", "deviation", T0);
    await db.transaction(async (tx) => {
      await upsertFindings(tx, [first]);
      await alerting.afterFindings(tx, [first]);
    });
    clock.advanceTo(T0 + MIN);
    const second = finding("fnd_fan0000000000000000002", "spread", T0 + MIN);
    await db.transaction(async (tx) => {
      await upsertFindings(tx, [second]);
      await alerting.afterFindings(tx, [second]);
    });
    await db.transaction((tx) => alerting.router.flushDue(tx, T0 + 7 * MIN));

    const alerts = await db.query<{ tenant_id: string; findings: { id: string }[] }>(
      "SELECT tenant_id, body->'findings' AS findings FROM alerts ORDER BY created_at",
    );
    const listened = alerts.filter((r) => r.tenant_id === "ten_fan_listens");
    expect(listened.map((r) => r.findings.map((f) => f.id))).toEqual([[first.id], [second.id]]);
    expect(alerts.filter((r) => r.tenant_id === "ten_fan_silent")).toEqual([]);
    const deliveries = await db.query<{ tenant_id: string; n: number }>(
      "SELECT tenant_id, count(*)::int AS n FROM deliveries GROUP BY tenant_id",
    );
    expect(deliveries).toEqual([{ tenant_id: "ten_fan_listens", n: 2 }]);
  });
});
