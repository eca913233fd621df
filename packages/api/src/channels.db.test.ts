import { getChannel } from "@kamiyo/alerts";
import { testDbKind } from "@kamiyo/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { apiHarness, type Harness } from "./testing/api-harness.ts";

const DISCORD =
  "https://discord.com/api/webhooks/1234567890123/AbCdEfGhIjKlMnOpQrStUvWxYz0123456789_-ab";
const SLACK = "https://hooks.slack.com/services/T0123ABCD/B0456EFGH/abcdEFGHijklMNOPqrstUVWX";
const BOT = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw";

let h: Harness;
beforeAll(async () => {
  h = await apiHarness({
    seeded: false,
    config: { maxWebhooks: 3, webhookMutationsPerMinute: 1_000 },
  });
});
afterAll(async () => h?.close());

const call = (method: string, url: string, payload?: object) =>
  h.app.inject({ method: method as "GET", url, ...(payload ? { payload } : {}) });

describe(`a tenant's chat channels (${testDbKind})`, () => {
  it("subscribes Discord, Slack and Telegram, showing where they post without their secrets", async () => {
    const made = [];
    for (const settings of [
      { kind: "discord", url: DISCORD, username: "Kamiyo" },
      { kind: "slack", url: SLACK },
      {
        kind: "telegram",
        botToken: BOT,
        chatId: "-1001234567890",
        disableNotificationBelow: "high",
      },
    ]) {
      const res = await call("POST", "/channels", {
        settings,
        filter: { minSeverity: "high", detectors: ["oracle"] },
      });
      expect(res.statusCode, res.body).toBe(201);
      h.expectValid("POST", "/channels", 201, res.json());
      made.push(res.json());
      // Lists are oldest first; channels made within one millisecond have no order between them.
      h.clock.advanceTo(h.clock.now() + 1_000);
    }
    expect(made.map((c) => c.target)).toEqual([
      "discord.com/api/webhooks/1234567890123/…",
      "hooks.slack.com/services/T0123ABCD/B0456EFGH/…",
      "telegram chat -1001234567890 (bot 123456789)",
    ]);
    const listed = await call("GET", "/channels");
    expect(listed.json().data.map((c: { kind: string }) => c.kind)).toEqual([
      "discord",
      "slack",
      "telegram",
    ]);
    for (const secret of ["AbCdEfGhIjKlMnOpQrStUvWxYz", "abcdEFGHijklMNOP", "AAHdqTcvCH1vGWJx"])
      expect(listed.body).not.toContain(secret);
    // Stored, they route like the operator's channels: the router reads them from alert_channels,
    // their secret settings sealed with the key ring (no secret of any in the table).
    const rows = await h.db.query<{ kind: string; config: { url?: string } }>(
      "SELECT kind, config FROM alert_channels ORDER BY created_at, id",
    );
    for (const secret of ["AbCdEfGhIjKlMnOpQrStUvWxYz", "abcdEFGHijklMNOP", "AAHdqTcvCH1vGWJx"])
      expect(JSON.stringify(rows)).not.toContain(secret);
    const stored = await getChannel(h.db, "ten_default", made[0].id, h.deps.secrets ?? null);
    expect(stored).toMatchObject({ kind: "discord", config: { url: DISCORD, username: "Kamiyo" } });

    expect(
      (await call("POST", "/channels", { settings: { kind: "slack", url: SLACK } })).statusCode,
    ).toBe(409);
    const test = await call("POST", `/channels/${made[2].id}/test`);
    expect(test.statusCode).toBe(202);
    const off = await call("PATCH", `/channels/${made[2].id}`, { enabled: false });
    expect(off.json()).toMatchObject({
      enabled: false,
      disabledReason: "disabled through the API",
    });
    expect((await call("POST", `/channels/${made[2].id}/test`)).statusCode).toBe(409);
    expect((await call("DELETE", `/channels/${made[1].id}`)).statusCode).toBe(204);
    expect((await call("GET", `/channels/${made[1].id}`)).statusCode).toBe(404);
  });

  it("refuses addresses that are not the vendor's, and settings it does not take, naming them", async () => {
    for (const [settings, named] of [
      [
        {
          kind: "discord",
          url: "https://evil.example.com/api/webhooks/1/abcdefghijklmnopqrstuvwxyz",
        },
        "settings.url",
      ],
      [
        { kind: "discord", url: "http://discord.com/api/webhooks/1/abcdefghijklmnopqrstuvwxyz" },
        "settings.url",
      ],
      [
        { kind: "slack", url: "https://hooks.slack.com.evil.example/services/T0/B0/x" },
        "settings.url",
      ],
      [{ kind: "telegram", botToken: BOT, chatId: 1, apiBase: "http://127.0.0.1:9" }, "settings"],
      [{ kind: "telegram", botToken: "nope", chatId: 1 }, "settings.botToken"],
      [{ kind: "email", to: "a@example.com" }, "settings.kind"],
    ] as const) {
      const res = await call("POST", "/channels", { settings });
      expect(res.statusCode, JSON.stringify(settings)).toBe(400);
      expect(res.json().error.message, JSON.stringify(settings)).toContain(`body "${named}`);
    }
  });

  it("keeps webhooks and chat channels apart", async () => {
    const hook = await call("POST", "/webhooks", { url: "https://hooks.example.com/x" });
    expect((await call("GET", `/channels/${hook.json().id}`)).statusCode).toBe(404);
    expect((await call("GET", `/channels/${hook.json().id}/deliveries`)).statusCode).toBe(404);
  });

  it("shows a channel's delivery log: a test message pending, then its attempt", async () => {
    const [telegram] = (await call("GET", "/channels"))
      .json()
      .data.filter((c: { kind: string }) => c.kind === "telegram");
    await call("PATCH", `/channels/${telegram.id}`, { enabled: true });
    const sent = (await call("POST", `/channels/${telegram.id}/test`)).json();
    const log = await h.get(`/channels/${telegram.id}/deliveries`, "/channels/{id}/deliveries");
    const entry = log.data.find((d: { id: string }) => d.id === sent.deliveryId);
    expect(entry).toMatchObject({
      status: "pending",
      alert: { type: "webhook.test", title: `Test delivery to ${telegram.name}` },
      attempts: [],
    });
    await h.db.query(
      `INSERT INTO delivery_attempts (tenant_id, delivery_id, attempt, started_at, latency_ms, ok,
         status_code, error, excerpt) VALUES ('ten_default', $1, 1, now(), 80, false, 401, 'HTTP 401', '')`,
      [sent.deliveryId],
    );
    await h.db.query(
      "UPDATE deliveries SET status = 'exhausted', attempts = 1, last_error = 'HTTP 401', finished_at = now() WHERE id = $1",
      [sent.deliveryId],
    );
    const after = await h.get(
      `/channels/${telegram.id}/deliveries?status=exhausted`,
      "/channels/{id}/deliveries",
    );
    expect(after.data.map((d: { id: string }) => d.id)).toEqual([sent.deliveryId]);
    expect(after.data[0].attempts).toMatchObject([
      { attempt: 1, ok: false, statusCode: 401, error: "HTTP 401" },
    ]);
    await h.get(
      "/channels/chn_0000000000000000000000000/deliveries",
      "/channels/{id}/deliveries",
      404,
    );
  });
});
