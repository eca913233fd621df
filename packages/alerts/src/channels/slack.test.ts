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
import { escapeSlack, type SlackMessage, sendSlack, slackMessage } from "./slack.ts";

function parts(msg: SlackMessage) {
  const [header, section, context] = msg.blocks;
  return { header: header.text.text, section, context: context.elements[0].text };
}

describe("slackMessage", () => {
  it("renders a finding as header, section with fields, and context", () => {
    const alert = alertOf("finding.opened", [ETH_BACKSTOP]);
    const msg = slackMessage(alert);
    const { header, section, context } = parts(msg);
    expect(msg.blocks.map((b) => b.type)).toEqual(["header", "section", "context"]);
    expect(header).toBe(
      "🔴 CRITICAL: HLP liquidator absorbed $306.8M of ETH long positions (1 backstop liquidation)",
    );
    expect(msg.text).toBe(header);
    expect(section.fields).toHaveLength(10);
    expect(section.fields?.slice(0, 7).map((f) => f.text)).toEqual([
      "*Subject*\nasset ETH",
      "*Detector*\nliquidations / backstop",
      "*Severity*\ncritical",
      "*Status*\nopen",
      "*First data*\n2025-03-12 00:04:31 UTC",
      "*Last data*\n2025-03-12 00:04:31 UTC",
      "*count*\n1",
    ]);
    // Evidence beyond ten fields goes into the section text.
    expect(section.text.text).toBe(
      [
        "New critical finding.",
        "*firstAt*: 2025-03-12 00:04:31 UTC",
        "*lastAt*: 2025-03-12 00:04:31 UTC",
        "*lastPx*: 1,915",
        "*lastSize*: 160,234",
        "*liquidator*: 0x2e3d94f0562703b25c83308a05046ddaf9a8dd14",
      ].join("\n"),
    );
    expect(context).toBe(`Kamiyo · ${alert.id} · 2025-03-12 00:04:33 UTC`);
  });

  it("escapes &, < and > in mrkdwn (no mentions or links from data), not in plain_text", () => {
    const title = "<!channel> JELLY & co <https://evil.example|claim> > 1%";
    const msg = slackMessage(alertOf("finding.opened", [finding({ id: "fnd_x", title })]));
    expect(msg.text).toBe(
      "🔴 CRITICAL: &lt;!channel&gt; JELLY &amp; co &lt;https://evil.example|claim&gt; &gt; 1%",
    );
    expect(parts(msg).header).toBe(`🔴 CRITICAL: ${title}`);
    expect(escapeSlack("a&b<c>d")).toBe("a&amp;b&lt;c&gt;d");
  });

  it("lists grouped findings, and reads resolved, summary and disabled alerts", () => {
    const grouped = parts(slackMessage(alertOf("finding.escalated", [ETH_BACKSTOP, HLP_LOSS])));
    expect(grouped.header).toBe(
      "🔴 Escalated to CRITICAL: HLP liquidator absorbed $306.8M of ETH long positions (1 backstop liquidation)",
    );
    expect(grouped.section.text.text.split("\n")).toEqual([
      "2 findings, escalated to critical.",
      "• CRITICAL · HLP liquidator absorbed $306.8M of ETH long positions (1 backstop liquidation)",
      "• CRITICAL · Hyperliquidity Provider (HLP) lost $4.0M in 24 h",
    ]);
    const resolved = parts(slackMessage(alertOf("finding.resolved", [JELLY_INHERITED_RESOLVED])));
    expect(resolved.header).toMatch(/^✅ Resolved: HLP Liquidator holds/);
    const summary = parts(slackMessage(summaryAlert()));
    expect(summary.section.text.text).toMatch(
      /^17 alerts held back by the daily alert cap .*: 2 critical, 11 high, 4 medium\.$/,
    );
    expect(summary.section.fields?.map((f) => f.text)).toContain(
      "*Held back*\n17 (2 critical, 11 high, 4 medium)",
    );
    const disabled = parts(slackMessage(disabledAlert()));
    expect(disabled.section.text.text).toContain(
      'Channel "ops-webhook" (https://hooks.example.com/…) was disabled',
    );
    expect(JSON.stringify(disabled)).not.toContain("secret-token");
  });

  it("renders an exploit incident as header, lead and fields, escaping its names", () => {
    const alert = exploitAlert();
    const msg = slackMessage(alert);
    const { header, section, context } = parts(msg);
    expect(header).toBe("🔴 CRITICAL: Euler Finance: $197M lost on Ethereum (Protocol Logic)");
    expect(section.text.text).toBe("New critical exploit incident, reported by 3 sources.");
    expect(section.fields?.map((f) => f.text)).toEqual([
      "*Protocol*\nEuler Finance (also Euler)",
      "*Date*\n2023-03-13",
      "*Chains*\nEthereum",
      "*Loss*\n$197M",
      "*Returned*\n$177M",
      "*Classification*\nProtocol Logic / Donation attack",
      "*Sources*\n3 (defihacklabs-explorer, rekt, slowmist)",
      "*Transaction*\n0xc310a0af…2d6b111d (+1 more)",
      "*Incident*\nexp_20230313_eulerfinance",
    ]);
    expect(context).toBe(`Kamiyo · ${alert.id} · 2023-03-13 09:30:00 UTC`);
    const evil = slackMessage(
      exploitAlert(
        { ...EULER, protocol: "<!channel> A&B", aliases: ["<https://x|y>"] },
        "exploit.updated",
      ),
    );
    expect(evil.text).toBe(
      "🔴 CRITICAL: Updated: &lt;!channel&gt; A&amp;B: $197M lost on Ethereum (Protocol Logic)",
    );
    expect(parts(evil).section.fields?.[0]?.text).toBe(
      "*Protocol*\n&lt;!channel&gt; A&amp;B (also &lt;https://x|y&gt;)",
    );
  });

  it("keeps within Block Kit's limits without cutting an entity", () => {
    const title = `JELLY ${"<&>".repeat(2000)}`;
    const evidence = Object.fromEntries(
      Array.from({ length: 30 }, (_, i) => [`k${i}`, "&".repeat(3000)]),
    );
    const grouped = Array.from({ length: 100 }, (_, i) =>
      finding({ id: `fnd_${i}`, title, evidence }),
    );
    for (const alert of [
      alertOf("finding.opened", [grouped[0] ?? JELLY_DEVIATION]),
      alertOf("finding.opened", grouped),
    ]) {
      const msg = slackMessage(alert);
      const { header, section } = parts(msg);
      expect(header.length).toBeLessThanOrEqual(150);
      expect(section.text.text.length).toBeLessThanOrEqual(3000);
      expect(section.fields?.length).toBeGreaterThan(0);
      expect(section.fields?.length ?? 0).toBeLessThanOrEqual(10);
      for (const t of [msg.text, section.text.text, ...(section.fields ?? []).map((f) => f.text)]) {
        expect(t.length).toBeLessThanOrEqual(3000);
        // Every & starts a whole entity.
        expect(t.replace(/&(amp|lt|gt);/g, "")).not.toContain("&");
      }
      for (const f of section.fields ?? []) expect(f.text.length).toBeLessThanOrEqual(2000);
      expect(msg.text).toMatch(/…$/);
      expect(section.text.text).toMatch(/…$/);
    }
    const single = parts(slackMessage(alertOf("finding.opened", [grouped[0] ?? JELLY_DEVIATION])));
    expect(single.section.fields?.at(-1)?.text).toMatch(/^\*k\d\*\n(&amp;)+…$/);
  });
});

