/// <reference lib="dom" />
import { get, type IncomingHttpHeaders } from "node:http";
import { join } from "node:path";
import { hashApiKey, planCatalogJson } from "@kamiyo/api";
import { CATALOG, monthlyPrice } from "@kamiyo/billing";
import { DEFAULT_TENANT_ID } from "@kamiyo/db";
import { hashPassword, setPasswordHash, upsertUser } from "@kamiyo/tenancy";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  axeViolations,
  pageErrors,
  SCREENSHOTS,
  startWebHarness,
  type WebHarness,
} from "./web-harness.ts";

let web: WebHarness;
let base = "";

/** This install requires a key (API_KEY_HASHES): the landing page stays open, the dashboard asks. */
const KEY = "kmy_test_landing_e2e_key_0123456789abcdef";

/** A person of the default tenant with a password, for signing in with email and password. */
const PERSON = { email: "ops@landing.example", password: "seven lanterns over the quay" };
const NEW_PASSWORD = "a heron waits by the weir";

beforeAll(async () => {
  web = await startWebHarness(
    ["--role", "api,deliver"],
    { API_KEY_HASHES: hashApiKey(KEY) },
    async (db) => {
      const userId = await upsertUser(db, { email: PERSON.email, nowMs: Date.now() });
      await db.query(
        "INSERT INTO memberships (tenant_id, user_id, role, created_at) VALUES ($1, $2, 'admin', now())",
        [DEFAULT_TENANT_ID, userId],
      );
      await setPasswordHash(db, userId, await hashPassword(PERSON.password), Date.now());
    },
  );
  base = web.base;
}, 90_000);
afterAll(async () => web?.close());

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
    const page = await web.browser.newPage({ viewport: { width: 1280, height: 900 } });
    const errors = pageErrors(page);
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

describe("signing in to the dashboard", () => {
  it("asks for an API key where the install requires one, refuses a wrong one, and opens with the right one", async () => {
    const page = await web.browser.newPage();
    await page.goto(`${base}/app`, { waitUntil: "load" });
    await page.getByRole("heading", { name: "Sign in" }).waitFor();
    expect(await axeViolations(page)).toEqual([]);
    await page
      .getByLabel("API key", { exact: true })
      .fill("kmy_test_wrong_key_0000000000000000000");
    await page.getByRole("button", { name: "Sign in with the key" }).click();
    await page
      .getByRole("alert")
      .filter({ hasText: /not valid/ })
      .waitFor();
    await page.getByLabel("API key", { exact: true }).fill(KEY);
    await page.getByRole("button", { name: "Sign in with the key" }).click();
    await page.getByRole("heading", { name: "Overview", level: 1 }).waitFor();
    await page.getByRole("link", { name: "Findings", exact: true }).click();
    await page.getByRole("heading", { name: "Findings", level: 1 }).waitFor();
    await page.getByText("No findings match.").waitFor();
    await page.getByRole("status").filter({ hasText: "Live" }).waitFor();
    await page.screenshot({ path: join(SCREENSHOTS, "dashboard-signed-in.png") });
    await page.getByRole("button", { name: "Sign out" }).click();
    await page.getByRole("heading", { name: "Sign in" }).waitFor();
    await page.close();
  });

  it("signs in with email and password, stays signed in across a reload (the cookie), and signs out", async () => {
    const page = await web.browser.newPage();
    await page.goto(`${base}/app`, { waitUntil: "load" });
    await page.getByRole("heading", { name: "Sign in" }).waitFor();
    const form = page.getByRole("form", { name: "Sign in with email and password" });
    await form.getByLabel("Email").fill(PERSON.email);
    await form.getByLabel("Password").fill("not the password at all");
    await form.getByRole("button", { name: "Sign in" }).click();
    await form
      .getByRole("alert")
      .filter({ hasText: /email address or password is not right/ })
      .waitFor();
    await form.getByLabel("Password").fill(PERSON.password);
    await form.getByRole("button", { name: "Sign in" }).click();
    await page.getByRole("heading", { name: "Overview", level: 1 }).waitFor();
    const [cookie] = await page.context().cookies();
    expect(cookie).toMatchObject({ name: "kamiyo_session", httpOnly: true, sameSite: "Strict" });
    // The page cannot read it, and keeps no key: the cookie alone signs it in.
    expect(await page.evaluate(() => document.cookie)).toBe("");
    expect(await page.evaluate(() => sessionStorage.length)).toBe(0);
    await page.reload({ waitUntil: "load" });
    await page.getByRole("heading", { name: "Overview", level: 1 }).waitFor();
    // The live stream carries the cookie too.
    await page.getByRole("link", { name: "Findings", exact: true }).click();
    await page.getByRole("status").filter({ hasText: "Live" }).waitFor();
    await page.getByRole("button", { name: "Sign out" }).click();
    await page.getByRole("heading", { name: "Sign in" }).waitFor();
    expect(await page.context().cookies()).toEqual([]);
    await page.reload({ waitUntil: "load" });
    await page.getByRole("heading", { name: "Sign in" }).waitFor();
    // The session itself is over, not just forgotten by the browser.
    const replay = await fetch(`${base}/tenants/me`, {
      headers: { cookie: `kamiyo_session=${cookie?.value}` },
    });
    expect(replay.status).toBe(401);

    // The person changes their password on its page; the new one signs in, the old one no more.
    const signIn = async (password: string) => {
      await form.getByLabel("Email").fill(PERSON.email);
      await form.getByLabel("Password").fill(password);
      await form.getByRole("button", { name: "Sign in" }).click();
    };
    await signIn(PERSON.password);
    await page.getByRole("link", { name: "Your password" }).click();
    const change = page.getByRole("form", { name: "Change your password" });
    await change.getByLabel("Current password").fill(PERSON.password);
    await change.getByLabel("New password", { exact: true }).fill(NEW_PASSWORD);
    await change.getByLabel("New password again").fill(NEW_PASSWORD);
    await change.getByRole("button", { name: "Change password" }).click();
    await change.getByRole("status").filter({ hasText: "Password changed." }).waitFor();
    expect(await axeViolations(page)).toEqual([]);
    await page.getByRole("button", { name: "Sign out" }).click();
    await signIn(PERSON.password);
    await form
      .getByRole("alert")
      .filter({ hasText: /not right/ })
      .waitFor();
    await signIn(NEW_PASSWORD);
    // Back at the page it was on when it signed out.
    await page.getByRole("heading", { name: "Your password", level: 1 }).waitFor();
    await page.close();
  });
});
