import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  alertOf,
  disabledAlert,
  ETH_BACKSTOP,
  EULER,
  exploitAlert,
  finding,
  HLP_LOSS,
  JELLY_DEVIATION,
  JELLY_INHERITED_RESOLVED,
  summaryAlert,
} from "./fixtures/alerts.ts";
import { type FakeService, fakeService, testContext } from "./fixtures/fake-service.ts";
import {
  escapeTelegram,
  sendTelegram,
  TELEGRAM_MAX_TEXT,
  type TelegramConfig,
  telegramConfig,
  telegramMessage,
  telegramText,
} from "./telegram.ts";

const TOKEN = "7012345678:AAHkamiyoTestTokenNotReal_0123456789";

/** What Telegram shows: tags dropped, entities decoded. */
function visible(html: string): string {
  return html
    .replace(/<\/?(b|i|code)>/g, "")
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&amp;/g, "&");
}

/** Throws unless tags nest and close and every `&` starts an entity. */
function assertWellFormed(html: string): void {
  const open: string[] = [];
  for (const m of html.matchAll(/<(\/?)(b|i|code)>/g)) {
    if (m[1] === "") open.push(m[2] ?? "");
    else expect(open.pop()).toBe(m[2]);
  }
  expect(open).toEqual([]);
  const text = html.replace(/<\/?(b|i|code)>/g, "");
  expect(text).not.toMatch(/[<>]/);
  expect(text.replace(/&(amp|lt|gt);/g, "")).not.toContain("&");
}

function config(over: Partial<TelegramConfig> = {}): TelegramConfig {
  return telegramConfig.parse({ botToken: TOKEN, chatId: -1001234567890, ...over });
}

describe("telegramText", () => {
  it("renders a finding in Telegram HTML", () => {
    const alert = alertOf("finding.opened", [JELLY_DEVIATION]);
    const lines = telegramText(alert).split("\n");
    expect(lines.slice(0, 4)).toEqual([
      "🔴 <b>CRITICAL: JELLY mark is 52.31% above Binance for 94 s</b>",
      "New critical finding.",
      "",
      "<b>Subject: </b>asset JELLY",
    ]);
    expect(lines).toContain("<code>deviationPct</code>: 52.3127");
    expect(lines.at(-1)).toBe(`<i>Kamiyo · ${alert.id}</i>`);
  });

  it("shows a title with markup literally", () => {
    const text = telegramText(
      alertOf("finding.opened", [finding({ id: "fnd_x", title: "<b>&</b> JELLY" })]),
    );
    expect(text.split("\n")[0]).toBe("🔴 <b>CRITICAL: &lt;b&gt;&amp;&lt;/b&gt; JELLY</b>");
    expect(escapeTelegram('a"<&>', true)).toBe("a&quot;&lt;&amp;&gt;");
    expect(escapeTelegram('a"')).toBe('a"');
  });

  it("reads grouped, resolved, summary and disabled alerts", () => {
    const grouped = telegramText(alertOf("finding.opened", [ETH_BACKSTOP, HLP_LOSS]));
    expect(grouped).toContain("• CRITICAL · Hyperliquidity Provider (HLP) lost $4.0M in 24 h");
    const resolved = telegramText(alertOf("finding.resolved", [JELLY_INHERITED_RESOLVED]));
    expect(resolved).toMatch(/^✅ <b>Resolved: HLP Liquidator/);
    expect(resolved).toContain("<b>Status: </b>resolved (42 occurrences)");
    expect(telegramText(summaryAlert())).toContain(
      "<b>Held back: </b>17 (2 critical, 11 high, 4 medium)",
    );
    const disabled = telegramText(disabledAlert());
    expect(disabled).toContain("<b>Reason: </b>no successful delivery for 24 h (last: HTTP 503)");
    expect(disabled).not.toContain("secret-token");
  });

  it("renders an exploit incident in Telegram HTML, its names escaped", () => {
    const alert = exploitAlert();
    expect(telegramText(alert).split("\n")).toEqual([
      "🔴 <b>CRITICAL: Euler Finance: $197M lost on Ethereum (Protocol Logic)</b>",
      "New critical exploit incident, reported by 3 sources.",
      "",
      "<b>Protocol: </b>Euler Finance (also Euler)",
      "<b>Date: </b>2023-03-13",
      "<b>Chains: </b>Ethereum",
      "<b>Loss: </b>$197M",
      "<b>Returned: </b>$177M",
      "<b>Classification: </b>Protocol Logic / Donation attack",
      "<b>Sources: </b>3 (defihacklabs-explorer, rekt, slowmist)",
      "<b>Transaction: </b>0xc310a0af…2d6b111d (+1 more)",
      "<b>Incident: </b>exp_20230313_eulerfinance",
      "",
      `<i>Kamiyo · ${alert.id}</i>`,
    ]);
    const evil = telegramText(
      exploitAlert({ ...EULER, protocol: "<b>A&B</b>" }, "exploit.updated"),
    );
    assertWellFormed(evil);
    expect(evil.split("\n")[0]).toBe(
      "🔴 <b>CRITICAL: Updated: &lt;b&gt;A&amp;B&lt;/b&gt;: $197M lost on Ethereum (Protocol Logic)</b>",
    );
    const huge = telegramText(
      exploitAlert({
        ...EULER,
        protocol: "<&>".repeat(1000),
        aliases: Array.from({ length: 300 }, (_, i) => `<alias ${i}>`),
      }),
    );
    assertWellFormed(huge);
    expect(visible(huge).length).toBeLessThanOrEqual(TELEGRAM_MAX_TEXT);
    expect(huge.endsWith("…")).toBe(true);
  });

  it("stays within 4096 visible characters, cutting neither an entity nor a tag", () => {
    const evidence = Object.fromEntries(
      Array.from({ length: 50 }, (_, i) => [`k${i}`, "<&>".repeat(100)]),
    );
    const cases = [
      finding({ id: "fnd_a", title: `JELLY ${"&".repeat(5000)}`, evidence }),
      finding({ id: "fnd_b", title: `JELLY ${"<&>".repeat(30)}`, evidence }),
      finding({ id: "fnd_c", title: "🚨".repeat(4000) }),
    ];
    for (const f of cases) {
      for (const alert of [
        alertOf("finding.opened", [f]),
        alertOf("finding.opened", Array(60).fill(f)),
      ]) {
        const html = telegramText(alert);
        assertWellFormed(html);
        expect(visible(html).length).toBeLessThanOrEqual(TELEGRAM_MAX_TEXT);
        expect(visible(html).length).toBeGreaterThan(TELEGRAM_MAX_TEXT - 200);
        expect(html.endsWith("…")).toBe(true);
        expect(visible(html)).not.toMatch(/[\ud800-\udbff]…$/);
      }
    }
  });
});

