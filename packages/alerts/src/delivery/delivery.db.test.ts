import { type Finding, SystemClock, silentLogger } from "@kamiyo/core";
import { type Db, PostgresDb, upsertFindings } from "@kamiyo/db";
import { createTestDb, testDbKind } from "@kamiyo/testing";
import { Webhook } from "standardwebhooks";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { Alerting, type AlertingOptions } from "../alerting.ts";
import { routingConfig } from "../routing/routing-config.ts";
import { type Channel, getChannel, newChannel, saveChannel } from "../store/channels.ts";
import { replayDelivery } from "../store/outbox.ts";
import { Receiver, until } from "../testing/receiver.ts";
import { generateSecret } from "./signing.ts";

let db: Db;
let receiver: Receiver;
let alerting: Alerting | undefined;
let tenant = "";
let n = 0;
const clock = new SystemClock();

beforeAll(async () => {
  db = await createTestDb();
  receiver = await Receiver.start();
});
afterAll(async () => {
  await receiver.close();
  await db.close();
});
beforeEach(async () => {
  // Findings fan out to every tenant with an enabled channel: earlier tests' tenants stop listening.
  await db.query("UPDATE alert_channels SET enabled = false");
  tenant = `ten_delivery${++n}`;
  await db.query("INSERT INTO tenants (id, name) VALUES ($1, $1)", [tenant]);
  receiver.received.length = 0;
  receiver.respond = () => ({ status: 200, body: "ok" });
});
afterEach(async () => {
  await alerting?.stop();
  alerting = undefined;
});

function start(over: Partial<AlertingOptions["delivery"]> = {}): Alerting {
  alerting = new Alerting(
    { db, clock, log: silentLogger, secrets: null },
    {
      routing: routingConfig.parse({ groupWindowMs: 0 }),
      delivery: {
        batchSize: 50,
        concurrency: 16,
        leaseMs: 5_000,
        pollMs: 50,
        retrySchedule: [200, 400],
        disableAfterMs: 60_000,
        timeoutMs: 2_000,
        allowLoopbackHttp: true,
        ...over,
      },
      flushEveryMs: 1_000,
    },
  );
  alerting.start();
  return alerting;
}

async function webhook(id: string, path: string, secret = generateSecret()): Promise<Channel> {
  const c = newChannel({
    tenantId: tenant,
    id,
    kind: "webhook",
    name: id,
    origin: "config",
    config: { url: `${receiver.url}${path}` },
    filter: {},
    secret,
    nowMs: Date.now(),
  });
  await saveChannel(db, c, null);
  return c;
}

function finding(i: number): Finding {
  const now = Date.now();
  return {
    id: `fnd_0m8k2w3c0${i.toString().padStart(12, "0")}`,
    tenantId: tenant,
    detector: "liquidations",
    kind: "backstop",
    subject: { type: "asset", id: `COIN${i}` },
    key: String(i),
    severity: "critical",
    status: "open",
    title: `COIN${i} position taken over by the HLP liquidator`,
    evidence: { notionalUsd: 1_000_000 + i },
    firstDataAt: now,
    dataAt: now,
    detectedAt: now,
    updatedAt: now,
    resolvedAt: null,
    occurrences: 1,
  };
}

/** Stores findings and routes them in one transaction, then wakes the worker, as the monitor does. */
async function raise(a: Alerting, ...fs: Finding[]): Promise<void> {
  await db.transaction(async (tx) => {
    await upsertFindings(tx, fs);
    await a.afterFindings(tx, fs);
  });
  a.wake();
}

async function deliveries(channelId: string) {
  return db.query<{ id: string; status: string; attempts: number; last_error: string | null }>(
    "SELECT id, status, attempts, last_error FROM deliveries WHERE tenant_id = $1 AND channel_id = $2 ORDER BY created_at, id",
    [tenant, channelId],
  );
}

/** The tenant's usage on the events whose key matches `like`, by meter. */
function usageOf(like: string) {
  return db.query<{ meter: string; value: string }>(
    `SELECT meter, sum(value)::text AS value FROM usage_events
     WHERE tenant_id = $1 AND idempotency_key LIKE $2 GROUP BY meter ORDER BY meter`,
    [tenant, like],
  );
}

