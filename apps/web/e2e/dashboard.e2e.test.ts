/// <reference lib="dom" />
import { join } from "node:path";
import { type LiveUpstream, startLiveUpstream } from "@kamiyo/hyperliquid/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  axeViolations,
  pageErrors,
  SCREENSHOTS,
  startWebHarness,
  type WebHarness,
} from "./web-harness.ts";

let upstream: LiveUpstream;
let web: WebHarness;

beforeAll(async () => {
  upstream = await startLiveUpstream();
  web = await startWebHarness([], upstream.env);
}, 90_000);
afterAll(async () => {
  await web?.close();
  await upstream?.close();
});

describe("the dashboard", () => {
  it("opens straight in on an install without keys; a finding the pipeline stores appears in the live table within 1 s, and opens with its evidence", async () => {
    const page = await web.browser.newPage({ viewport: { width: 1280, height: 900 } });
    const errors = pageErrors(page);
    await page.goto(`${web.base}/app`, { waitUntil: "load" });
    await page.getByText("No findings match.").waitFor();
    await page.getByRole("status").filter({ hasText: "Live" }).waitFor();
    expect(await axeViolations(page)).toEqual([]);

    await upstream.connected();
    upstream.pushBackstop();
    // When the API first has it stored, and when the open page first shows it.
    const stored = (async () => {
      for (;;) {
        const res = await fetch(`${web.base}/security/events?detector=liquidations&limit=1`);
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
    await page.goto(`${web.base}/app`, { waitUntil: "load" });
    await page.locator("tr[data-finding]").first().waitFor();
    await page.getByLabel("Severity").selectOption("low");
    await page.getByText("No findings match.").waitFor();
    await page.getByLabel("Severity").selectOption("critical");
    await page.locator("tr[data-finding]").first().waitFor();
    await page.getByLabel("Status").selectOption("resolved");
    await page.getByText("No findings match.").waitFor();
    await page.close();
  });
});