describe("telegramMessage", () => {
  it("builds sendMessage's body, silent below the configured severity", () => {
    const alert = alertOf("finding.opened", [HLP_LOSS]);
    expect(telegramMessage(alert, config())).toEqual({
      chat_id: -1001234567890,
      text: telegramText(alert),
      parse_mode: "HTML",
      link_preview_options: { is_disabled: true },
      disable_notification: false,
    });
    const medium = alertOf("finding.opened", [{ ...HLP_LOSS, severity: "medium" }], {
      severity: "medium",
    });
    expect(
      telegramMessage(medium, config({ disableNotificationBelow: "high" })).disable_notification,
    ).toBe(true);
    expect(
      telegramMessage(alert, config({ disableNotificationBelow: "high" })).disable_notification,
    ).toBe(false);
  });

  it("validates its config", () => {
    expect(config().apiBase).toBe("https://api.telegram.org");
    expect(telegramConfig.safeParse({ botToken: "123:short", chatId: 1 }).success).toBe(false);
    expect(telegramConfig.safeParse({ botToken: `${TOKEN}/../x`, chatId: 1 }).success).toBe(false);
    expect(telegramConfig.safeParse({ botToken: TOKEN, chatId: "@kamiyo_alerts" }).success).toBe(
      true,
    );
    expect(telegramConfig.safeParse({ botToken: TOKEN, chatId: "x y" }).success).toBe(false);
  });
});

describe("sendTelegram (real HTTP)", () => {
  let svc: FakeService;
  const ctx = testContext();
  const alert = alertOf("finding.opened", [JELLY_DEVIATION]);
  const json = (status: number, body: unknown) => ({
    status,
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });

  beforeAll(async () => {
    svc = await fakeService(json(200, { ok: true, result: { message_id: 1 } }));
  });
  afterAll(async () => {
    await svc.close();
    await ctx.http.close();
  });

  it("calls sendMessage with the token in the path", async () => {
    svc.reply(json(200, { ok: true, result: { message_id: 1, chat: { id: -1001234567890 } } }));
    const out = await sendTelegram(alert, config({ apiBase: `${svc.origin}/` }), ctx);
    expect(out).toMatchObject({ ok: true, status: 200 });
    const req = svc.received.at(-1);
    expect(req?.url).toBe(`/bot${TOKEN}/sendMessage`);
    expect(JSON.parse(req?.body ?? "")).toEqual(telegramMessage(alert, config()));
  });

  it("waits out a flood answer's retry_after", async () => {
    svc.reply(
      json(429, {
        ok: false,
        error_code: 429,
        description: "Too Many Requests: retry after 3",
        parameters: { retry_after: 3 },
      }),
    );
    const out = await sendTelegram(alert, config({ apiBase: svc.origin }), ctx);
    expect(out).toMatchObject({ ok: false, retry: true, status: 429, retryAfterMs: 3000 });
    expect(out.ok || out.error).toBe("HTTP 429: Too Many Requests: retry after 3");
  });

  it("does not retry a blocked bot or an unknown chat, and never shows the token", async () => {
    for (const [status, description] of [
      [403, "Forbidden: bot was blocked by the user"],
      [400, "Bad Request: chat not found"],
    ] as const) {
      svc.reply(json(status, { ok: false, error_code: status, description }));
      const out = await sendTelegram(alert, config({ apiBase: svc.origin }), ctx);
      expect(out).toMatchObject({ ok: false, retry: false, gone: false, status });
      expect(out.ok || out.error).toBe(`HTTP ${status}: ${description}`);
      expect(JSON.stringify(out)).not.toContain(TOKEN);
    }
  });

  it("scrubs the token from an answer that echoes the URL", async () => {
    svc.reply(
      json(404, { ok: false, error_code: 404, description: `Not Found: /bot${TOKEN}/sendMessage` }),
    );
    const out = await sendTelegram(alert, config({ apiBase: svc.origin }), ctx);
    expect(out).toMatchObject({ ok: false, retry: false, status: 404 });
    expect(out.ok || out.error).toBe("HTTP 404: Not Found: /bot<redacted>/sendMessage");
    expect(out.excerpt).toContain("/bot<redacted>/sendMessage");
    expect(JSON.stringify(out)).not.toContain(TOKEN.split(":")[1]);
  });

  it("retries when the API is unreachable, without the token in the error", async () => {
    const closed = await fakeService({ status: 200 });
    await closed.close();
    const out = await sendTelegram(alert, config({ apiBase: closed.origin }), ctx);
    expect(out).toMatchObject({ ok: false, retry: true, status: null });
    expect(JSON.stringify(out)).not.toContain(TOKEN.split(":")[1]);
  });
});
