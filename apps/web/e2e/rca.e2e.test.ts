import { recordUsage, subscribe } from "@kamiyo/billing";
import { type Db, DEFAULT_TENANT_ID, migrate, tenantDb } from "@kamiyo/db";
import { applyWatchBatch, recordEvents, replaceCallEdges } from "@kamiyo/rca";
import { rcaMigrations } from "@kamiyo/rca/module";
import { clusterWatch, faultsWatch } from "@kamiyo/rca/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { lookAt, pageErrors, startWebHarness, type WebHarness } from "./web-harness.ts";

const MIN = 60_000;
/** When the fixture's faults were reported (`faults-watch.json`); moved to 5 minutes ago. */
const FAULTS_AT = Date.parse("2024-11-19T19:10:00Z");
const POD = "pod/shop/cart-7d9f8b6c5-x2k4p";
const CONFIG_MAPS = 110;

/** Every time in `value` moved by `by` ms, so the fixture's cluster happened just now. */
function shifted<T>(value: T, by: number): T {
  return JSON.parse(
    JSON.stringify(value).replace(/"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?Z)"/g, (_, iso) =>
      JSON.stringify(new Date(Date.parse(iso) + by).toISOString()),
    ),
  );
}

/**
 * The default tenant's cluster, written through the product's own write path before the server
 * starts: the fixture's namespace (its OOMKill, ImagePullBackOff and NotReady node 5–13 minutes
 * ago), 110 ConfigMaps more (so the list has a second page), call edges frontend → checkout →
 * cart → redis, and the metric anomalies an agent would have sent: the OOM-killed pod's memory,
 * then checkout's and frontend's latency. Then an rca_basic plan and usage past its daily events.
 */
async function seed(db: Db): Promise<void> {
  await migrate(db, [rcaMigrations]);
  const t = tenantDb(db, DEFAULT_TENANT_ID);
  const now = Date.now();
  seededAt = now;
  const by = now - 5 * MIN - FAULTS_AT;
  await applyWatchBatch(t, shifted(clusterWatch(), by), new Date(now - 15 * MIN));
  const configMaps = Array.from({ length: CONFIG_MAPS }, (_, i) => ({
    type: "ADDED",
    object: {
      kind: "ConfigMap",
      metadata: {
        name: `settings-${String(i).padStart(3, "0")}`,
        namespace: "config",
        uid: `cm-${i}`,
        resourceVersion: "1",
      },
    },
  }));
  await applyWatchBatch(t, configMaps, new Date(now - 15 * MIN));
  await applyWatchBatch(t, shifted(faultsWatch(), by), new Date(now - 5 * MIN));
  await replaceCallEdges(
    t,
    "traces",
    [
      { namespace: "shop", source: "frontend", target: "checkout" },
      { namespace: "shop", source: "checkout", target: "cart" },
      { namespace: "shop", source: "cart", target: "redis" },
    ],
    new Date(now - 30 * MIN),
  );
  const anomaly = (
    resourceId: string,
    metric: string,
    signal: string,
    value: number,
    median: number,
    minutesAgo: number,
  ) => ({
    dedupKey: `e2e|${resourceId}|${metric}|${minutesAgo}`,
    resourceId,
    kind: "metric_anomaly" as const,
    reason: "MetricAnomaly",
    severity: "warning" as const,
    message: `${metric} at ${value} (baseline ${median})`,
    data: { metric, signal, unit: "", value, baseline: { median, scale: 5, n: 120 } },
    occurredAt: new Date(now - minutesAgo * MIN).toISOString(),
  });
  await recordEvents(
    t,
    [
      anomaly(POD, "container_memory_working_set_mebibytes", "memory", 250, 120, 8),
      anomaly(POD, "container_memory_working_set_mebibytes", "memory", 255, 120, 7),
      anomaly("service/shop/checkout", "latency_p90_ms", "latency", 160, 100, 7),
      anomaly("service/shop/frontend", "latency_p90_ms", "latency", 130, 100, 7),
    ],
    new Date(now),
  );
  await subscribe(db, { tenantId: DEFAULT_TENANT_ID, planId: "rca_basic", nowMs: now });
  const use = (meter: "events_ingested" | "storage_bytes", value: number) => ({
    tenantId: DEFAULT_TENANT_ID,
    product: "rca" as const,
    meter,
    value,
    // Now: the billing period starts when the default tenant was made (the database's making).
    eventAt: now,
    idempotencyKey: `e2e-${meter}`,
  });
  await recordUsage(db, [use("events_ingested", 120_000), use("storage_bytes", 2.5e9)], now);
}