describe("sendSlack (real HTTP)", () => {
  let svc: FakeService;
  const ctx = testContext();
  const alert = alertOf("finding.opened", [JELLY_DEVIATION]);
  const url = () => `${svc.origin}/services/T000/B000/XXXX`;

  beforeAll(async () => {
    svc = await fakeService({ status: 200, body: "ok" });
  });
  afterAll(async () => {
    await svc.close();
    await ctx.http.close();
  });

  it("posts the Block Kit JSON and succeeds on 200 ok", async () => {
    svc.reply({ status: 200, headers: { "content-type": "text/html" }, body: "ok" });
    const out = await sendSlack(alert, { url: url() }, ctx);
    expect(out).toEqual({ ok: true, status: 200, latencyMs: expect.any(Number), excerpt: "ok" });
    expect(JSON.parse(svc.received.at(-1)?.body ?? "")).toEqual(slackMessage(alert));
  });

  it("does not retry invalid_payload (400)", async () => {
    svc.reply({ status: 400, body: "invalid_payload" });
    const out = await sendSlack(alert, { url: url() }, ctx);
    expect(out).toMatchObject({
      ok: false,
      retry: false,
      gone: false,
      status: 400,
      error: "HTTP 400: invalid_payload",
    });
  });

  it("disables the channel on 404 no_service and 410 channel_is_archived", async () => {
    for (const [status, body] of [
      [404, "no_service"],
      [410, "channel_is_archived"],
    ] as const) {
      svc.reply({ status, body });
      const out = await sendSlack(alert, { url: url() }, ctx);
      expect(out).toMatchObject({ ok: false, retry: false, gone: true, status });
      expect(out.ok || out.error).toContain(body);
    }
  });

  it("retries 429 after Retry-After, and 5xx", async () => {
    svc.reply({ status: 429, headers: { "retry-after": "30" }, body: "rate_limited" });
    expect(await sendSlack(alert, { url: url() }, ctx)).toMatchObject({
      ok: false,
      retry: true,
      retryAfterMs: 30_000,
    });
    svc.reply({ status: 500, body: "rollup_error" });
    expect(await sendSlack(alert, { url: url() }, ctx)).toMatchObject({
      ok: false,
      retry: true,
      gone: false,
    });
  });
});
