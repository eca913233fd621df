import type { Db } from "@kamiyo/db";
import { createTestDb } from "@kamiyo/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { newId } from "../ids.ts";
import type { Alert } from "../types.ts";
import { newChannel, saveChannel } from "./channels.ts";
import { insertAlert } from "./outbox.ts";
import { channelHealth, outboxBacklog } from "./outbox-stats.ts";

const T0 = Date.UTC(2026, 0, 5, 12);
let db: Db;

async function channel(tenantId: string, id: string, kind: "webhook" | "slack"): Promise<void> {
  const config = kind === "webhook" ? { url: "https://example.com/hook" } : { webhookUrl: "x" };
  await saveChannel(
    db,
    newChannel({ tenantId, id, kind, name: id, origin: "config", config, filter: {}, nowMs: T0 }),
    null,
  );
}

async function alertTo(tenantId: string, channelIds: string[], at: number): Promise<void> {
  const alert: Alert = {
    id: newId("alr", at),
    tenantId,
    type: "webhook.test",
    severity: "info",
    title: "test",
    createdAt: at,
    findings: [],
  };
  await insertAlert(db, alert, null, channelIds, at);
}

describe("the outbox's figures for /metrics", () => {
  beforeAll(async () => {
    db = await createTestDb();
    for (const t of ["ten_a", "ten_b"])
      await db.query("INSERT INTO tenants (id, name) VALUES ($1, $1)", [t]);
    await channel("ten_a", "chn_hook", "webhook");
    await channel("ten_b", "chn_hook", "webhook");
    await channel("ten_b", "chn_slack", "slack");
    await channel("ten_b", "chn_off", "webhook");
    // Two webhook deliveries due 90 s and 30 s before now, one across each tenant.
    await alertTo("ten_a", ["chn_hook"], T0);
    await alertTo("ten_b", ["chn_hook", "chn_off"], T0 + 60_000);
    // A Slack delivery not yet due (a retry waiting).
    await alertTo("ten_b", ["chn_slack"], T0);
    await db.query("UPDATE deliveries SET next_attempt_at = $1 WHERE channel_id = 'chn_slack'", [
      new Date(T0 + 10 * 60_000),
    ]);
    // A delivered one is no backlog; a disabled channel's wait for the channel, not the worker.
    await alertTo("ten_a", ["chn_hook"], T0);
    await db.query(
      `UPDATE deliveries SET status = 'delivered', finished_at = $1
       WHERE id = (SELECT id FROM deliveries WHERE tenant_id = 'ten_a' ORDER BY id DESC LIMIT 1)`,
      [new Date(T0)],
    );
    await db.query(
      "UPDATE alert_channels SET enabled = false WHERE tenant_id = 'ten_b' AND id = 'chn_off'",
    );
    await db.query(
      "UPDATE alert_channels SET failing_since = $1 WHERE tenant_id = 'ten_a' AND id = 'chn_hook'",
      [new Date(T0)],
    );
  });
  afterAll(async () => db?.close());

  it("counts pending deliveries per channel kind and how long the oldest due one waited", async () => {
    expect(await outboxBacklog(db, T0 + 90_000)).toEqual([
      { channel: "slack", pending: 1, overdueS: 0 },
      { channel: "webhook", pending: 2, overdueS: 90 },
    ]);
  });

  it("counts channels per kind by health", async () => {
    expect(await channelHealth(db)).toEqual([
      { channel: "slack", healthy: 1, failing: 0, disabled: 0 },
      { channel: "webhook", healthy: 1, failing: 1, disabled: 1 },
    ]);
  });
});