describe(`webhook delivery on ${testDbKind}`, () => {
  it("delivers a signed Standard Webhooks request the reference library verifies, and logs the attempt", async () => {
    const a = start();
    const c = await webhook("chn_ok", "/ok");
    await raise(a, finding(1));
    await until(() => receiver.to("/ok").length === 1);
    const [got] = receiver.to("/ok");
    const payload = new Webhook(c.secret as string).verify(got?.body ?? "", {
      "webhook-id": String(got?.headers["webhook-id"]),
      "webhook-timestamp": String(got?.headers["webhook-timestamp"]),
      "webhook-signature": String(got?.headers["webhook-signature"]),
    }) as { type: string; data: { id: string; severity: string } };
    expect(payload).toMatchObject({
      type: "finding.opened",
      data: { id: finding(1).id, severity: "critical" },
    });
    await until(async () => (await deliveries("chn_ok"))[0]?.status === "delivered");
    const [d] = await deliveries("chn_ok");
    expect(got?.headers["webhook-id"]).toBe(d?.id);
    const attempts = await db.query<{ ok: boolean; status_code: number; excerpt: string }>(
      "SELECT ok, status_code, excerpt FROM delivery_attempts WHERE tenant_id = $1",
      [tenant],
    );
    expect(attempts).toEqual([{ ok: true, status_code: 200, excerpt: "ok" }]);
    // Metered in the attempts' transaction: one alert sent, one webhook delivery.
    expect(await usageOf(`%${d?.id}`)).toEqual([
      { meter: "alerts_sent", value: "1" },
      { meter: "webhook_deliveries", value: "1" },
    ]);
  });

  it("retries 5xx and timeouts with the same webhook-id until a 2xx", async () => {
    receiver.respond = (_path, k) =>
      k === 1 ? { status: 503, body: "down" } : k === 2 ? "hang" : { status: 204 };
    const a = start({ timeoutMs: 300 });
    await webhook("chn_flaky", "/flaky");
    await raise(a, finding(2));
    await until(async () => (await deliveries("chn_flaky"))[0]?.status === "delivered");
    const got = receiver.to("/flaky");
    expect(got.length).toBe(3);
    expect(new Set(got.map((g) => g.headers["webhook-id"])).size).toBe(1);
    // The schedule's delays (200 ms, then 400 ms) separate the attempts.
    expect((got[1]?.at ?? 0) - (got[0]?.at ?? 0)).toBeGreaterThanOrEqual(180);
    const errors = await db.query<{ error: string | null }>(
      "SELECT error FROM delivery_attempts WHERE tenant_id = $1 ORDER BY attempt",
      [tenant],
    );
    expect(errors.map((e) => e.error)).toEqual([
      expect.stringContaining("503"),
      expect.stringContaining("no response within 300 ms"),
      null,
    ]);
  });

  it("honours Retry-After on a 429", async () => {
    receiver.respond = (_path, k) =>
      k === 1 ? { status: 429, headers: { "retry-after": "1" } } : { status: 200 };
    const a = start();
    await webhook("chn_busy", "/busy");
    await raise(a, finding(3));
    await until(() => receiver.to("/busy").length === 2, 5_000);
    const [first, second] = receiver.to("/busy");
    expect((second?.at ?? 0) - (first?.at ?? 0)).toBeGreaterThanOrEqual(950);
  });

  it("keeps an exhausted delivery and sends it again on replay", async () => {
    let up = false;
    receiver.respond = () => (up ? { status: 200 } : { status: 500 });
    const a = start();
    await webhook("chn_dead", "/dead");
    await raise(a, finding(4));
    await until(async () => (await deliveries("chn_dead"))[0]?.status === "exhausted");
    expect(receiver.to("/dead").length).toBe(3);
    up = true;
    const [d] = await deliveries("chn_dead");
    expect(await replayDelivery(db, tenant, d?.id ?? "", Date.now())).toBe("pending");
    a.wake();
    await until(async () => (await deliveries("chn_dead"))[0]?.status === "delivered");
    expect((await deliveries("chn_dead"))[0]?.attempts).toBe(4);
    // Three failed attempts counted nothing; the one that arrived counted once.
    expect(await usageOf(`%${d?.id}`)).toEqual([
      { meter: "alerts_sent", value: "1" },
      { meter: "webhook_deliveries", value: "1" },
    ]);
  });

  it("disables an endpoint that answers 410 Gone and tells the other channels", async () => {
    receiver.respond = (path) => (path === "/gone" ? { status: 410 } : { status: 200 });
    const a = start();
    await webhook("chn_gone", "/gone");
    await webhook("chn_ops", "/ops");
    await raise(a, finding(5));
    await until(() => receiver.to("/ops").length === 2);
    expect((await getChannel(db, tenant, "chn_gone", null))?.enabled).toBe(false);
    const notice = JSON.parse(receiver.to("/ops")[1]?.body ?? "{}");
    expect(notice).toMatchObject({
      type: "endpoint.disabled",
      data: { id: "chn_gone", reason: "it answered 410 Gone" },
    });
    expect((await deliveries("chn_gone"))[0]?.status).toBe("exhausted");
    // A disabled endpoint gets nothing more.
    await raise(a, finding(6));
    await until(() => receiver.to("/ops").length === 3);
    expect(receiver.to("/gone").length).toBe(1);
  });

  it("disables an endpoint failing continuously for longer than allowed", async () => {
    receiver.respond = (path) => (path === "/failing" ? { status: 500 } : { status: 200 });
    const a = start({ disableAfterMs: 300, retrySchedule: [200, 200, 200, 200] });
    await webhook("chn_failing", "/failing");
    await webhook("chn_ops2", "/ops2");
    await raise(a, finding(7));
    await until(async () => (await getChannel(db, tenant, "chn_failing", null))?.enabled === false);
    const c = await getChannel(db, tenant, "chn_failing", null);
    expect(c?.disabledReason).toMatch(/^every attempt failed for/);
    await until(() => receiver.to("/ops2").some((r) => r.body.includes("endpoint.disabled")));
  });

  it.skipIf(testDbKind === "pglite")(
    "two workers, each with its own connection pool, share 300 deliveries: all arrive, each webhook-id once, both deliver (PostgreSQL only: on one PGlite connection the claims are serialised anyway)",
    async () => {
      const [row] = await db.query<{ schema: string }>("SELECT current_schema() AS schema");
      const url = process.env.TEST_DATABASE_URL as string;
      const pools = [
        await PostgresDb.open({ url, schema: row?.schema, poolSize: 4 }),
        await PostgresDb.open({ url, schema: row?.schema, poolSize: 4 }),
      ];
      const [a, b] = pools.map(
        (pool) =>
          new Alerting(
            { db: pool, clock, log: silentLogger, secrets: null },
            {
              routing: routingConfig.parse({ groupWindowMs: 0 }),
              delivery: {
                batchSize: 20,
                concurrency: 8,
                leaseMs: 5_000,
                pollMs: 20,
                retrySchedule: [200],
                disableAfterMs: 60_000,
                timeoutMs: 2_000,
                allowLoopbackHttp: true,
              },
              flushEveryMs: 60_000,
            },
          ),
      ) as [Alerting, Alerting];
      await webhook("chn_many", "/many");
      // Every delivery is pending before either worker starts: they race for the same rows.
      await db.transaction(async (tx) => {
        const fs = Array.from({ length: 300 }, (_, i) => finding(100 + i));
        await upsertFindings(tx, fs);
        await a.afterFindings(tx, fs);
      });
      receiver.respond = () => ({ status: 200, body: "ok", delayMs: 2 });
      try {
        a.start();
        b.start();
        await until(async () => {
          const [left] = await db.query<{ n: number }>(
            "SELECT count(*)::int AS n FROM deliveries WHERE tenant_id = $1 AND status <> 'delivered'",
            [tenant],
          );
          return left?.n === 0;
        }, 30_000);
      } finally {
        await a.stop();
        await b.stop();
        for (const pool of pools) await pool.close();
      }
      const stored = await deliveries("chn_many");
      expect(stored).toHaveLength(300);
      expect(stored.filter((d) => d.attempts !== 1)).toEqual([]);
      const ids = receiver.to("/many").map((r) => String(r.headers["webhook-id"]));
      expect(ids).toHaveLength(300);
      expect(new Set(ids)).toEqual(new Set(stored.map((d) => d.id)));
      expect(a.worker.stats.delivered).toBeGreaterThan(0);
      expect(b.worker.stats.delivered).toBeGreaterThan(0);
      expect(a.worker.stats.delivered + b.worker.stats.delivered).toBe(300);
    },
  );
});
