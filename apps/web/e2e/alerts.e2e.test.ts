/// <reference lib="dom" />
import { createHmac } from "node:crypto";
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { lookAt, pageErrors, startWebHarness, type WebHarness } from "./web-harness.ts";

/** A local webhook receiver: answers `status` and keeps what it received. */
interface Receiver {
  url: string;
  status: number;
  received: { headers: IncomingHttpHeaders; body: string }[];
}

let web: WebHarness;
let server: Server;
const receiver: Receiver = { url: "", status: 204, received: [] };

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = "";
    req.on("data", (c: Buffer) => {
      body += c.toString();
    });
    req.on("end", () => {
      receiver.received.push({ headers: req.headers, body });
      res.writeHead(receiver.status).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  receiver.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  web = await startWebHarness(["--role", "api,deliver"], {
    API_WEBHOOKS_ALLOW_LOOPBACK_HTTP: "true",
    // One retry a second later: a delivery answered 500 twice is exhausted within seconds.
    ALERTS_RETRY_SCHEDULE_MS: "1000",
    ALERTS_TIMEOUT_MS: "3000",
    API_WEBHOOK_MUTATIONS_PER_MINUTE: "1000",
  });
}, 90_000);
afterAll(async () => {
  await web?.close();
  server?.close();
});

// biome-ignore lint/suspicious/noExplicitAny: API answers read freely by the test
const api = async (path: string): Promise<any> => (await fetch(`${web.base}${path}`)).json();

/** Standard Webhooks: base64 HMAC-SHA256 of `id.timestamp.body` with the secret's key bytes. */
function signature(secret: string, headers: IncomingHttpHeaders, body: string): string {
  const key = Buffer.from(secret.replace(/^whsec_/, ""), "base64");
  const signed = `${headers["webhook-id"]}.${headers["webhook-timestamp"]}.${body}`;
  return `v1,${createHmac("sha256", key).update(signed).digest("base64")}`;
}

