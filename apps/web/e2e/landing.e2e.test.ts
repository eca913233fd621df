/// <reference lib="dom" />
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync } from "node:fs";
import { get, type IncomingHttpHeaders } from "node:http";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { planCatalogJson } from "@kamiyo/api";
import { CATALOG, monthlyPrice } from "@kamiyo/billing";
import { createMigratedDataDir } from "@kamiyo/db";
import { testCacheDir } from "@kamiyo/testing";
import { type Browser, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const BIN = fileURLToPath(new URL("../../cli/bin/kamiyo.js", import.meta.url));
const CHROMIUM = "/usr/bin/chromium";
const AXE = createRequire(import.meta.url).resolve("axe-core/axe.min.js");
/** Screenshots of each page, for a person to look at; CI keeps the folder (it is not committed). */
export const SCREENSHOTS = fileURLToPath(
  new URL("../../../artifacts/screenshots/", import.meta.url),
);

let child: ChildProcess;
let base = "";
let browser: Browser;

beforeAll(async () => {
  if (!existsSync(CHROMIUM))
    throw new Error(`no browser at ${CHROMIUM}: apt-get install -y chromium (.ci/run does)`);
  const data = join(mkdtempSync(join(tmpdir(), "kamiyo-web-")), "data");
  await createMigratedDataDir(testCacheDir(), data);
  child = spawn(process.execPath, [BIN, "serve", "--no-monitor"], {
    env: { ...process.env, KAMIYO_DATA_DIR: data, API_PORT: "0", LOG_LEVEL: "info" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  base = await new Promise<string>((resolve, reject) => {
    let err = "";
    const timer = setTimeout(() => reject(new Error(`kamiyo serve did not start: ${err}`)), 60_000);
    child.stderr?.on("data", (d: Buffer) => {
      err += d.toString();
      const m = /serving on (http:\/\/127\.0\.0\.1:\d+)/.exec(err);
      if (m?.[1]) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
  });
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ["--headless", "--no-sandbox", "--disable-gpu"],
  });
  mkdirSync(SCREENSHOTS, { recursive: true });
}, 90_000);
afterAll(async () => {
  await browser?.close();
  child?.kill("SIGKILL");
});

/** GET without decoding: the bytes on the wire and the headers. */
function rawGet(
  url: string,
  acceptEncoding: string,
): Promise<{ headers: IncomingHttpHeaders; body: Buffer }> {
  return new Promise((resolve, reject) => {
    get(url, { headers: { "accept-encoding": acceptEncoding } }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => resolve({ headers: res.headers, body: Buffer.concat(chunks) }));
    }).on("error", reject);
  });
}

/** Serious and critical accessibility violations axe-core finds on the page as it is now. */
async function axeViolations(page: Page): Promise<string[]> {
  await page.addScriptTag({ path: AXE });
  const found = await page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run(): Promise<{ violations: unknown[] }> } }).axe;
    return (await axe.run()).violations as {
      id: string;
      impact: string;
      nodes: { target: string[] }[];
    }[];
  });
  return found
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => `${v.id} (${v.impact}) at ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`);
}

describe("the landing page", () => {
  it("answers GET / with every plan and its price from the catalog in the HTML itself (no JavaScript needed)", async () => {
    const res = await fetch(`${base}/`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/text\/html/);
    const html = await res.text();
    for (const plan of CATALOG) {
      expect(html).toContain(`data-plan="${plan.id}">${plan.label}</th>`);
      // The first row of each product's table is its price a month.
      expect(html).toContain(`data-plan="${plan.id}">${monthlyPrice(plan)}</td>`);
    }
    // The page's own copy of the catalog (for hydration) is the API's.
    const embedded = /<script id="catalog" type="application\/json">(.*?)<\/script>/s.exec(html);
    expect(JSON.parse(embedded?.[1] ?? "null")).toEqual(planCatalogJson());
    expect(await (await fetch(`${base}/plans`)).json()).toEqual(planCatalogJson());
  });

  it("sends its JavaScript compressed, under 200 KB gzipped in all, cached for a year", async () => {
    const html = await (await fetch(`${base}/`)).text();
    const scripts = [...html.matchAll(/<script[^>]+src="(\/assets\/[^"]+\.js)"/g)].map((m) => m[1]);
    expect(scripts.length).toBeGreaterThan(0);
    let gzipped = 0;
    for (const src of scripts) {
      const res = await rawGet(`${base}${src}`, "gzip");
      expect(res.headers["content-encoding"]).toBe("gzip");
      expect(res.headers["cache-control"]).toMatch(/max-age=31536000/);
      gzipped += res.body.length;
    }
    expect(gzipped).toBeLessThanOrEqual(200 * 1024);
    expect((await rawGet(`${base}${scripts[0]}`, "br, gzip")).headers["content-encoding"]).toBe(
      "br",
    );
  });

  it("renders in a real browser without errors, passes axe in both themes, and works from 360 px wide and by keyboard", async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const errors: string[] = [];
    page.on("console", (m) => {
      if (m.type() === "error") errors.push(m.text());
    });
    page.on("pageerror", (e) => errors.push(e.message));
    await page.goto(`${base}/`, { waitUntil: "networkidle" });
    for (const plan of CATALOG)
      expect(await page.locator(`th[data-plan="${plan.id}"]`).isVisible()).toBe(true);
    // The live figures are the API's, in boxes that did not move when they came.
    const figures = (await (await fetch(`${base}/figures`)).json()) as {
      figures: { key: string; value: number }[];
    };
    for (const f of figures.figures)
      await page
        .locator(`[data-figure="${f.key}"] dd`, { hasText: f.value.toLocaleString("en-US") })
        .waitFor({ timeout: 5_000 });
    expect(await page.locator("dl[aria-busy=false]").count()).toBe(1);
    const shift = await page.evaluate(
      () =>
        new Promise<number>((resolve) => {
          let total = 0;
          new PerformanceObserver((list) => {
            for (const e of list.getEntries()) total += (e as unknown as { value: number }).value;
          }).observe({ type: "layout-shift", buffered: true });
          setTimeout(() => resolve(total), 200);
        }),
    );
    expect(shift).toBeLessThan(0.01);
    expect(errors).toEqual([]);
    expect(await axeViolations(page)).toEqual([]);
    await page.screenshot({ path: join(SCREENSHOTS, "landing-desktop-light.png"), fullPage: true });

    // The first Tab reaches the skip link; the theme toggle cycles system → light → dark.
    await page.keyboard.press("Tab");
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe(
      "Skip to the content",
    );
    const toggle = page.getByRole("button", { name: /Colour theme/ });
    await toggle.click();
    await toggle.click();
    expect(await page.evaluate(() => document.documentElement.dataset.theme)).toBe("dark");
    expect(await axeViolations(page)).toEqual([]);
    await page.screenshot({ path: join(SCREENSHOTS, "landing-desktop-dark.png"), fullPage: true });
    // Remembered in this browser.
    await page.reload({ waitUntil: "networkidle" });
    expect(await page.evaluate(() => document.documentElement.dataset.theme)).toBe("dark");

    await page.setViewportSize({ width: 360, height: 800 });
    const width = await page.evaluate(() => document.documentElement.scrollWidth);
    expect(width).toBeLessThanOrEqual(360);
    await page.screenshot({ path: join(SCREENSHOTS, "landing-mobile-dark.png"), fullPage: true });
    await page.close();
  });
});
