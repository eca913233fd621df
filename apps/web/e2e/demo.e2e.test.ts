/// <reference lib="dom" />
import { join } from "node:path";
import { testCacheDir } from "@kamiyo/testing";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  axeViolations,
  pageErrors,
  SCREENSHOTS,
  startWebHarness,
  type WebHarness,
} from "./web-harness.ts";

// `kamiyo serve --demo` at 200x: the cascade's 35 recorded minutes play in about 11 s, the
// liquidator takeovers 15 recorded minutes in (4.5 s).
let web: WebHarness;
const api = async <T>(path: string): Promise<T> =>
  (await (await fetch(`${web.base}${path}`)).json()) as T;

beforeAll(async () => {
  web = await startWebHarness(["--demo", "--demo-speed", "200"], {
    KAMIYO_CACHE_DIR: testCacheDir(),
  });
}, 90_000);
afterAll(async () => {
  await web?.close();
});

/** Opens `/app{path}` at 1280 px, waiting for its heading. */
async function open(path: string, heading: string): Promise<{ page: Page; errors: string[] }> {
  const page = await web.browser.newPage({ viewport: { width: 1280, height: 900 } });
  const errors = pageErrors(page);
  await page.goto(`${web.base}/app${path}`, { waitUntil: "load" });
  await page.getByRole("heading", { level: 1, name: heading }).waitFor();
  return { page, errors };
}

