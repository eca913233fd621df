import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type DiscordEmbed, discordConfig, discordMessage, sendDiscord } from "./discord.ts";
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

function embedOf(alert: Parameters<typeof discordMessage>[0]): DiscordEmbed {
  return discordMessage(alert).embeds[0];
}

function embedTotal(e: DiscordEmbed): number {
  const fields = e.fields.reduce((n, f) => n + f.name.length + f.value.length, 0);
  return e.title.length + (e.description ?? "").length + e.footer.text.length + fields;
}

describe("discordMessage", () => {
  it("renders a critical finding as a red embed with its facts and evidence", () => {
    const alert = alertOf("finding.opened", [JELLY_DEVIATION]);
    const msg = discordMessage(alert);
    const e = msg.embeds[0];
    expect(msg.allowed_mentions).toEqual({ parse: [] });
    expect(msg.content).toBe("CRITICAL: JELLY mark is 52.31% above Binance for 94 s");
    expect(e.title).toBe("CRITICAL: JELLY mark is 52.31% above Binance for 94 s");
    expect(e.color).toBe(0xe74c3c);
    expect(e.footer.text).toBe(`Kamiyo · ${alert.id}`);
    expect(e.timestamp).toBe(new Date(alert.createdAt).toISOString());
    const fields = Object.fromEntries(e.fields.map((f) => [f.name, f.value]));
    expect(fields).toMatchObject({
      Subject: "asset JELLY",
      Detector: "oracle / deviation",
      Severity: "critical",
      Status: "open (10 occurrences)",
      "First data": "2025-03-26 14:47:10 UTC",
      "Last data": "2025-03-26 14:48:44 UTC",
      deviationPct: "52.3127",
      pair: "mark/binance",
      sustainedMs: "94 s",
      coinbaseUsdPx: "—",
      hyperp: "no",
    });
  });

  it("colours by severity", () => {
    const colors = (["critical", "high", "medium", "low", "info"] as const).map(
      (severity) =>
        embedOf(alertOf("finding.opened", [{ ...JELLY_DEVIATION, severity }], { severity })).color,
    );
    expect(colors).toEqual([0xe74c3c, 0xe67e22, 0xf1c40f, 0x3498db, 0x95a5a6]);
  });

  it("reads a resolved finding as resolved, in green", () => {
    const e = embedOf(alertOf("finding.resolved", [JELLY_INHERITED_RESOLVED]));
    expect(e.color).toBe(0x2ecc71);
    expect(e.title).toMatch(/^Resolved: HLP Liquidator holds 398,000,000 JELLY short/);
    expect(e.description).toBe("Resolved: the condition no longer holds.");
    expect(e.fields.find((f) => f.name === "Status")?.value).toBe("resolved (42 occurrences)");
  });

  it("lists the findings of a grouped alert compactly", () => {
    const e = embedOf(alertOf("finding.opened", [ETH_BACKSTOP, HLP_LOSS]));
    expect(e.description).toBe(
      [
        "2 new findings, the worst critical.",
        "• CRITICAL · HLP liquidator absorbed $306.8M of ETH long positions (1 backstop liquidation)",
        "• CRITICAL · Hyperliquidity Provider (HLP) lost $4.0M in 24 h",
      ].join("\n"),
    );
    expect(e.fields.map((f) => [f.name, f.value])).toEqual([
      ["Severity", "critical"],
      ["Findings", "2"],
      ["First data", "2025-03-12 00:04:31 UTC"],
      ["Last data", "2025-03-12 01:04:31 UTC"],
    ]);
  });

  it("says how many alerts a summary held back, by severity, and why", () => {
    const e = embedOf(summaryAlert());
    expect(e.description).toBe(
      "17 alerts held back by the daily alert cap between 2025-03-26 00:00:00 UTC and 2025-03-27 00:00:00 UTC: 2 critical, 11 high, 4 medium.",
    );
    const storm = summaryAlert();
    if (storm.summary)
      storm.summary = { ...storm.summary, reason: "storm", suppressed: { low: 3 } };
    expect(embedOf(storm).description).toMatch(
      /^3 alerts held back by storm protection .*: 3 low\.$/,
    );
  });

  it("says which channel was disabled and why, without the path of its URL", () => {
    const e = embedOf(disabledAlert());
    expect(e.title).toBe("Channel disabled: Channel ops-webhook disabled");
    expect(e.description).toContain('Channel "ops-webhook" (https://hooks.example.com/…)');
    expect(e.description).toContain("no successful delivery for 24 h");
    expect(JSON.stringify(e)).not.toContain("secret-token");
  });

  it("escapes markdown and neutralises mentions and masked links", () => {
    const title = "@everyone **JELLY** [claim](https://evil.example) <@123>";
    const msg = discordMessage(alertOf("finding.opened", [finding({ id: "fnd_x", title })]));
    expect(msg.allowed_mentions.parse).toEqual([]);
    expect(msg.content).toBe(
      "CRITICAL: @everyone \\*\\*JELLY\\*\\* \\[claim\\](https://evil.example) \\<@123\\>",
    );
  });

  it("keeps within Discord's limits: a huge title, huge evidence, many findings", () => {
    const evidence = Object.fromEntries(
      Array.from({ length: 40 }, (_, i) => [`key${i}${"k".repeat(300)}`, "v".repeat(5000)]),
    );
    const huge = finding({ id: "fnd_huge", title: `JELLY ${"🚨".repeat(3000)}`, evidence });
    const grouped = Array.from({ length: 300 }, (_, i) => ({ ...huge, id: `fnd_${i}` }));
    for (const alert of [
      alertOf("finding.opened", [huge]),
      alertOf("finding.escalated", grouped),
    ]) {
      const msg = discordMessage(alert);
      const e = msg.embeds[0];
      expect(e.title.length).toBeLessThanOrEqual(256);
      expect(e.title.endsWith("…")).toBe(true);
      expect(e.title).not.toMatch(/[\ud800-\udbff]…$/);
      expect((e.description ?? "").length).toBeLessThanOrEqual(4096);
      expect(e.fields.length).toBeGreaterThan(0);
      expect(e.fields.length).toBeLessThanOrEqual(25);
      for (const f of e.fields) {
        expect(f.name.length).toBeLessThanOrEqual(256);
        expect(f.value.length).toBeLessThanOrEqual(1024);
        expect(f.value.length).toBeGreaterThan(0);
      }
      expect(embedTotal(e)).toBeLessThanOrEqual(6000);
      expect((msg.content ?? "").length).toBeLessThanOrEqual(2000);
    }
    // The single finding keeps its base facts and as much evidence as fits.
    const single = embedOf(alertOf("finding.opened", [huge]));
    expect(single.fields.slice(0, 6).map((f) => f.name)).toEqual([
      "Subject",
      "Detector",
      "Severity",
      "Status",
      "First data",
      "Last data",
    ]);
    expect(single.fields.length).toBeGreaterThan(6);
  });

  it("renders an exploit incident: protocol, date, chains, loss, returned, class, sources, tx", () => {
    const alert = exploitAlert();
    const msg = discordMessage(alert);
    const e = msg.embeds[0];
    expect(msg.content).toBe("CRITICAL: Euler Finance: $197M lost on Ethereum (Protocol Logic)");
    expect(e.title).toBe(msg.content);
    expect(e.color).toBe(0xe74c3c);
    expect(e.description).toBe("New critical exploit incident, reported by 3 sources.");
    expect(e.fields.map((f) => [f.name, f.value])).toEqual([
      ["Protocol", "Euler Finance (also Euler)"],
      ["Date", "2023-03-13"],
      ["Chains", "Ethereum"],
      ["Loss", "$197M"],
      ["Returned", "$177M"],
      ["Classification", "Protocol Logic / Donation attack"],
      ["Sources", "3 (defihacklabs-explorer, rekt, slowmist)"],
      ["Transaction", "0xc310a0af…2d6b111d (+1 more)"],
      ["Incident", "exp\\_20230313\\_eulerfinance"],
    ]);
    // Text only: no explorer link, no source URL.
    expect(JSON.stringify(e)).not.toMatch(/etherscan|https?:/);
    const updated = embedOf(
      exploitAlert(
        { ...EULER, lossUsd: 5_000_000, original: { amount: 2_000, unit: "ETH" } },
        "exploit.updated",
      ),
    );
    expect(updated.title).toBe(
      "MEDIUM: Updated: Euler Finance: $5M lost on Ethereum (Protocol Logic)",
    );
    expect(updated.color).toBe(0xf1c40f);
    expect(updated.fields.find((f) => f.name === "Loss")?.value).toBe("$5M (2,000 ETH)");
    expect(updated.description).toMatch(
      /^Exploit incident updated .*, now reported by 3 sources\.$/,
    );
  });

  it("escapes an incident's names and keeps a huge incident within the limits", () => {
    const evil = exploitAlert({
      ...EULER,
      protocol: "@everyone **Evil** [claim](https://evil.example) <@123>",
      aliases: Array.from({ length: 500 }, (_, i) => `alias_${i}_${"x".repeat(50)}`),
      chains: Array.from({ length: 200 }, (_, i) => `Chain${i}`),
      technique: "🚨".repeat(3000),
      txHashes: Array.from({ length: 1_000 }, (_, i) => `0x${String(i).padStart(64, "0")}`),
    });
    const msg = discordMessage(evil);
    const e = msg.embeds[0];
    expect(msg.content).toContain(
      "CRITICAL: @everyone \\*\\*Evil\\*\\* \\[claim\\](https://evil.example) \\<@123\\>",
    );
    expect(e.fields.find((f) => f.name === "Transaction")?.value).toBe(
      "0x00000000…00000000 (+999 more)",
    );
    expect(e.title.length).toBeLessThanOrEqual(256);
    expect(e.fields.length).toBeLessThanOrEqual(25);
    for (const f of e.fields) expect(f.value.length).toBeLessThanOrEqual(1024);
    expect(embedTotal(e)).toBeLessThanOrEqual(6000);
  });

  it("validates its config", () => {
    expect(discordConfig.safeParse({ url: "https://discord.com/api/webhooks/1/abc" }).success).toBe(
      true,
    );
    expect(discordConfig.safeParse({ url: "javascript:alert(1)" }).success).toBe(false);
    expect(discordConfig.safeParse({ url: "https://x.test", username: "" }).success).toBe(false);
  });
});

