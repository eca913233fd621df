import { type Db, DEFAULT_TENANT_ID, migrate, tenantDb } from "@kamiyo/db";
import {
  appendAuditRecords,
  billPeriod,
  checkBid,
  createCampaign,
  createClient,
  type Decision,
  parseOutcomePeriod,
  putBillingTerms,
  recordOutcomes,
  savePolicy,
  shieldMigrations,
} from "@kamiyo/shield";
import { type LocalGraphApi, startLocalGraphApi } from "@kamiyo/shield/testing";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { lookAt, pageErrors, startWebHarness, type WebHarness } from "./web-harness.ts";

const M = 1_000_000;
const CLIENT = "acme";

/**
 * The default tenant's Shield, written through the product's own code paths before the server
 * starts: a policy (bids up to $1,000), a client with two monthly campaigns (Spring sale, $2,000;
 * Brand search, $100), four bids checked by the policy check (three allowed, the last denied: over
 * Brand search's budget), the ad platform's accepted bids of the allowed ones ($1,000 in all),
 * outcomes worth $4,470, and this month's outcome invoice at a 3.0 baseline ROAS (the seed's
 * example: 15 % of $4,470 − 3.0 × $1,000 = $220.50).
 */
async function seed(db: Db): Promise<void> {
  await migrate(db, [shieldMigrations]);
  const tenant = DEFAULT_TENANT_ID;
  const now = Date.now();
  await savePolicy(db, tenant, { maxBidMicros: 1_000 * M }, { createdBy: "e2e", nowMs: now });
  await createClient(db, tenant, { id: CLIENT, name: "Acme Outdoor" }, now);
  const campaign = (id: string, name: string, budgetMicros: number) =>
    createCampaign(db, tenant, { id, clientId: CLIENT, name, budgetMicros, period: "month" }, now);
  await campaign("spring", "Spring sale", 2_000 * M);
  await campaign("brand", "Brand search", 100 * M);
  const bids: [string, number][] = [
    ["spring", 400 * M],
    ["spring", 520 * M],
    ["brand", 80 * M],
    ["brand", 50 * M], // $130 of Brand search's $100: denied
  ];
  const decisions: Decision[] = [];
  for (const [campaignId, bidMicros] of bids)
    decisions.push(
      await checkBid(
        db,
        tenant,
        {
          clientId: CLIENT,
          campaignId,
          bidMicros,
          predictedLtvMicros: 5 * bidMicros,
        },
        { now: () => now },
      ),
    );
  const t = tenantDb(db, tenant);
  await t.transaction(async (tx) => {
    // As SyncFlow's bidder appends them once the ad platform accepted a bid.
    await appendAuditRecords(
      tx,
      decisions
        .filter((d) => d.verdict === "allow")
        .map((d, i) => ({
          kind: "bid",
          at: now,
          body: {
            decisionId: d.decisionId,
            clientId: d.clientId,
            campaignId: d.campaignId,
            platform: "google_ads",
            externalId: `customers/1234567890/campaignBudgets/${i + 1}`,
            spendMicros: d.bidMicros,
          },
        })),
    );
    const at = new Date(now).toISOString();
    await recordOutcomes(tx, [
      {
        outcomeId: "out-1",
        clientId: CLIENT,
        campaignId: "spring",
        customerId: "cus-1",
        ltvMicros: 2_970 * M,
        occurredAt: at,
      },
      {
        outcomeId: "out-2",
        clientId: CLIENT,
        campaignId: "brand",
        customerId: "cus-2",
        ltvMicros: 1_500 * M,
        occurredAt: at,
      },
    ]);
  });
  await putBillingTerms(t, CLIENT, { baselineRoasBps: 30_000 }, now);
  // Everything at `now`, so all of it falls in the month billed.
  const month = new Date(now).toISOString().slice(0, 7);
  // No payment provider: the invoice is made and stored, nothing is charged.
  await billPeriod(
    { db, now: () => now, payments: {}, crms: {} },
    tenant,
    parseOutcomePeriod(month),
  );
}

const META_TOKEN = "EAAB-dashboard-system-user-4321";
let web: WebHarness;
let graph: LocalGraphApi;
beforeAll(async () => {
  // A local Graph API, which knows one system user's token (the Ad platforms page connects it).
  graph = await startLocalGraphApi({ accessToken: META_TOKEN });
  web = await startWebHarness(
    ["--role", "api,deliver"],
    { SHIELD_META_GRAPH_URL: graph.url },
    seed,
  );
}, 90_000);
afterAll(async () => {
  await web?.close();
  await graph?.close();
});