describe("kamiyo serve --demo and the monitor's pages", () => {
  it("opens on the overview, whose risk score turns critical when the replayed cascade hits, with the sources' health and the data lag", async () => {
    const { page, errors } = await open("", "Overview");
    await page.locator(".risk-level", { hasText: "critical" }).waitFor({ timeout: 30_000 });
    const risk = await api<{ score: number; level: string }>("/security/dashboard");
    expect(risk.level).toBe("critical");
    await page.locator(".risk-number", { hasText: /^\d+$/ }).waitFor();
    const ready = await api<{ sources: Record<string, { status: string }> }>("/ready");
    for (const [name, s] of Object.entries(ready.sources)) {
      await page.locator("tr", { hasText: name }).locator(`td.source-${s.status}`).waitFor();
    }
    await page.getByText(/data lag \d+/).waitFor();
    // It says it is a replay, as /meta does.
    const meta = await api<{ demo: { recording: string; speed: number } }>("/meta");
    expect(meta.demo).toMatchObject({ recording: "cascade-2025-10-10.ndjson.gz", speed: 200 });
    await page
      .getByRole("complementary", { name: "Demo" })
      .filter({ hasText: "a replay of cascade-2025-10-10.ndjson.gz at 200×" })
      .waitFor();
    expect(await axeViolations(page)).toEqual([]);
    await page.screenshot({ path: join(SCREENSHOTS, "demo-overview.png"), fullPage: true });
    await page.emulateMedia({ colorScheme: "dark" });
    expect(await axeViolations(page)).toEqual([]);
    await page.setViewportSize({ width: 360, height: 800 });
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(
      360,
    );
    await page.screenshot({ path: join(SCREENSHOTS, "demo-overview-360-dark.png") });
    // There the navigation folds behind Menu, which opens it and closes on the way to a page.
    expect(await page.getByRole("navigation", { name: "Dashboard" }).isVisible()).toBe(false);
    await page.getByRole("button", { name: "Menu" }).click();
    await page.getByRole("link", { name: "Oracles" }).click();
    await page.getByRole("heading", { level: 1, name: "Oracle deviations" }).waitFor();
    expect(await page.getByRole("navigation", { name: "Dashboard" }).isVisible()).toBe(false);
    expect(errors).toEqual([]);
    await page.close();
  });

  it("charts the HLP vault's account value, PnL and drawdown, and lists the liquidator's positions", async () => {
    const { page, errors } = await open("/hlp", "HLP vault family");
    await page.locator(".chart canvas").first().waitFor();
    expect(await page.locator(".chart canvas").count()).toBeGreaterThanOrEqual(3);
    await page
      .locator("table", { hasText: "Max drawdown 30d" })
      .getByRole("rowheader", { name: "HLP Liquidator", exact: true })
      .waitFor();
    const history = await api<{ points: unknown[] }>("/security/hlp-vault/history?limit=500");
    expect(history.points.length).toBeGreaterThan(1);
    // The chart's data table has the API's points (it may have grown since: at least as many).
    const rows = page.locator("figure", { hasText: "Account value" }).locator("tbody tr");
    await expect
      .poll(() => rows.count(), { timeout: 10_000 })
      .toBeGreaterThanOrEqual(history.points.length);
    const hlp = await api<{ liquidatorPositions: unknown[] }>("/security/hlp-vault");
    expect(hlp.liquidatorPositions.length).toBeGreaterThan(0);
    expect(await axeViolations(page)).toEqual([]);
    await page.screenshot({ path: join(SCREENSHOTS, "demo-hlp.png"), fullPage: true });
    await page.emulateMedia({ colorScheme: "dark" });
    expect(await axeViolations(page)).toEqual([]);
    expect(errors).toEqual([]);
    await page.close();
  });

  it("lists every perp's oracle deviation, largest first, and charts the chosen one", async () => {
    const { page, errors } = await open("/oracles", "Oracle deviations");
    const now = await api<{ current: { coin: string; deviationPct: number | null }[] }>(
      "/security/oracle-deviations?limit=500",
    );
    const table = page.locator("table", { hasText: "Coinbase" }).locator("tbody tr");
    await expect.poll(() => table.count(), { timeout: 10_000 }).toBe(now.current.length);
    await page.locator(".chart canvas").waitFor();
    await page.getByRole("combobox", { name: /^Perp/ }).selectOption("ETH");
    await page
      .locator("figcaption", { hasText: "ETH: deviation over the last 24 hours" })
      .waitFor();
    expect(await axeViolations(page)).toEqual([]);
    await page.screenshot({ path: join(SCREENSHOTS, "demo-oracles.png"), fullPage: true });
    expect(errors).toEqual([]);
    await page.close();
  });

  it("totals liquidations by coin and method, charts them per minute, and filters by coin", async () => {
    const { page, errors } = await open("/liquidations", "Liquidations");
    const patterns = await api<{ totals: { coin: string; method: string }[] }>(
      "/security/liquidation-patterns?window=1h",
    );
    expect(patterns.totals.some((t) => t.method === "adl")).toBe(true);
    const totals = page.locator("table", { hasText: "Longs" }).locator("tbody tr");
    await expect
      .poll(() => totals.count(), { timeout: 10_000 })
      .toBeGreaterThanOrEqual(patterns.totals.length);
    await page.getByText("Auto-deleveraging").first().waitFor();
    await page.getByRole("combobox", { name: /^Coin/ }).selectOption("BTC");
    await expect
      .poll(async () => new Set(await totals.locator("th").allTextContents()), { timeout: 10_000 })
      .toEqual(new Set(["BTC"]));
    await page.locator(".chart canvas").waitFor();
    expect(await axeViolations(page)).toEqual([]);
    await page.screenshot({ path: join(SCREENSHOTS, "demo-liquidations.png"), fullPage: true });
    expect(errors).toEqual([]);
    // A finding's evidence is written by what each value is: dollars, times in UTC.
    await page.getByRole("link", { name: /^Auto-deleveraging on BTC/ }).click();
    await page.getByRole("heading", { level: 2, name: "Evidence" }).waitFor();
    const evidence = page.locator("dl.pairs").last();
    expect(await evidence.locator("dt", { hasText: /^notional USD$/ }).count()).toBe(1);
    expect(
      await evidence
        .locator("div", { hasText: /^notional USD/ })
        .locator("dd")
        .textContent(),
    ).toMatch(/^\$\d{1,3}(,\d{3})+$/);
    expect(
      await evidence
        .locator("div", { hasText: /^last at/ })
        .locator("dd")
        .textContent(),
    ).toMatch(/^2025-10-10 21:\d\d:\d\d UTC$/);
    await page.screenshot({ path: join(SCREENSHOTS, "demo-finding.png"), fullPage: true });
    await page.close();
  });

  it("says on the ML page that no model is trained yet, as the API does", async () => {
    const { page } = await open("/ml", "Machine learning");
    const status = await api<{ message: string }>("/ml/status");
    await page.getByText(status.message).waitFor();
    await page.getByText(/No forecast: no forecast model is trained/).waitFor();
    expect(await axeViolations(page)).toEqual([]);
    await page.screenshot({ path: join(SCREENSHOTS, "demo-ml.png"), fullPage: true });
    await page.close();
  });

  it("has the real exploit datasets imported", async () => {
    const exploits = await api<{ data: { protocol: string }[] }>("/exploits?limit=100");
    expect(exploits.data.length).toBe(100);
    const { page } = await open("/exploits", "Exploits");
    await page.locator("tbody tr").first().waitFor();
    await page.close();
  });
});