describe("the dashboard's alert pages", () => {
  it("webhooks: a failed delivery replayed, an edit that persists, a rotated secret signing the next delivery", async () => {
    const page = await web.browser.newPage({ viewport: { width: 1280, height: 900 } });
    const errors = pageErrors(page);
    await page.goto(`${web.base}/app/webhooks`, { waitUntil: "load" });
    await page.getByText("No endpoints yet.").waitFor();
    await page.getByLabel("Endpoint URL").fill(receiver.url);
    await page.getByRole("button", { name: "Add endpoint" }).click();
    const firstSecret = (await page.locator(".secret code").textContent()) ?? "";
    expect(firstSecret).toMatch(/^whsec_/);
    const row = page.locator("tr[data-webhook]");
    const id = (await row.getAttribute("data-webhook")) ?? "";

    // Answered 500 twice (the first attempt and the one retry), the test delivery is exhausted;
    // replayed once the receiver is back, it is delivered on a third attempt.
    receiver.status = 500;
    await page.getByRole("button", { name: "Send a test event" }).click();
    const delivery = page.locator("[data-delivery]");
    await page.locator('[data-delivery][data-status="exhausted"]').waitFor({ timeout: 10_000 });
    expect(await delivery.locator("li").allTextContents()).toEqual([
      expect.stringMatching(/^attempt 1: failed, HTTP 500/),
      expect.stringMatching(/^attempt 2: failed, HTTP 500/),
    ]);
    // The endpoint's state follows its attempts while the log is open.
    await row.getByText(/^failing since /).waitFor();
    receiver.status = 204;
    const before = receiver.received.length;
    await page.getByRole("button", { name: "Replay" }).click();
    await page.locator('[data-delivery][data-status="delivered"]').waitFor({ timeout: 10_000 });
    expect(await delivery.locator("li").nth(2).textContent()).toMatch(/^attempt 3: ok, HTTP 204/);
    expect(receiver.received.length).toBe(before + 1);
    await row.getByText(/^failing since /).waitFor({ state: "detached" });
    const log = await api(`/webhooks/${id}/deliveries`);
    expect(log.data).toHaveLength(1);
    expect(log.data[0]).toMatchObject({ status: "delivered" });
    expect(log.data[0].attempts.map((a: { ok: boolean }) => a.ok)).toEqual([false, false, true]);

    // Edit: every field the API takes; a reload shows it, and so does GET /webhooks/{id}.
    await page.getByRole("button", { name: "Edit" }).click();
    const edit = page.getByRole("form", { name: /^Edit / });
    await edit.getByLabel("Name").fill("Ops receiver");
    await edit.getByLabel("Description").fill("Pages the on-call engineer");
    await edit.getByLabel("Minimum severity").selectOption("high");
    await edit.getByLabel("Detectors").fill("oracle, liquidations");
    await edit.getByLabel(/^Enabled/).uncheck();
    await lookAt(page, "alerts-webhook-edit");
    await edit.getByRole("button", { name: "Save changes" }).click();
    await edit.waitFor({ state: "detached" });
    await page.reload({ waitUntil: "load" });
    await row.getByText("Ops receiver").waitFor();
    expect(await row.textContent()).toContain("high or worse; detectors oracle, liquidations");
    expect(await row.textContent()).toContain("disabled: disabled through the API");
    expect(await api(`/webhooks/${id}`)).toMatchObject({
      name: "Ops receiver",
      description: "Pages the on-call engineer",
      filter: { minSeverity: "high", detectors: ["oracle", "liquidations"] },
      enabled: false,
      url: receiver.url,
    });
    // A disabled endpoint gets no test: the API's refusal is shown.
    await page.getByRole("button", { name: "Send a test event" }).click();
    expect(await page.getByRole("alert").textContent()).toMatch(/is disabled/);
    await page.getByRole("button", { name: "Edit" }).click();
    await edit.getByLabel(/^Enabled/).check();
    await edit.getByRole("button", { name: "Save changes" }).click();
    await row.getByText("enabled", { exact: true }).waitFor();
    expect((await api(`/webhooks/${id}`)).enabled).toBe(true);

    // Rotate: a new secret, shown once; the previous one signs too until the overlap ends.
    await page.getByRole("button", { name: "Rotate secret" }).click();
    await page.getByRole("form", { name: /^Rotate the secret/ }).waitFor();
    await page.getByRole("button", { name: "Rotate secret" }).last().click();
    await page.getByText("New signing secret of Ops receiver").waitFor();
    const secret = (await page.locator(".secret code").textContent()) ?? "";
    expect(secret).toMatch(/^whsec_/);
    expect(secret).not.toBe(firstSecret);
    const rotated = await api(`/webhooks/${id}`);
    expect(secret.startsWith(rotated.secretPrefix.replace("…", ""))).toBe(true);
    expect(await page.locator(".secret").textContent()).toContain(
      `The previous secret also signs deliveries until ${rotated.previousSecretExpiresAt.replace("T", " ").slice(0, 16)} UTC`,
    );
    receiver.received.length = 0;
    await page.getByRole("button", { name: "Send a test event" }).click();
    await expect.poll(() => receiver.received.length, { timeout: 10_000 }).toBe(1);
    const got = receiver.received[0] as Receiver["received"][number];
    const signatures = String(got.headers["webhook-signature"]).split(" ");
    expect(signatures).toContain(signature(secret, got.headers, got.body));
    expect(signatures).toContain(signature(firstSecret, got.headers, got.body));
    expect(JSON.parse(got.body).type).toBe("webhook.test");
    await page.locator('[data-delivery][data-status="delivered"]').nth(1).waitFor();
    await lookAt(page, "alerts-webhooks");

    await page.getByRole("button", { name: "Delete" }).click();
    await page.getByRole("button", { name: "Yes, delete it and its log" }).click();
    await page.getByText("No endpoints yet.").waitFor();
    expect((await api("/webhooks")).data).toEqual([]);
    expect(errors.filter((e) => !/status of 409/.test(e))).toEqual([]);
    await page.close();
  });

  it("channels: add one by its kind's settings, test send with its attempt shown, edit, disable, delete", async () => {
    const page = await web.browser.newPage({ viewport: { width: 1280, height: 900 } });
    const errors = pageErrors(page);
    await page.goto(`${web.base}/app/channels`, { waitUntil: "load" });
    await page.getByText("No channels yet.").waitFor();
    const form = page.getByRole("form", { name: "Add a channel" });

    // Each kind asks for its own settings; a token is a write-only input.
    await form.getByLabel(/^Kind/).selectOption("telegram");
    expect(await form.getByLabel("Bot token").getAttribute("type")).toBe("password");
    await form.getByLabel("Chat id or @channel").waitFor();
    // The API's refusal is shown beside the form.
    await form.getByLabel(/^Kind/).selectOption("slack");
    await form.getByLabel("Slack incoming webhook URL").fill("https://hooks.example.com/x");
    await form.getByRole("button", { name: "Add channel" }).click();
    expect(await form.getByRole("alert").textContent()).toContain(
      "expected a Slack incoming webhook URL",
    );

    const token = "AbCdEfGhIjKlMnOpQrStUvWxYz0123456789_-ab";
    await form.getByLabel(/^Kind/).selectOption("discord");
    await form
      .getByLabel("Discord webhook URL")
      .fill(`https://discord.com/api/webhooks/1234567890123/${token}`);
    await form.getByLabel("Post as (optional)").fill("Kamiyo");
    await form.getByLabel("Name (optional)").fill("Ops chat");
    await form.getByLabel("Minimum severity").selectOption("critical");
    await form.getByRole("button", { name: "Add channel" }).click();
    const row = page.locator("tr[data-channel]");
    await row.waitFor();
    const id = (await row.getAttribute("data-channel")) ?? "";
    expect(await row.textContent()).toContain("discord.com/api/webhooks/1234567890123/…");
    expect(await row.textContent()).toContain("critical or worse");
    expect(await row.locator(".health").textContent()).toBe("healthy");
    expect(await page.content()).not.toContain(token);
    expect(await api(`/channels/${id}`)).toMatchObject({
      kind: "discord",
      name: "Ops chat",
      filter: { minSeverity: "critical" },
      enabled: true,
    });

    // The test message is queued and its delivery followed. Discord cannot be reached from a
    // test (no vendor host can be pointed elsewhere through the API), so its attempt fails.
    await page.getByRole("button", { name: "Send a test message" }).click();
    const queued = await page.getByRole("status").filter({ hasText: "queued" }).textContent();
    const deliveryId = /\((msg_\w+)\)/.exec(queued ?? "")?.[1];
    const delivery = page.locator(`[data-delivery="${deliveryId}"]`);
    await delivery.waitFor();
    expect(await delivery.textContent()).toContain("webhook.test: Test delivery to Ops chat");
    await delivery.locator("li").first().waitFor({ timeout: 10_000 });
    expect(await delivery.locator("li").first().textContent()).toMatch(/^attempt 1: failed/);
    await expect
      .poll(() => row.locator(".health").textContent(), { timeout: 5_000 })
      .toMatch(/^failing since /);
    const log = await api(`/channels/${id}/deliveries`);
    expect(log.data[0]).toMatchObject({ id: deliveryId, alert: { type: "webhook.test" } });

    await page.getByRole("button", { name: "Edit" }).click();
    const edit = page.getByRole("form", { name: "Edit Ops chat" });
    await edit.getByLabel("Name").fill("Ops chat (critical)");
    await edit.getByLabel("Detectors").fill("oracle");
    await lookAt(page, "alerts-channel-edit");
    await edit.getByRole("button", { name: "Save changes" }).click();
    await row.getByText("Ops chat (critical)").waitFor();
    expect((await api(`/channels/${id}`)).filter).toEqual({
      minSeverity: "critical",
      detectors: ["oracle"],
    });

    await page.getByRole("button", { name: "Disable" }).click();
    await row.getByRole("button", { name: "Enable" }).waitFor();
    expect(await row.locator(".health").textContent()).toBe("disabled: disabled through the API");
    expect((await api(`/channels/${id}`)).enabled).toBe(false);
    await lookAt(page, "alerts-channels");

    await page.getByRole("button", { name: "Delete" }).click();
    await page.getByRole("button", { name: "Yes, delete it" }).click();
    await page.getByText("No channels yet.").waitFor();
    expect((await api("/channels")).data).toEqual([]);
    expect(errors.filter((e) => !/status of 400/.test(e))).toEqual([]);
    await page.close();
  });

  it("silences: add one for a while and one until a time, listed as GET /silences has them, end one", async () => {
    const page = await web.browser.newPage({ viewport: { width: 1280, height: 900 } });
    const errors = pageErrors(page);
    await page.goto(`${web.base}/app/silences`, { waitUntil: "load" });
    await page.getByText("No silence in force.").waitFor();
    const form = page.getByRole("form", { name: "Add a silence" });

    // No matcher: the API's refusal is shown beside the form.
    await form.getByLabel("Reason").fill("Oracle feed maintenance");
    await form.getByRole("button", { name: "Add silence" }).click();
    expect(await form.getByRole("alert").textContent()).toContain(
      "give at least one of detector, kind, subject, severity",
    );

    await form.getByLabel("Detector").fill("oracle");
    await form.getByLabel("critical").check();
    await form.getByLabel(/^Duration, minutes/).fill("90");
    const asked = Date.now();
    await form.getByRole("button", { name: "Add silence" }).click();
    const rows = page.locator("tr[data-silence]");
    await rows.first().waitFor();

    // Until a time, entered in the browser's time zone (this machine's).
    const until = new Date(Date.now() + 2 * 3_600_000);
    until.setSeconds(0, 0);
    const local = new Date(until.getTime() - until.getTimezoneOffset() * 60_000)
      .toISOString()
      .slice(0, 16);
    await form.getByLabel("Coin, vault or account").fill("BTC");
    await form.getByLabel("at a time").check();
    await form.getByLabel(/^Ends at/).fill(local);
    await form.getByLabel("Reason").fill("Known BTC volatility");
    await form.getByRole("button", { name: "Add silence" }).click();
    await expect.poll(() => rows.count(), { timeout: 10_000 }).toBe(2);

    const active = (await api("/silences?active=true")).data;
    expect(active).toHaveLength(2);
    const [bySubject, byDetector] = active;
    expect(byDetector).toMatchObject({
      matchers: { detector: "oracle", severity: ["critical"] },
      comment: "Oracle feed maintenance",
      active: true,
    });
    const minutes = (Date.parse(byDetector.endsAt) - asked) / 60_000;
    expect(minutes).toBeGreaterThan(89.9);
    expect(minutes).toBeLessThan(90.5);
    expect(bySubject).toMatchObject({
      matchers: { subject: "BTC" },
      comment: "Known BTC volatility",
    });
    expect(Date.parse(bySubject.endsAt)).toBe(until.getTime());
    // The page lists them as the API does: matchers, reason, who, from and until.
    for (const s of active) {
      const text = await page.locator(`tr[data-silence="${s.id}"]`).textContent();
      expect(text).toContain(s.comment);
      expect(text).toContain(s.createdBy);
      expect(text).toContain(`${s.endsAt.replace("T", " ").slice(0, 16)} UTC`);
    }
    expect(await page.locator(`tr[data-silence="${byDetector.id}"] td`).first().textContent()).toBe(
      "detector oracle; severity critical",
    );
    await lookAt(page, "alerts-silences");

    // Ended now: it leaves the silences in force for the ended ones.
    const ending = page.locator(`tr[data-silence="${byDetector.id}"]`);
    await ending.getByRole("button", { name: "End now" }).click();
    await ending.getByRole("button", { name: "Yes, end it" }).click();
    await expect
      .poll(() => page.locator("table.silences").last().textContent(), { timeout: 10_000 })
      .toContain("Oracle feed maintenance");
    expect((await api("/silences?active=true")).data.map((s: { id: string }) => s.id)).toEqual([
      bySubject.id,
    ]);
    expect((await api("/silences?active=false")).data.map((s: { id: string }) => s.id)).toEqual([
      byDetector.id,
    ]);
    expect(errors.filter((e) => !/status of 400/.test(e))).toEqual([]);
    await page.close();
  });
});
