/// <reference lib="dom" />
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { type LiveUpstream, startLiveUpstream } from "@kamiyo/hyperliquid/testing";
import { importRecords, type SourceRecord } from "@kamiyo/intel";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  axeViolations,
  pageErrors,
  SCREENSHOTS,
  startWebHarness,
  type WebHarness,
} from "./web-harness.ts";

/** Three reports of real incidents (DeFiLlama's figures), imported before the server starts. */
const report = (
  sourceKey: string,
  protocol: string,
  date: string,
  lossUsd: number,
  chains: string[],
  classification: string,
  url: string,
): SourceRecord => ({
  source: "defillama",
  sourceKey,
  protocol,
  date,
  occurredAt: null,
  chains,
  classification,
  technique: null,
  lossUsd,
  original: null,
  returnedUsd: null,
  txHashes: [],
  url,
});
const INCIDENTS = [
  report(
    "bybit-2025-02-21",
    "Bybit",
    "2025-02-21",
    1_460_000_000,
    ["Ethereum"],
    "Access Control",
    "https://announcements.bybit.com/article/incident-update",
  ),
  report(
    "euler-2023-03-13",
    "Euler Finance",
    "2023-03-13",
    197_000_000,
    ["Ethereum"],
    "Protocol Logic",
    "https://twitter.com/eulerfinance/status/1635218198042918912",
  ),
  report(
    "poly-2021-08-10",
    "Poly Network",
    "2021-08-10",
    611_000_000,
    ["BSC", "Polygon"],
    "Access Control",
    "https://twitter.com/PolyNetwork2/status/1425073987164381196",
  ),
];

let upstream: LiveUpstream;
let web: WebHarness;

beforeAll(async () => {
  upstream = await startLiveUpstream();
  web = await startWebHarness(
    [],
    // The test polls the API every 25 ms while it waits for a finding: above the 600 a minute an
    // IP may make by default.
    { ...upstream.env, API_WEBHOOKS_ALLOW_LOOPBACK_HTTP: "true", API_RATE_LIMIT_PER_IP: "100000" },
    (db) => importRecords(db, INCIDENTS, Date.UTC(2025, 2, 1)).then(() => undefined),
  );
}, 90_000);
afterAll(async () => {
  await web?.close();
  await upstream?.close();
});

