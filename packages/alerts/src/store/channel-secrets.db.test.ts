import { randomBytes } from "node:crypto";
import { SecretBox } from "@kamiyo/core";
import type { Db } from "@kamiyo/db";
import { createTestDb } from "@kamiyo/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { newId } from "../ids.ts";
import { channelsInForce } from "../routing/channels-in-force.ts";
import type { Alert } from "../types.ts";
import {
  type Channel,
  getChannel,
  newChannel,
  saveChannel,
  sealStoredChannelSecrets,
  syncConfiguredChannels,
} from "./channels.ts";
import { claimDue, insertAlert } from "./outbox.ts";

const T0 = Date.UTC(2026, 11, 7, 12);
const TENANT = "ten_sealed";
const SLACK_URL = "https://hooks.slack.com/services/T000/B000/XXXXXXXXXXXXXXXXXXXXXXXX";
const BOT_TOKEN = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw";
const key = (id: string) => ({ id, key: randomBytes(32) });
let db: Db;

const slack = (id: string) =>
  newChannel({
    tenantId: TENANT,
    id,
    kind: "slack",
    name: id,
    origin: "api",
    config: { url: SLACK_URL },
    filter: {},
    nowMs: T0,
  });
const webhook = (id: string, secret: string): Channel => ({
  ...newChannel({
    tenantId: TENANT,
    id,
    kind: "webhook",
    name: id,
    origin: "api",
    config: { url: "https://example.com/hook" },
    filter: {},
    secret,
    nowMs: T0,
  }),
  previousSecret: "whsec_previous",
  previousSecretUntil: T0 + 3_600_000,
});

/** The row as PostgreSQL holds it: what a dump or a stolen backup shows. */
async function stored(id: string) {
  const [row] = await db.query<{ config: Record<string, unknown>; secret: string | null }>(
    "SELECT config, secret, previous_secret FROM alert_channels WHERE tenant_id = $1 AND id = $2",
    [TENANT, id],
  );
  return row as { config: Record<string, unknown>; secret: string | null };
}

beforeAll(async () => {
  db = await createTestDb();
  await db.query("INSERT INTO tenants (id, name) VALUES ($1, $1)", [TENANT]);
});
afterAll(async () => db?.close());

