/// <reference lib="dom" />
import { existsSync, mkdirSync, mkdtempSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { createMigratedDataDir, type Db, PgliteDb } from "@kamiyo/db";
import { startServeProcess, testCacheDir } from "@kamiyo/testing";
import { type Browser, chromium, type Page } from "playwright-core";
import { expect } from "vitest";

const CHROMIUM = "/usr/bin/chromium";
const AXE = createRequire(import.meta.url).resolve("axe-core/axe.min.js");
/** Screenshots of each page, for a person to look at; CI keeps the folder (it is not committed). */
export const SCREENSHOTS = fileURLToPath(
  new URL("../../../artifacts/screenshots/", import.meta.url),
);

/** A real `kamiyo serve` on a fresh embedded database, and Debian's Chromium to look at it. */
export interface WebHarness {
  base: string;
  browser: Browser;
  close(): Promise<void>;
}

/**
 * Starts `kamiyo serve` (`args`, `env` added to this process's) on a clone of the migrated
 * template (after `seed` wrote to it) and a free port, and launches Chromium headless.
 * @throws Error when Chromium is not installed (`apt-get install -y chromium`; .ci/run does).
 */
export async function startWebHarness(
  args: string[],
  env: Record<string, string> = {},
  seed?: (db: Db) => Promise<void>,
): Promise<WebHarness> {
  if (!existsSync(CHROMIUM))
    throw new Error(`no browser at ${CHROMIUM}: apt-get install -y chromium (.ci/run does)`);
  const data = join(mkdtempSync(join(tmpdir(), "kamiyo-web-")), "data");
  await createMigratedDataDir(testCacheDir(), data);
  if (seed) {
    // What other processes stored before this one starts (PGlite has one process at a time).
    const db = await PgliteDb.open(data);
    await seed(db);
    await db.close();
  }
  const { child, base } = await startServeProcess(args, { KAMIYO_DATA_DIR: data, ...env });
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ["--headless", "--no-sandbox", "--disable-gpu"],
  });
  mkdirSync(SCREENSHOTS, { recursive: true });
  return {
    base,
    browser,
    close: async () => {
      await browser.close();
      child.kill("SIGKILL");
    },
  };
}

/** Serious and critical accessibility violations axe-core finds on the page as it is now. */
export async function axeViolations(page: Page): Promise<string[]> {
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

/**
 * Looks at the page as a person would, in both themes and on a 360 px phone: no serious or
 * critical accessibility violation in light or dark, nothing wider than the screen outside a
 * scrolling table, and screenshots `<name>.png`, `<name>-dark.png`, `<name>-360.png` to look at.
 */
export async function lookAt(page: Page, name: string): Promise<void> {
  const theme = (t: string) =>
    page.evaluate((v) => {
      document.documentElement.dataset.theme = v;
    }, t);
  for (const t of ["light", "dark"]) {
    await theme(t);
    expect(await axeViolations(page), `${name} ${t}`).toEqual([]);
    const file = `${name}${t === "dark" ? "-dark" : ""}.png`;
    await page.screenshot({ path: join(SCREENSHOTS, file), fullPage: true });
  }
  await theme("light");
  const size = page.viewportSize();
  await page.setViewportSize({ width: 360, height: 800 });
  await page.screenshot({ path: join(SCREENSHOTS, `${name}-360.png`), fullPage: true });
  const wide = await page.evaluate(() =>
    [...document.querySelectorAll("body *")]
      .filter((e) => e.getBoundingClientRect().right > 361 && !e.closest(".table-scroll"))
      .map((e) => `${e.tagName}.${e.className} ${Math.round(e.getBoundingClientRect().right)}`),
  );
  expect(wide, name).toEqual([]);
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(360);
  if (size) await page.setViewportSize(size);
}

/** Errors the page reports (console errors and uncaught exceptions), collected as they come. */
export function pageErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on("console", (m) => {
    if (m.type() === "error") errors.push(m.text());
  });
  page.on("pageerror", (e) => errors.push(e.message));
  return errors;
}
