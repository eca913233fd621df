import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ChannelKind } from "../types.ts";
import { emailBody } from "./email.ts";
import { alertOf, ETH_BACKSTOP } from "./fixtures/alerts.ts";
import { type FakeService, fakeService, testContext } from "./fixtures/fake-service.ts";
import { renderThrough, sendThrough } from "./registry.ts";

let service: FakeService;
beforeAll(async () => {
  service = await fakeService({ status: 200, body: '{"ok":true}' });
});
afterAll(() => service.close());

describe("renderThrough", () => {
  it("gives exactly the body each HTTP channel posts, sending nothing itself", async () => {
    const alert = alertOf("finding.opened", [ETH_BACKSTOP]);
    const channels: [ChannelKind, Record<string, unknown>][] = [
      ["discord", { url: `${service.origin}/discord`, username: "Kamiyo" }],
      ["slack", { url: `${service.origin}/slack` }],
      [
        "telegram",
        { botToken: "123456:ABCDEFGHIJKLMNOPQRSTUVWX", chatId: -100123, apiBase: service.origin },
      ],
      ["webhook", { url: `${service.origin}/hook` }],
    ];
    const rendered = channels.map(([kind, settings]) => renderThrough(kind, settings, alert));
    expect(service.received).toHaveLength(0);
    for (const [kind, settings] of channels) {
      const ctx = testContext({ secrets: ["whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"] });
      expect((await sendThrough(kind, settings, alert, ctx)).ok).toBe(true);
    }
    expect(service.received.map((r) => JSON.parse(r.body))).toEqual(rendered);
    expect(rendered[0]).toMatchObject({ username: "Kamiyo" });
  });

  it("gives an email's sender, recipients, subject and bodies; refuses settings that do not validate", () => {
    const alert = alertOf("finding.opened", [ETH_BACKSTOP]);
    const settings = {
      host: "smtp.example.com",
      from: "alerts@example.com",
      to: ["a@example.com"],
    };
    const body = renderThrough("email", settings, alert);
    expect(body).toMatchObject({ from: "alerts@example.com", to: ["a@example.com"] });
    expect((body as { subject: string }).subject).toContain("[Kamiyo]");
    expect(body).toEqual(
      emailBody(alert, {
        ...settings,
        port: 587,
        requireTls: true,
        tlsRejectUnauthorized: true,
        subjectPrefix: "[Kamiyo]",
      }),
    );
    expect(() => renderThrough("webhook", { url: "not a url" }, alert)).toThrow(
      /invalid webhook channel settings: url/,
    );
  });
});