describe("alert channels' secrets at rest", () => {
  it("stores webhook signing secrets and secret settings sealed, and opens them on reading", async () => {
    const box = new SecretBox([key("k1")]);
    await saveChannel(db, webhook("chn_hook", "whsec_current"), box);
    await saveChannel(db, slack("chn_slack"), box);
    await saveChannel(
      db,
      newChannel({
        tenantId: TENANT,
        id: "chn_bot",
        kind: "telegram",
        name: "bot",
        origin: "api",
        config: { botToken: BOT_TOKEN, chatId: "-100123" },
        filter: {},
        nowMs: T0,
      }),
      box,
    );
    const raw = JSON.stringify([
      await stored("chn_hook"),
      await stored("chn_slack"),
      await stored("chn_bot"),
    ]);
    for (const secret of ["whsec_current", "whsec_previous", SLACK_URL, BOT_TOKEN])
      expect(raw).not.toContain(secret);
    expect((await stored("chn_hook")).secret).toMatch(/^kmysec1:k1:/);
    expect((await stored("chn_bot")).config.chatId).toBe("-100123");

    expect(await getChannel(db, TENANT, "chn_hook", box)).toMatchObject({
      secret: "whsec_current",
      previousSecret: "whsec_previous",
    });
    expect((await getChannel(db, TENANT, "chn_slack", box))?.config).toEqual({ url: SLACK_URL });
    expect((await getChannel(db, TENANT, "chn_bot", box))?.config.botToken).toBe(BOT_TOKEN);
    await expect(getChannel(db, TENANT, "chn_hook", null)).rejects.toThrow(
      "alert channel chn_hook: its secret is sealed and this process has no key ring",
    );
  });

  it("does not open a sealed secret copied into another channel's row", async () => {
    const box = new SecretBox([key("k1")]);
    await saveChannel(db, webhook("chn_a", "whsec_a"), box);
    await saveChannel(db, webhook("chn_b", "whsec_b"), box);
    await db.query(
      "UPDATE alert_channels SET secret = (SELECT secret FROM alert_channels WHERE id = 'chn_a') WHERE id = 'chn_b'",
    );
    await expect(getChannel(db, TENANT, "chn_b", box)).rejects.toThrow(
      "alert channel chn_b: its secret: the sealed secret does not verify",
    );
  });

  it("seals rows stored before the key ring, and again under a new first key, at start", async () => {
    await saveChannel(db, webhook("chn_old", "whsec_old"), null);
    await saveChannel(db, slack("chn_old_slack"), null);
    expect((await stored("chn_old")).secret).toBe("whsec_old");
    const k1 = key("k1");
    const first = new SecretBox([k1]);
    // The channels of the tests before name a key "k1" too: current, so not opened.
    expect(await sealStoredChannelSecrets(db, first)).toEqual({ sealed: 2, unreadable: [] });
    expect((await stored("chn_old")).secret).toMatch(/^kmysec1:k1:/);
    expect((await stored("chn_old_slack")).config.url).toMatch(/^kmysec1:k1:/);
    expect((await sealStoredChannelSecrets(db, first)).sealed).toBe(0);

    // Rotation: a new key first, the old one kept until nothing is sealed under it.
    const k2 = key("k2");
    const rotated = new SecretBox([k2, k1]);
    const again = await sealStoredChannelSecrets(db, rotated);
    expect(again.sealed).toBe(2);
    // Those, sealed by rings of their own, do not open with this one: named and left alone.
    expect(again.unreadable.map((u) => u.id)).toEqual([
      "chn_a",
      "chn_b",
      "chn_bot",
      "chn_hook",
      "chn_slack",
    ]);
    expect(again.unreadable[0]?.error).toMatch(/^alert channel chn_a: its secret: /);
    expect((await stored("chn_old")).secret).toMatch(/^kmysec1:k2:/);
    const onlyNew = new SecretBox([k2]);
    expect(await getChannel(db, TENANT, "chn_old", onlyNew)).toMatchObject({
      secret: "whsec_old",
      previousSecret: "whsec_previous",
    });
    expect((await getChannel(db, TENANT, "chn_old_slack", onlyNew))?.config.url).toBe(SLACK_URL);
  });

  it("fails the deliveries of a channel whose key left the ring, and only those", async () => {
    const gone = new SecretBox([key("k_gone")]);
    const ring = new SecretBox([key("k_kept")]);
    await saveChannel(db, webhook("chn_lost", "whsec_lost"), gone);
    await saveChannel(db, webhook("chn_fine", "whsec_fine"), ring);
    const alert: Alert = {
      id: newId("alr", T0),
      tenantId: TENANT,
      type: "webhook.test",
      severity: "info",
      title: "test",
      createdAt: T0,
      findings: [],
    };
    await insertAlert(db, alert, null, ["chn_lost", "chn_fine"], T0);
    const claimed = await claimDue(db, "worker", T0 + 1_000, 60_000, 100, ring);
    const byChannel = new Map(claimed.map((d) => [d.channel.id, d]));
    expect(byChannel.get("chn_fine")).toMatchObject({ channel: { secret: "whsec_fine" } });
    expect(byChannel.get("chn_fine")?.unreadable).toBeUndefined();
    expect(byChannel.get("chn_lost")?.unreadable).toMatch(
      /^alert channel chn_lost: its secret: sealed with key "k_gone", which is not among KAMIYO_SECRET_KEYS/,
    );
    // Routing, in the transaction that stores findings, lists it still (sealed) and never throws.
    const routed = await channelsInForce(db, TENANT, ring);
    expect(routed.find((c) => c.id === "chn_lost")?.secret).toMatch(/^kmysec1:k_gone:/);
    expect(routed.find((c) => c.id === "chn_fine")?.secret).toBe("whsec_fine");
  });

  it("saves an operator-configured channel again from the configuration when its stored secret no longer opens", async () => {
    const tenant = "ten_sealed_config";
    await db.query("INSERT INTO tenants (id, name) VALUES ($1, $1)", [tenant]);
    const configured = { ...webhook("chn_config", "whsec_from_settings"), tenantId: tenant };
    const configuredChannel: Channel = { ...configured, origin: "config" };
    await syncConfiguredChannels(db, tenant, [configuredChannel], new SecretBox([key("k_old")]));
    // The old key left the ring: the process starts, and the channel is sealed with the new one.
    const ring = new SecretBox([key("k_new")]);
    await syncConfiguredChannels(db, tenant, [configuredChannel], ring);
    expect(await getChannel(db, tenant, "chn_config", ring)).toMatchObject({
      secret: "whsec_from_settings",
      enabled: true,
    });
  });
});