describe("sendDiscord (real HTTP)", () => {
  let svc: FakeService;
  const ctx = testContext();
  const alert = alertOf("finding.opened", [JELLY_DEVIATION]);

  beforeAll(async () => {
    svc = await fakeService({ status: 204 });
  });
  afterAll(async () => {
    await svc.close();
    await ctx.http.close();
  });

  it("posts the embed as JSON and succeeds on 204", async () => {
    svc.reply({ status: 204 });
    const url = `${svc.origin}/api/webhooks/1234/tok`;
    const out = await sendDiscord(alert, { url, username: "Kamiyo" }, ctx);
    expect(out).toMatchObject({ ok: true, status: 204 });
    const req = svc.received.at(-1);
    expect(req?.method).toBe("POST");
    expect(req?.url).toBe("/api/webhooks/1234/tok");
    expect(req?.headers["content-type"]).toMatch(/^application\/json/);
    expect(JSON.parse(req?.body ?? "")).toEqual({ ...discordMessage(alert), username: "Kamiyo" });
  });

  it("takes the delay of a 429 from the body's retry_after (seconds)", async () => {
    svc.reply({
      status: 429,
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        message: "You are being rate limited.",
        retry_after: 1.5,
        global: false,
      }),
    });
    const out = await sendDiscord(alert, { url: `${svc.origin}/api/webhooks/1/t` }, ctx);
    expect(out).toMatchObject({
      ok: false,
      retry: true,
      gone: false,
      status: 429,
      retryAfterMs: 1500,
    });
  });

  it("prefers a Retry-After header when there is one", async () => {
    svc.reply({ status: 429, headers: { "retry-after": "3" }, body: '{"retry_after": 2.5}' });
    const out = await sendDiscord(alert, { url: `${svc.origin}/api/webhooks/1/t` }, ctx);
    expect(out).toMatchObject({ ok: false, retry: true, retryAfterMs: 3000 });
  });

  it("treats a deleted webhook (404 Unknown Webhook) as gone", async () => {
    svc.reply({ status: 404, body: '{"message": "Unknown Webhook", "code": 10015}' });
    const out = await sendDiscord(alert, { url: `${svc.origin}/api/webhooks/1/t` }, ctx);
    expect(out).toMatchObject({ ok: false, retry: false, gone: true, status: 404 });
    expect(out.ok || out.error).toBe("HTTP 404: Unknown Webhook");
  });

  it("retries a 5xx", async () => {
    svc.reply({ status: 502, body: "bad gateway" });
    const out = await sendDiscord(alert, { url: `${svc.origin}/api/webhooks/1/t` }, ctx);
    expect(out).toMatchObject({ ok: false, retry: true, gone: false, status: 502 });
  });
});