/** When the seed recorded its usage: a day's meter counts it only on that UTC day. */
let seededAt = 0;
const utcDay = (ms: number) => new Date(ms).toISOString().slice(0, 10);

let web: WebHarness;
beforeAll(async () => {
  web = await startWebHarness(["--role", "api,deliver"], {}, seed);
}, 90_000);
afterAll(async () => web?.close());

// biome-ignore lint/suspicious/noExplicitAny: API answers read freely by the test
const api = async (path: string): Promise<any> => {
  const res = await fetch(`${web.base}${path}`);
  expect(res.status, path).toBe(200);
  return res.json();
};
const lastHour = () =>
  new URLSearchParams({
    from: new Date(Date.now() - 60 * MIN).toISOString(),
    to: new Date().toISOString(),
  });

describe("the dashboard's RCA pages", () => {
  it("overview and incidents: what is wrong now, as the API has it; Analyse draws the causal path", async () => {
    const page = await web.browser.newPage({ viewport: { width: 1280, height: 900 } });
    const errors = pageErrors(page);
    await page.goto(`${web.base}/app`, { waitUntil: "load" });
    const incidents = (await api(`/rca/incidents?${lastHour()}`)).data as {
      resource: string;
      severity: string;
    }[];
    const critical = incidents.filter((i) => i.severity === "critical").length;
    expect(critical).toBe(3); // the OOM-killed pod, the one in ImagePullBackOff, the node
    await page.locator(`[data-figure="critical"]`, { hasText: String(critical) }).waitFor();
    expect(await page.locator(`[data-figure="warning"]`).textContent()).toBe(
      String(incidents.length - critical),
    );
    // The resources come from their own request: wait for them as for the incidents.
    await page
      .locator(`[data-figure="resources"]`, { hasText: String(21 + CONFIG_MAPS) })
      .waitFor();
    expect(await page.locator(`[data-figure="resources"]`).textContent()).toBe(
      String(21 + CONFIG_MAPS),
    );
    await lookAt(page, "rca-overview");

    await page.getByRole("link", { name: "Incidents" }).first().click();
    await page.locator("tr[data-incident]").first().waitFor();
    const rows = await page
      .locator("tr[data-incident]")
      .evaluateAll((trs) => trs.map((tr) => tr.getAttribute("data-incident")));
    expect(rows).toEqual(incidents.map((i) => i.resource));
    expect(await page.locator(`tr[data-incident="${POD}"]`).textContent()).toContain("OOMKilled");
    await lookAt(page, "rca-incidents");

    // Analyse the symptom where it shows: the frontend's latency.
    await page.getByRole("button", { name: "Analyse service/shop/frontend" }).click();
    await page.waitForURL(/\/app\/rca\/analyses\/rca_/);
    const id = page.url().split("/").at(-1) as string;
    const analysis = await api(`/rca/analyses/${id}`);
    expect(analysis.symptom.service).toBe("frontend");
    const [top] = analysis.candidates;
    // The OOMKilled pod's workload, and how the fault reached the frontend.
    const DEPLOY = "deployment/shop/cart";
    const RS = "replicaset/shop/cart-7d9f8b6c5";
    expect(top).toMatchObject({
      service: "cart",
      resource: DEPLOY,
      faultType: "memory",
      path: ["cart", "checkout", "frontend"],
      causalPath: [
        DEPLOY,
        RS,
        POD,
        "service/shop/cart",
        "service/shop/checkout",
        "service/shop/frontend",
      ],
    });
    const cards = page.locator("[data-candidate]");
    await cards.first().waitFor();
    expect(await cards.evaluateAll((s) => s.map((x) => x.getAttribute("data-candidate")))).toEqual(
      analysis.candidates.map((c: { service: string }) => c.service),
    );
    const first = cards.first();
    expect(await first.getByRole("heading", { level: 2 }).textContent()).toBe("1. cart");
    // The drawing: the workload, its pod, then each service up to the symptom's, in words too.
    const drawing = first.getByRole("img", { name: /^Causal path: / });
    expect(await drawing.getAttribute("aria-label")).toBe(
      `Causal path: ${DEPLOY} (the candidate cause: memory fault), controls ${RS} (on the path), controls ${POD} (on the path), selected by service/shop/cart (on the path), called by service/shop/checkout (on the path), called by service/shop/frontend (where the symptom shows)`,
    );
    expect(await drawing.locator(".cp-node").count()).toBe(6);
    expect(await drawing.locator(".cp-edge").count()).toBe(5);
    expect(await drawing.locator(".cp-cause .cp-label").textContent()).toBe(DEPLOY);
    expect(await drawing.locator(".cp-symptom .cp-label").textContent()).toBe(
      "service/shop/frontend",
    );
    await first.getByText("The path in words").click();
    expect(await first.locator(".cp-list li").allTextContents()).toEqual([
      `${DEPLOY} (the candidate cause: memory fault)`,
      `controls ${RS} (on the path)`,
      `controls ${POD} (on the path)`,
      "selected by service/shop/cart (on the path)",
      "called by service/shop/checkout (on the path)",
      "called by service/shop/frontend (where the symptom shows)",
    ]);
    expect(await first.locator(".rca-evidence tbody tr").count()).toBe(top.evidence.length);
    expect(await first.locator(".rca-evidence tbody tr").first().textContent()).toContain(
      "container_memory_working_set_mebibytes",
    );
    // Its events in the window: the memory anomalies on its pod.
    await first.locator('.rca-events tr[data-event="MetricAnomaly"]').first().waitFor();
    await lookAt(page, "rca-analysis");
    expect(errors).toEqual([]);
  });

  it("root causes: the list as the API pages it, and a question asked from the form", async () => {
    const page = await web.browser.newPage({ viewport: { width: 1280, height: 900 } });
    const errors = pageErrors(page);
    await page.goto(`${web.base}/app/rca/analyses`, { waitUntil: "load" });
    const listed = (await api("/rca/analyses")).data as { id: string }[];
    expect(listed.length).toBeGreaterThan(0);
    await page.locator("tr[data-analysis]").first().waitFor();
    expect(
      await page
        .locator("tr[data-analysis]")
        .evaluateAll((trs) => trs.map((t) => t.getAttribute("data-analysis"))),
    ).toEqual(listed.map((a) => a.id));
    await lookAt(page, "rca-analyses");
    const form = page.getByRole("form", { name: "Ask for a root cause" });
    const utcInput = (ms: number) => new Date(ms).toISOString().slice(0, 16);
    await form.getByLabel("From (UTC)").fill(utcInput(Date.now() - 12 * MIN));
    await form.getByLabel("To (UTC)").fill(utcInput(Date.now() - 6 * MIN));
    await form.getByLabel("Service (optional)").fill("frontend");
    await form.getByRole("button", { name: "Analyse" }).click();
    await page.waitForURL(/\/app\/rca\/analyses\/rca_/);
    const made = await api(`/rca/analyses/${page.url().split("/").at(-1)}`);
    expect(made.symptom.service).toBe("frontend");
    await page.locator(`[data-candidate="${made.candidates[0].service}"]`).waitFor();
    expect((await api("/rca/analyses")).data[0].id).toBe(made.id);
    expect(errors).toEqual([]);
  });

  it("resources: filtered and paged as the API does; a resource's neighbourhood and events", async () => {
    const page = await web.browser.newPage({ viewport: { width: 1280, height: 900 } });
    const errors = pageErrors(page);
    await page.goto(`${web.base}/app/rca/resources`, { waitUntil: "load" });
    const rows = page.locator("tr[data-resource]");
    const ids = () => rows.evaluateAll((trs) => trs.map((t) => t.getAttribute("data-resource")));
    await rows.nth(99).waitFor();
    expect(await rows.count()).toBe(100);
    await page.getByRole("button", { name: "More" }).click();
    await rows.nth(100).waitFor();
    const first = await api("/rca/resources?limit=100");
    const second = await api(`/rca/resources?limit=100&cursor=${first.nextCursor}`);
    expect(await ids()).toEqual([...first.data, ...second.data].map((r: { id: string }) => r.id));
    expect(await ids()).toHaveLength(21 + CONFIG_MAPS);
    await page.getByLabel("Kind").selectOption("pod");
    await page.getByLabel("Namespace").fill("shop");
    await page.getByRole("button", { name: "Apply" }).click();
    await page.getByRole("button", { name: "More" }).waitFor({ state: "detached" });
    await rows.first().waitFor();
    const pods = (await api("/rca/resources?kind=pod&namespace=shop")).data;
    await page.waitForFunction(
      (n) => document.querySelectorAll("tr[data-resource]").length === n,
      pods.length,
    );
    expect(await ids()).toEqual(pods.map((r: { id: string }) => r.id));
    expect(await page.locator(`tr[data-resource="${POD}"]`).textContent()).toContain(
      "CrashLoopBackOff",
    );
    await lookAt(page, "rca-resources");

    await page.getByRole("link", { name: "cart-7d9f8b6c5-x2k4p" }).click();
    await page.getByRole("heading", { level: 1, name: POD }).waitFor();
    const n = await api(`/rca/neighbourhood?resource=${POD}&hops=1`);
    const types = [...new Set(n.relations.map((r: { type: string }) => r.type))];
    await page.locator("[data-relation]").first().waitFor();
    expect(
      await page
        .locator("[data-relation]")
        .evaluateAll((s) => s.map((x) => x.getAttribute("data-relation"))),
    ).toEqual(types);
    expect(types).toEqual(expect.arrayContaining(["CONTROLS", "RUNS_ON", "SELECTS"]));
    await page.locator('tr[data-event="OOMKilled"]').waitFor();
    await page.locator('tr[data-event="MetricAnomaly"]').first().waitFor();
    await lookAt(page, "rca-resource");
    // A neighbour's link opens its own page.
    await page
      .locator('[data-relation="CONTROLS"]')
      .getByRole("link", { name: "replicaset/shop/cart-7d9f8b6c5" })
      .click();
    await page.getByRole("heading", { level: 1, name: "replicaset/shop/cart-7d9f8b6c5" }).waitFor();
    expect(errors).toEqual([]);
  });

  it("usage and bill: the RCA meters against rca_basic's quotas, and the server's estimate", async () => {
    const page = await web.browser.newPage({ viewport: { width: 1280, height: 900 } });
    const errors = pageErrors(page);
    const openedOn = utcDay(Date.now());
    await page.goto(`${web.base}/app/rca/usage`, { waitUntil: "load" });
    const total = page.locator("[data-total]");
    await total.waitFor();
    const bill = await api("/invoices/upcoming?product=rca");
    // rca_basic's $99 and 20,000 events past 100,000 a day at $0.10 per 1,000.
    expect(bill.totalCents).toBe(9_900 + 200);
    expect(await total.getAttribute("data-total")).toBe(String(bill.totalCents));
    expect(await total.textContent()).toBe("$101.00");
    expect(await page.locator("tr[data-line]").count()).toBe(bill.lines.length);
    const events = await page.locator('tr[data-meter="events_ingested"]').textContent();
    // Events are a day's quota: after a UTC midnight between the seed and this read, today's
    // count is rightly 0 (the bill above still holds the seeded day's overage).
    const days = new Set([utcDay(seededAt), openedOn, utcDay(Date.now())]);
    if (days.size === 1) expect(events).toContain("120,000");
    else if (openedOn !== utcDay(seededAt)) expect(events).toContain("Events ingested today0");
    expect(events).toContain("100,000 a day");
    expect(await page.locator('tr[data-meter="storage_bytes"]').textContent()).toContain("2.5 GB");
    await page.locator('[data-plan="rca_basic"]').waitFor();
    await lookAt(page, "rca-usage");
    expect(errors).toEqual([]);
  });
});