describe("the dashboard", () => {
  it("opens straight in on an install without keys; a finding the pipeline stores appears in the live table within 1 s, and opens with its evidence", async () => {
    const page = await web.browser.newPage({ viewport: { width: 1280, height: 900 } });
    const errors = pageErrors(page);
    await page.goto(`${web.base}/app/findings`, { waitUntil: "load" });
    await page.getByText("No findings match.").waitFor();
    await page.getByRole("status").filter({ hasText: "Live" }).waitFor();
    expect(await axeViolations(page)).toEqual([]);

    await upstream.connected();
    upstream.pushBackstop();
    // When the API first has it stored, and when the open page first shows it.
    const stored = (async () => {
      for (;;) {
        const res = await fetch(`${web.base}/security/events?detector=liquidations&limit=1`);
        expect(res.status).toBe(200);
        const body = (await res.json()) as { data: { id: string; kind: string }[] };
        const f = body.data.find((x) => x.kind === "backstop");
        if (f) return { id: f.id, at: Date.now() };
        await new Promise((r) => setTimeout(r, 25));
      }
    })();
    const shown = page
      .locator("tr[data-finding]", { hasText: "liquidations / backstop" })
      .first()
      .waitFor({ timeout: 15_000 })
      .then(() => Date.now());
    const [s, seenAt] = await Promise.all([stored, shown]);
    expect(seenAt - s.at).toBeLessThanOrEqual(1_000);
    expect(await page.locator(`tr[data-finding="${s.id}"] .sev`).textContent()).toBe("critical");
    await page.screenshot({ path: join(SCREENSHOTS, "dashboard-findings.png"), fullPage: true });

    await page.locator(`tr[data-finding="${s.id}"] a`).click();
    await page.waitForURL(`${web.base}/app/findings/${s.id}`);
    await page.getByRole("heading", { level: 2, name: "Evidence" }).waitFor();
    expect(await page.locator("dl.pairs dt", { hasText: /^liquidator$/ }).count()).toBe(1);
    expect(await axeViolations(page)).toEqual([]);
    await page.screenshot({ path: join(SCREENSHOTS, "dashboard-finding.png"), fullPage: true });
    // A reload at the finding's own address lands on it again (the server serves /app/*).
    await page.reload({ waitUntil: "load" });
    await page.getByRole("heading", { level: 2, name: "Evidence" }).waitFor();
    expect(errors).toEqual([]);
    await page.close();
  });

  it("filters by severity and status as the API does", async () => {
    const page = await web.browser.newPage();
    await page.goto(`${web.base}/app/findings`, { waitUntil: "load" });
    await page.locator("tr[data-finding]").first().waitFor();
    await page.getByLabel("Severity").selectOption("low");
    await page.getByText("No findings match.").waitFor();
    await page.getByLabel("Severity").selectOption("critical");
    await page.locator("tr[data-finding]").first().waitFor();
    await page.getByLabel("Status").selectOption("resolved");
    await page.getByText("No findings match.").waitFor();
    await page.close();
  });

  it("explores exploits: filters change the list, and an incident opens with its sources", async () => {
    const page = await web.browser.newPage();
    const errors = pageErrors(page);
    await page.goto(`${web.base}/app/exploits`, { waitUntil: "load" });
    const protocols = () => page.locator("tr[data-incident] td:nth-child(2)").allTextContents();
    await page.locator("tr[data-incident]").first().waitFor();
    expect(await protocols()).toEqual(["Bybit", "Euler Finance", "Poly Network"]);
    expect(await axeViolations(page)).toEqual([]);
    await page.getByLabel("Chain").fill("bsc");
    await page.getByRole("button", { name: "Apply" }).click();
    // The old list also has Poly Network: wait for the filtered one, not for a row.
    await expect.poll(protocols, { timeout: 10_000 }).toEqual(["Poly Network"]);
    await page.getByLabel("Chain").fill("");
    await page.getByLabel("Loss at least (USD)").fill("500000000");
    await page.getByLabel("Sort").selectOption("amount");
    await page.getByRole("button", { name: "Apply" }).click();
    await expect.poll(protocols, { timeout: 10_000 }).toEqual(["Bybit", "Poly Network"]);
    await page.screenshot({ path: join(SCREENSHOTS, "dashboard-exploits.png"), fullPage: true });
    await page.getByRole("link", { name: "Bybit" }).click();
    await page.getByRole("heading", { level: 2, name: "Sources" }).waitFor();
    expect(await page.locator("ul.references a").getAttribute("href")).toBe(
      "https://announcements.bybit.com/article/incident-update",
    );
    expect(await axeViolations(page)).toEqual([]);
    await page.screenshot({ path: join(SCREENSHOTS, "dashboard-incident.png"), fullPage: true });
    expect(errors).toEqual([]);
    await page.close();
  });

  it("shows the plan, the usage its own calls made against the plan's quota, and the invoices", async () => {
    const page = await web.browser.newPage();
    const errors = pageErrors(page);
    // The dashboard's calls to product routes are API calls like any other: metered once a second.
    const calls = async () => {
      const usage = (await (await fetch(`${web.base}/usage`)).json()) as {
        meters: { product: string; meter: string; today: number }[];
      };
      return usage.meters.find((m) => m.product === "platform" && m.meter === "api_calls")?.today;
    };
    for (let i = 0; i < 3; i++) await fetch(`${web.base}/security/events?limit=1`);
    await expect.poll(calls, { timeout: 5_000 }).toBeGreaterThanOrEqual(3);
    await page.goto(`${web.base}/app/account`, { waitUntil: "load" });
    const plan = page.locator('tr[data-product="platform"]');
    await plan.waitFor();
    expect(await plan.textContent()).toContain("open_source");
    const meter = page.locator('tr[data-meter="platform:api_calls"]');
    await meter.waitFor();
    expect(await meter.locator("td").nth(4).textContent()).toBe("100,000 a day (open_source)");
    expect(
      Number((await meter.locator("td").nth(2).textContent())?.replaceAll(",", "")),
    ).toBeGreaterThan(0);
    await page.getByText("No invoices yet.").waitFor();
    expect(await axeViolations(page)).toEqual([]);
    await page.screenshot({ path: join(SCREENSHOTS, "dashboard-account.png"), fullPage: true });
    expect(errors).toEqual([]);
    await page.close();
  });

  it("manages a webhook: create (the secret shown once), test send, the delivery with its attempt, delete", async () => {
    const received: { headers: Record<string, string | string[] | undefined>; body: string }[] = [];
    const receiver = createServer((req, res) => {
      let body = "";
      req.on("data", (c: Buffer) => {
        body += c.toString();
      });
      req.on("end", () => {
        received.push({ headers: req.headers, body });
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((r) => receiver.listen(0, "127.0.0.1", r));
    const hookUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
    try {
      const page = await web.browser.newPage();
      const errors = pageErrors(page);
      await page.goto(`${web.base}/app/webhooks`, { waitUntil: "load" });
      await page.getByText("No endpoints yet.").waitFor();
      await page.getByLabel("Endpoint URL").fill(hookUrl);
      await page.getByRole("button", { name: "Add endpoint" }).click();
      const secret = page.locator(".secret code");
      await secret.waitFor();
      expect(await secret.textContent()).toMatch(/^whsec_/);
      await page.getByRole("button", { name: "Send a test event" }).click();
      await page.locator("[data-delivery]", { hasText: "delivered" }).waitFor({ timeout: 10_000 });
      expect(await page.locator("[data-delivery] li").first().textContent()).toMatch(
        /attempt 1: ok, HTTP 204/,
      );
      expect(received).toHaveLength(1);
      expect(JSON.parse(received[0]?.body ?? "{}").type).toBe("webhook.test");
      expect(received[0]?.headers["webhook-signature"]).toMatch(/^v1,/);
      expect(await axeViolations(page)).toEqual([]);
      await page.screenshot({ path: join(SCREENSHOTS, "dashboard-webhooks.png"), fullPage: true });
      await page.getByRole("button", { name: "Delete" }).click();
      await page.getByRole("button", { name: "Yes, delete it and its log" }).click();
      await page.getByText("No endpoints yet.").waitFor();
      expect(errors).toEqual([]);
      await page.close();
    } finally {
      receiver.close();
    }
  });
});