// biome-ignore lint/suspicious/noExplicitAny: API answers read freely by the test
const api = async (path: string): Promise<any> => {
  const res = await fetch(`${web.base}${path}`);
  expect(res.status, path).toBe(200);
  return res.json();
};
const attrs = (page: Page, selector: string, name: string) =>
  page.locator(selector).evaluateAll((es, n) => es.map((e) => e.getAttribute(n)), name);

describe("the dashboard's Shield pages", () => {
  it("campaigns: budgets, spend and burn as the API has them; a kill switch stops the bids", async () => {
    const page = await web.browser.newPage({ viewport: { width: 1280, height: 900 } });
    const errors = pageErrors(page);
    await page.goto(`${web.base}/app/shield/campaigns`, { waitUntil: "load" });
    const campaigns = (await api("/shield/campaigns")).data;
    expect(campaigns.map((c: { id: string }) => c.id)).toEqual(["brand", "spring"]);
    await page.locator("tr[data-campaign]").first().waitFor();
    expect(await attrs(page, "tr[data-campaign]", "data-campaign")).toEqual(["brand", "spring"]);
    const expected = {
      brand: { budget: "$100.00", spent: "$80.00", burn: "80.0 %" },
      spring: { budget: "$2,000.00", spent: "$920.00", burn: "46.0 %" },
    } as const;
    for (const c of campaigns as { id: "brand" | "spring"; name: string }[]) {
      const row = page.locator(`tr[data-campaign="${c.id}"]`);
      const cells = await row.locator("td").allTextContents();
      expect(cells[2]).toBe(expected[c.id].budget);
      expect(cells[3]).toBe(expected[c.id].spent);
      expect(await row.locator("meter").getAttribute("aria-label")).toBe(
        `${c.name}: ${expected[c.id].burn} of the budget spent`,
      );
      expect(await row.getAttribute("data-killed")).toBe("false");
    }
    await lookAt(page, "shield-campaigns");

    await page.getByRole("button", { name: "Stop bids of Spring sale" }).click();
    await page.getByRole("button", { name: "Resume bids of Spring sale" }).waitFor();
    // The table stays while it is read again: the button turned keeps the focus.
    expect(await page.evaluate(() => document.activeElement?.getAttribute("aria-label"))).toBe(
      "Resume bids of Spring sale",
    );
    const spring = (await api("/shield/campaigns")).data.find(
      (c: { id: string }) => c.id === "spring",
    );
    expect(spring).toMatchObject({ killed: true, killReason: "stopped from the dashboard" });
    const row = page.locator('tr[data-campaign="spring"]');
    expect(await row.getAttribute("data-killed")).toBe("true");
    expect(await row.locator(".shield-killed").textContent()).toBe(
      "Stopped: stopped from the dashboard",
    );
    expect(await row.getByRole("button").textContent()).toBe("Resume bids");
    // Brand search's switch is its own.
    await page.getByRole("button", { name: "Stop bids of Brand search" }).waitFor();
    expect(errors).toEqual([]);
  });

  it("decisions: newest first as the API lists them, the denial's reason, the verdict filter", async () => {
    const page = await web.browser.newPage({ viewport: { width: 1280, height: 900 } });
    const errors = pageErrors(page);
    await page.goto(`${web.base}/app/shield/decisions`, { waitUntil: "load" });
    const all = (await api("/shield/decisions")).data;
    expect(all.map((d: { verdict: string }) => d.verdict)).toEqual([
      "deny",
      "allow",
      "allow",
      "allow",
    ]);
    await page.locator("tr[data-decision]").first().waitFor();
    expect(await attrs(page, "tr[data-decision]", "data-decision")).toEqual(
      all.map((d: { decisionId: string }) => d.decisionId),
    );
    const [denied] = all;
    expect(denied.reasons.map((r: { code: string }) => r.code)).toEqual(["budget_exceeded"]);
    const reason = page.locator(
      `tr[data-decision="${denied.decisionId}"] [data-reason="budget_exceeded"]`,
    );
    expect(await reason.textContent()).toBe(denied.reasons[0].message);
    await lookAt(page, "shield-decisions");

    await page.getByLabel("Denied").check();
    await page.waitForFunction(() => document.querySelectorAll("tr[data-decision]").length === 1);
    const deny = (await api("/shield/decisions?verdict=deny")).data;
    expect(await attrs(page, "tr[data-decision]", "data-decision")).toEqual(
      deny.map((d: { decisionId: string }) => d.decisionId),
    );
    expect(await attrs(page, "tr[data-decision]", "data-verdict")).toEqual(["deny"]);
    expect(errors).toEqual([]);
  });

  it("audit trail: the records newest first; Verify the chain counts what the API verifies", async () => {
    const page = await web.browser.newPage({ viewport: { width: 1280, height: 900 } });
    const errors = pageErrors(page);
    await page.goto(`${web.base}/app/shield/audit`, { waitUntil: "load" });
    const records = (await api("/shield/audit/records?limit=50")).data as {
      seq: number;
      kind: string;
    }[];
    await page.locator("tr[data-seq]").first().waitFor();
    expect(await attrs(page, "tr[data-seq]", "data-seq")).toEqual(
      records.map((r) => String(r.seq)),
    );
    // Four decisions, three accepted bids, two outcomes.
    expect(records.map((r) => r.kind).sort()).toEqual(
      [...Array(4).fill("decision"), ...Array(3).fill("bid"), "outcome", "outcome"].sort(),
    );
    await page.getByRole("button", { name: "Verify the chain" }).click();
    const status = page.locator("[data-verification]");
    await status.waitFor();
    const res = await fetch(`${web.base}/shield/audit/verifications`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: "{}",
    });
    const verified = await res.json();
    expect(verified).toMatchObject({ ok: true, records: records.length });
    expect(await status.getAttribute("data-verification")).toBe("intact");
    expect(await status.textContent()).toMatch(
      new RegExp(`^Intact: ${verified.records} records, head #${verified.head.seq} `),
    );
    await lookAt(page, "shield-audit");
    expect(errors).toEqual([]);
  });

  it("invoices: this month's outcome invoice, $220.50 at 4.47× against a 3.00× baseline", async () => {
    const page = await web.browser.newPage({ viewport: { width: 1280, height: 900 } });
    const errors = pageErrors(page);
    await page.goto(`${web.base}/app/shield/invoices`, { waitUntil: "load" });
    const [invoice, ...others] = (await api("/shield/invoices")).data;
    expect(others).toEqual([]);
    expect(invoice).toMatchObject({
      clientId: CLIENT,
      spendMicros: String(1_000 * M),
      ltvMicros: String(4_470 * M),
      roasBps: 44_700,
      baselineRoasBps: 30_000,
      earningsCents: 22_050,
    });
    const row = page.locator(`tr[data-invoice="${invoice.id}"]`);
    await row.waitFor();
    expect(await row.locator("td").allTextContents()).toEqual([
      CLIENT,
      "$1,000.00",
      "$4,470.00",
      "4.47×",
      "3.00×",
      "$1,470.00",
      "15 %",
      "$220.50",
      "–",
      "$220.50",
      `#${invoice.audit.firstSeq}–#${invoice.audit.lastSeq}`,
    ]);
    await lookAt(page, "shield-invoices");
    expect(errors).toEqual([]);
  });

  it("ad platforms: a token is checked with the platform, stored, shown only by its last characters, and removed", async () => {
    const page = await web.browser.newPage({ viewport: { width: 1280, height: 900 } });
    const all = pageErrors(page);
    const errors = () => all.filter((e) => !/status of 4\d\d/.test(e));
    await page.goto(`${web.base}/app/shield/platforms`, { waitUntil: "load" });
    const meta = page.locator('article[data-platform="meta"]');
    await meta.locator('[data-field="status"]').waitFor();
    expect(await meta.locator('[data-field="status"]').textContent()).toBe("Not connected");
    // No Google Ads developer token on this server: nothing to connect there.
    expect(
      await page.locator('article[data-platform="google_ads"] [data-field="status"]').textContent(),
    ).toBe("Not available on this server");
    await lookAt(page, "shield-platforms");

    // A token Meta does not know is refused with its reason, and nothing is stored.
    const field = page.getByLabel("System user access token");
    await field.fill("EAAB-not-a-token-anyone-knows-00");
    await page.getByRole("button", { name: "Connect Meta", exact: true }).click();
    await meta.getByRole("alert").waitFor();
    expect(await meta.getByRole("alert").textContent()).toContain("Invalid OAuth access token");
    expect((await api("/shield/platforms")).data[1]).toMatchObject({ connected: false });

    await field.fill(META_TOKEN);
    await page.getByRole("button", { name: "Connect Meta", exact: true }).click();
    await meta.getByRole("button", { name: "Disconnect Meta" }).waitFor();
    expect(await meta.locator('[data-field="identity"]').textContent()).toBe(
      "SyncFlow (100000000000001)",
    );
    expect(await meta.locator('[data-field="hint"]').textContent()).toBe("…4321");
    expect(await page.content()).not.toContain(META_TOKEN);
    expect((await api("/shield/platforms")).data[1]).toMatchObject({
      connected: true,
      source: "tenant",
      hint: "4321",
    });

    // Disconnecting asks first, as every removal on the dashboard does.
    await meta.getByRole("button", { name: "Disconnect Meta" }).click();
    await meta.getByRole("button", { name: "Yes, disconnect" }).click();
    await meta.getByRole("button", { name: "Connect Meta", exact: true }).waitFor();
    expect(await meta.locator('[data-field="status"]').textContent()).toBe("Not connected");
    expect(errors()).toEqual([]);
  });
});
