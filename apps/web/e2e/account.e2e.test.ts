/// <reference lib="dom" />
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { stripeClient, stripeConfig, syncCatalog } from "@kamiyo/billing/stripe";
import { type StripeApiServer, startStripeApiServer } from "@kamiyo/billing/testing";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  axeViolations,
  pageErrors,
  SCREENSHOTS,
  startWebHarness,
  type WebHarness,
} from "./web-harness.ts";

const SK = "sk_test_local";
let stripeApi: StripeApiServer;
let web: WebHarness;
/** The tenant owner's key the browser signs in with, and its id (the audit log's actor). */
let owner = { key: "", id: "" };

/** A call to the API with a key: status and JSON body (null when there is none). */
async function api(key: string, method: string, path: string, body?: unknown) {
  const res = await fetch(`${web.base}${path}`, {
    method,
    headers: {
      "x-api-key": key,
      ...(body === undefined ? {} : { "content-type": "application/json" }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  // biome-ignore lint/suspicious/noExplicitAny: test reads of the API's JSON
  return { status: res.status, body: (text ? JSON.parse(text) : null) as any };
}

beforeAll(async () => {
  // A local server speaking Stripe's API, priced from the catalog, whose webhook reaches kamiyo.
  stripeApi = await startStripeApiServer({ secretKey: SK });
  const stripe = stripeClient({
    ...stripeConfig.parse({ secretKey: SK, apiUrl: stripeApi.url }),
    secretKey: SK,
  });
  await syncCatalog(stripe);
  const endpoint = await stripe.webhookEndpoints.create({
    url: "http://127.0.0.1:9/billing/stripe/webhook",
    enabled_events: ["*"],
  });
  web = await startWebHarness(["--role", "api,deliver"], {
    STRIPE_SECRET_KEY: SK,
    STRIPE_API_URL: stripeApi.url,
    STRIPE_WEBHOOK_SECRET: endpoint.secret as string,
  });
  await stripe.webhookEndpoints.update(endpoint.id, { url: `${web.base}/billing/stripe/webhook` });
  // The first key of a fresh install is made without one (the local start); from then on keys are required.
  const made = await api("", "POST", "/api-keys", { name: "owner", role: "owner" });
  expect(made.status).toBe(201);
  owner = { key: made.body.key, id: made.body.id };
  // The server asks "are there keys yet?" again at most once a second.
  while ((await api("", "GET", "/tenants/me")).status !== 401)
    await new Promise((r) => setTimeout(r, 100));
  expect(
    (await api(owner.key, "POST", "/members", { email: "owner@example.com", role: "owner" }))
      .status,
  ).toBe(201);
}, 90_000);
afterAll(async () => {
  await web?.close();
  await stripeApi?.close();
});

/** A tab signed in through the form with the owner's key, then at `/app{path}`. */
async function signedIn(path: string, page?: Page) {
  const p = page ?? (await web.browser.newPage({ viewport: { width: 1280, height: 900 } }));
  // A step that waits fails on its own, well inside the test's time, naming what it waited for.
  p.setDefaultTimeout(8_000);
  const errors = pageErrors(p);
  await p.goto(`${web.base}/app`, { waitUntil: "load" });
  await p.getByLabel("API key", { exact: true }).fill(owner.key);
  await p.getByRole("button", { name: "Sign in with the key" }).click();
  await p.getByRole("heading", { name: "Overview", level: 1 }).waitFor();
  await p.goto(`${web.base}/app${path}`, { waitUntil: "load" });
  // The API's refusals (401 before sign-in, a 409 the page shows) are logged by the browser too.
  return { page: p, errors: () => errors.filter((e) => !/status of 4\d\d/.test(e)) };
}

describe("the account pages", () => {
  it("API keys: a new key shown once works; rotated, the old one is refused; revoked, refused; the tab's own key is named before revoking", async () => {
    const context = await web.browser.newContext({
      permissions: ["clipboard-read", "clipboard-write"],
    });
    const { page, errors } = await signedIn("/account/keys", await context.newPage());
    await page.locator(`tr[data-key="${owner.id}"]`, { hasText: "(this tab)" }).waitFor();
    expect(await axeViolations(page)).toEqual([]);

    const form = page.getByRole("form", { name: "New key" });
    await form.getByLabel("Name").fill("ci deploys");
    await form.getByLabel("Role").selectOption("member");
    await page.getByRole("button", { name: "Create key" }).click();
    const shown = page.locator(".shown-once [data-secret]");
    await shown.waitFor();
    const first = (await shown.textContent()) ?? "";
    expect(first).toMatch(/^kmy_live_/);
    expect(await page.locator(".shown-once .warning").textContent()).toMatch(
      /shown only this once/,
    );
    await page.getByRole("button", { name: "Copy" }).click();
    await page.getByText("Copied.").waitFor();
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(first);
    await page.screenshot({ path: join(SCREENSHOTS, "account-keys.png"), fullPage: true });
    const me = await api(first, "GET", "/tenants/me");
    expect(me.status).toBe(200);
    expect(me.body.role).toBe("member");
    const id: string = me.body.actor;
    await page.getByRole("button", { name: "I have stored it" }).click();
    await shown.waitFor({ state: "detached" });
    expect(await page.content()).not.toContain(first);

    const row = page.locator(`tr[data-key="${id}"]`);
    await row.getByRole("button", { name: "Rotate" }).click();
    await row.getByRole("button", { name: "Rotate now" }).click();
    await shown.waitFor();
    const second = (await shown.textContent()) ?? "";
    expect(second).toMatch(/^kmy_live_/);
    expect(second).not.toBe(first);
    expect((await api(first, "GET", "/tenants/me")).status).toBe(401);
    const rotated = await api(second, "GET", "/tenants/me");
    expect(rotated.status).toBe(200);
    await row.filter({ hasText: "rotated" }).waitFor();

    const next = page.locator(`tr[data-key="${rotated.body.actor}"]`);
    await next.getByRole("button", { name: "Revoke" }).click();
    await next.getByRole("button", { name: "Revoke for good" }).click();
    await next.filter({ hasText: "revoked" }).waitFor();
    expect((await api(second, "GET", "/tenants/me")).status).toBe(401);

    // The tab's own key: the question says so, and cancelling leaves it working.
    const own = page.locator(`tr[data-key="${owner.id}"]`);
    await own.getByRole("button", { name: "Revoke" }).click();
    expect(await own.locator(".confirm p").textContent()).toMatch(
      /the key this tab is signed in with: revoking it signs you out/,
    );
    await own.getByRole("button", { name: "Revoke and sign out" }).waitFor();
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe("Cancel");
    await page.keyboard.press("Enter");
    await own.getByRole("button", { name: "Revoke" }).waitFor();
    expect((await api(owner.key, "GET", "/tenants/me")).status).toBe(200);
    expect(errors()).toEqual([]);
    await context.close();
  });

  it("members: add by email with a role, change the role, the last owner's refusal shown, remove", async () => {
    const { page, errors } = await signedIn("/account/members");
    await page.locator('tr[data-member="owner@example.com"]').waitFor();
    const form = page.getByRole("form", { name: "Add a member" });
    await form.getByLabel("Email").fill("ana@example.com");
    await form.getByLabel("Role").selectOption("viewer");
    await page.getByRole("button", { name: "Add member" }).click();
    const ana = page.locator('tr[data-member="ana@example.com"]');
    await ana.waitFor();
    await page.getByLabel("Role of ana@example.com").selectOption("admin");
    await ana.getByRole("button", { name: "Change role" }).click();
    await expect
      .poll(
        async () =>
          (await api(owner.key, "GET", "/members")).body.data.map(
            (m: { email: string; role: string }) => [m.email, m.role],
          ),
        { timeout: 10_000 },
      )
      .toEqual([
        ["owner@example.com", "owner"],
        ["ana@example.com", "admin"],
      ]);

    // The API refuses to demote the last owner; the row says why.
    await page.getByLabel("Role of owner@example.com").selectOption("member");
    const ownerRow = page.locator('tr[data-member="owner@example.com"]');
    await ownerRow.getByRole("button", { name: "Change role" }).click();
    await ownerRow.getByRole("alert").filter({ hasText: "last owner" }).waitFor();
    expect(await axeViolations(page)).toEqual([]);
    await page.screenshot({ path: join(SCREENSHOTS, "account-members.png"), fullPage: true });

    await ana.getByRole("button", { name: "Remove" }).click();
    await ana.getByRole("button", { name: "Remove member" }).click();
    await ana.waitFor({ state: "detached" });
    const after = await api(owner.key, "GET", "/members");
    expect(after.body.data.map((m: { email: string }) => m.email)).toEqual(["owner@example.com"]);
    expect(errors()).toEqual([]);
    await page.close();
  });

  it("subscription: checkout at (local) Stripe for a product not paid for, then a prorated plan change, cancellation at period end, and the portal", async () => {
    const { page, errors } = await signedIn("/account/subscription");
    const intel = page.locator('section[data-product="intel"]');
    await intel.getByText("Not subscribed.").waitFor();
    expect(
      await page.locator('section[data-product="platform"] [data-current]').textContent(),
    ).toMatch(/Current plan: Open source/);
    expect(await intel.locator('tr[data-plan="intel_team"]').textContent()).toContain(
      "$149.00 a month",
    );
    expect(await axeViolations(page)).toEqual([]);

    await intel.getByRole("button", { name: "Subscribe to Pro" }).click();
    await page.waitForURL(`${stripeApi.url}/checkout/**`);
    // The customer pays on Stripe's page (here the local server's helper); Stripe's webhook tells kamiyo.
    const session = new URL(page.url()).pathname.split("/").at(-1);
    const paid = await fetch(
      `${stripeApi.url}/v1/test_helpers/checkout/sessions/${session}/complete`,
      {
        method: "POST",
        headers: { authorization: `Bearer ${SK}` },
      },
    );
    expect(paid.status).toBe(200);
    const intelSub = async () =>
      (await api(owner.key, "GET", "/billing/subscription")).body.subscriptions.find(
        (s: { product: string }) => s.product === "intel",
      );
    await expect.poll(async () => (await intelSub())?.plan, { timeout: 10_000 }).toBe("intel_pro");

    await page.goto(`${web.base}/app/account/subscription`, { waitUntil: "load" });
    await intel.getByText(/Current plan: Pro \(trialing, trial until/).waitFor();
    await intel.getByRole("button", { name: "Change to Team" }).click();
    await intel.getByRole("button", { name: "Change plan" }).click();
    await intel.getByText(/Current plan: Team/).waitFor();
    expect(await intelSub()).toMatchObject({ plan: "intel_team", cancelAtPeriodEnd: false });

    await intel.getByRole("button", { name: "Cancel Team" }).click();
    await intel.getByRole("button", { name: "Cancel at period end" }).click();
    await intel.getByText(/Current plan: Team \(trialing, [^)]*, ends /).waitFor();
    expect(await intelSub()).toMatchObject({ plan: "intel_team", cancelAtPeriodEnd: true });
    expect(await axeViolations(page)).toEqual([]);
    await page.screenshot({ path: join(SCREENSHOTS, "account-subscription.png"), fullPage: true });

    await page.getByRole("button", { name: "Manage payment" }).click();
    await page.waitForURL(`${stripeApi.url}/billing_portal/**`);
    expect(errors()).toEqual([]);
    await page.close();
  });

  it("audit log: the mutations above with their actor and action, paged by cursor, and the download holds the same entries", async () => {
    const log = await api(owner.key, "GET", "/audit-log?limit=1000");
    const entries = log.body.data as { id: string; actor: string; action: string }[];
    const mine = entries.filter((e) => e.actor === owner.id).map((e) => e.action);
    for (const action of [
      "api_key.create",
      "api_key.rotate",
      "api_key.revoke",
      "member.add",
      "member.update",
      "member.remove",
      "billing.checkout",
      "billing.change",
      "billing.cancel",
      "billing.portal",
    ])
      expect(mine).toContain(action);
    expect(entries.length).toBeGreaterThan(10);

    const { page, errors } = await signedIn("/account/audit");
    const shown = async () =>
      page
        .locator("tr[data-audit]")
        .evaluateAll((rows) =>
          rows.map((r) => [
            r.getAttribute("data-audit"),
            r.querySelector("[data-actor]")?.getAttribute("data-actor"),
            r.querySelector("code")?.textContent,
          ]),
        );
    await page.locator("tr[data-audit]").first().waitFor();
    // Newest first, the API's entries with their actors and actions (the owner named by its key).
    expect(await shown()).toEqual(entries.map((e) => [e.id, e.actor, e.action]));
    await page
      .locator("td[data-actor]", { hasText: `owner (${owner.id})` })
      .first()
      .waitFor();
    expect(await axeViolations(page)).toEqual([]);
    await page.screenshot({ path: join(SCREENSHOTS, "account-audit.png"), fullPage: true });

    await page.getByLabel("Per page").selectOption("10");
    await page.getByRole("button", { name: "Apply" }).click();
    // Page by page, each the API's next ten entries, until there is no older one.
    const pages = Math.ceil(entries.length / 10);
    expect(pages).toBeGreaterThan(1);
    for (let k = 0; k < pages; k++) {
      if (k > 0) await page.getByRole("button", { name: "Older" }).click();
      await page.getByText(`Page ${k + 1}`, { exact: true }).waitFor();
      await expect
        .poll(async () => (await shown()).map((r) => r[0]), { timeout: 10_000 })
        .toEqual(entries.slice(k * 10, k * 10 + 10).map((e) => e.id));
    }
    expect(await page.getByRole("button", { name: "Older" }).isDisabled()).toBe(true);
    await page.getByRole("button", { name: "Newer" }).click();
    await page.getByText(`Page ${pages - 1}`, { exact: true }).waitFor();

    const download = page.waitForEvent("download");
    await page.getByRole("button", { name: "Download (NDJSON)" }).click();
    const file = await download;
    expect(file.suggestedFilename()).toBe("audit-log.ndjson");
    const lines = readFileSync(await file.path(), "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    // The export also names the tenant on each line; otherwise the list's entries, in its order
    // (the paging above wrote none).
    expect(lines.every((l) => l.tenantId === "ten_default")).toBe(true);
    expect(lines.map(({ tenantId: _, ...rest }) => rest)).toEqual(log.body.data);
    expect(errors()).toEqual([]);
    await page.close();
  });

  it("each account page works at 360 px in the dark theme without horizontal scroll or serious axe violations", async () => {
    const { page, errors } = await signedIn("/account");
    await page.evaluate(() => localStorage.setItem("kamiyo-theme", "dark"));
    await page.setViewportSize({ width: 360, height: 800 });
    // Each page once its content from the API is in.
    for (const [path, heading, ready] of [
      ["/account", "Account", 'tr[data-meter="platform:api_calls"]'],
      ["/account/subscription", "Subscription", 'section[data-product="shield"] tr[data-plan]'],
      ["/account/keys", "API keys", `tr[data-key="${owner.id}"]`],
      ["/account/members", "Members", "tr[data-member]"],
      ["/account/audit", "Audit log", "tr[data-audit]"],
    ] as const) {
      await page.goto(`${web.base}/app${path}`, { waitUntil: "load" });
      await page.getByRole("heading", { level: 1, name: heading }).waitFor();
      await page.locator(ready).first().waitFor();
      expect(await page.evaluate(() => document.documentElement.dataset.theme)).toBe("dark");
      expect(
        await page.evaluate(() => document.documentElement.scrollWidth),
        path,
      ).toBeLessThanOrEqual(360);
      expect(await axeViolations(page), path).toEqual([]);
      const name = path.split("/").at(-1) ?? "account";
      await page.screenshot({
        path: join(SCREENSHOTS, `account-${name}-mobile-dark.png`),
        fullPage: true,
      });
    }
    expect(errors()).toEqual([]);
    await page.close();
  });
});
