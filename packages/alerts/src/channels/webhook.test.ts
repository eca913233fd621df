import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { Finding } from "@kamiyo/core";
import { Webhook } from "standardwebhooks";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { HttpPoster } from "../delivery/http-post.ts";
import { generateSecret } from "../delivery/signing.ts";
import type { Alert } from "../types.ts";
import { EULER, exploitAlert } from "./fixtures/alerts.ts";
import { MAX_PAYLOAD_BYTES, sendWebhook, webhookConfig, webhookPayload } from "./webhook.ts";

const T = Date.UTC(2026, 10, 1, 12, 0, 0);

function finding(n: number, over: Partial<Finding> = {}): Finding {
  return {
    id: `fnd_${String(n).padStart(21, "0")}`,
    tenantId: "ten_1",
    detector: "hlp-vault",
    kind: "loss-24h",
    subject: { type: "vault", id: "0xdfc24b077bc1425ad1dea75bcb6f8158e10df303" },
    key: "",
    severity: "high",
    status: "open",
    title: `HLP lost 4.1% in 24 h (${n})`,
    evidence: { lossPct: 4.1, lossUsd: 12_500_000, window: "24h" },
    firstDataAt: T - 60_000,
    dataAt: T,
    detectedAt: T + 1_000,
    updatedAt: T + 2_000,
    resolvedAt: null,
    occurrences: 3,
    ...over,
  };
}

function alert(over: Partial<Alert> = {}): Alert {
  return {
    id: "alr_1",
    tenantId: "ten_1",
    type: "finding.opened",
    severity: "high",
    title: "HLP lost 4.1% in 24 h",
    createdAt: T + 3_000,
    findings: [finding(1)],
    ...over,
  };
}

interface Received {
  headers: IncomingHttpHeaders;
  body: string;
}

let server: Server;
let url: string;
const received: Received[] = [];
const http = new HttpPoster();

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      received.push({ headers: req.headers, body: Buffer.concat(chunks).toString() });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/kamiyo`;
});

afterAll(async () => {
  await http.close();
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

function headersOf(r: Received): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(r.headers)) if (typeof v === "string") out[k] = v;
  return out;
}

function ctx(secrets: readonly string[], nowMs: number, deliveryId = "dlv_1") {
  return {
    deliveryId,
    nowMs,
    secrets,
    http,
    policy: "guarded-allow-loopback" as const,
    timeoutMs: 5_000,
  };
}

describe("webhook channel", () => {
  it("delivers a body the standardwebhooks library verifies and parses", async () => {
    const secret = generateSecret();
    const config = webhookConfig.parse({ url });
    received.length = 0;
    const out = await sendWebhook(alert(), config, ctx([secret], Date.now()));
    expect(out).toMatchObject({ ok: true, status: 204 });
    const [r] = received;
    if (!r) throw new Error("nothing received");
    expect(r.headers["content-type"]).toBe("application/json");
    const parsed = new Webhook(secret).verify(r.body, headersOf(r));
    expect(parsed).toEqual({
      type: "finding.opened",
      timestamp: "2026-11-01T12:00:03.000Z",
      data: {
        id: "fnd_000000000000000000001",
        detector: "hlp-vault",
        kind: "loss-24h",
        subject: { type: "vault", id: "0xdfc24b077bc1425ad1dea75bcb6f8158e10df303" },
        key: "",
        severity: "high",
        status: "open",
        title: "HLP lost 4.1% in 24 h (1)",
        evidence: { lossPct: 4.1, lossUsd: 12_500_000, window: "24h" },
        firstDataAt: "2026-11-01T11:59:00.000Z",
        dataAt: "2026-11-01T12:00:00.000Z",
        detectedAt: "2026-11-01T12:00:01.000Z",
        updatedAt: "2026-11-01T12:00:02.000Z",
        resolvedAt: null,
        occurrences: 3,
        alertId: "alr_1",
      },
    });
  });

  it("keeps webhook-id across retries, with each attempt's timestamp, and signs with every secret", async () => {
    const current = generateSecret();
    const previous = generateSecret();
    const config = webhookConfig.parse({ url });
    const now = Date.now();
    received.length = 0;
    for (const nowMs of [now - 60_000, now]) {
      const out = await sendWebhook(alert(), config, ctx([current, previous], nowMs, "dlv_42"));
      expect(out.ok).toBe(true);
    }
    const [first, second] = received.map(headersOf);
    if (!first || !second) throw new Error("expected two deliveries");
    expect(first["webhook-id"]).toBe("dlv_42");
    expect(second["webhook-id"]).toBe("dlv_42");
    expect(first["webhook-timestamp"]).toBe(String(Math.floor((now - 60_000) / 1000)));
    expect(second["webhook-timestamp"]).toBe(String(Math.floor(now / 1000)));
    for (const [i, headers] of [first, second].entries()) {
      const body = received[i]?.body ?? "";
      for (const secret of [current, previous]) {
        expect(new Webhook(secret).verify(body, headers)).toMatchObject({ type: "finding.opened" });
      }
      expect(() => new Webhook(generateSecret()).verify(body, headers)).toThrow();
    }
  });

  it("delivers an exploit incident as its data, signed", async () => {
    const secret = generateSecret();
    received.length = 0;
    const a = exploitAlert(EULER, "exploit.created", { id: "alr_exp1" });
    const out = await sendWebhook(a, webhookConfig.parse({ url }), ctx([secret], Date.now()));
    expect(out).toMatchObject({ ok: true, status: 204 });
    const [r] = received;
    if (!r) throw new Error("nothing received");
    expect(new Webhook(secret).verify(r.body, headersOf(r))).toEqual({
      type: "exploit.created",
      timestamp: "2023-03-13T09:30:00.000Z",
      data: { ...EULER, alertId: "alr_exp1" },
    });
  });

  it("does not send without a valid secret", async () => {
    received.length = 0;
    const out = await sendWebhook(alert(), { url }, ctx([], Date.now()));
    expect(out).toMatchObject({ ok: false, retry: false, error: "no webhook signing secret" });
    const bad = await sendWebhook(alert(), { url }, ctx(["whsec_nope"], Date.now()));
    expect(bad).toMatchObject({ ok: false, retry: false });
    expect(received).toHaveLength(0);
  });
});

describe("webhookPayload", () => {
  it("lists grouped findings and cuts the list to stay under 20 KB", () => {
    const two = webhookPayload(alert({ findings: [finding(1), finding(2)] }));
    const data2 = two.data as { id: string; findings: { id: string }[]; truncated?: number };
    expect(data2.id).toBe(finding(1).id);
    expect(data2.findings.map((f) => f.id)).toEqual([finding(1).id, finding(2).id]);
    expect(data2.truncated).toBeUndefined();

    const many = Array.from({ length: 200 }, (_, i) => finding(i + 1));
    const big = webhookPayload(alert({ findings: many }));
    const size = Buffer.byteLength(JSON.stringify(big));
    expect(size).toBeLessThan(MAX_PAYLOAD_BYTES);
    expect(size).toBeGreaterThan(MAX_PAYLOAD_BYTES - 1_000);
    const data = big.data as { findings: unknown[]; truncated: number };
    expect(data.findings.length).toBeGreaterThan(10);
    expect(data.findings.length + data.truncated).toBe(200);
  });

  it("drops oversized evidence rather than exceed 20 KB", () => {
    const huge = finding(1, { evidence: { ids: Array.from({ length: 5_000 }, (_, i) => i) } });
    const p = webhookPayload(alert({ findings: [huge] }));
    expect(Buffer.byteLength(JSON.stringify(p))).toBeLessThan(MAX_PAYLOAD_BYTES);
    expect(p.data).toMatchObject({ evidence: {}, evidenceTruncated: true });
  });

  it("carries an updated incident, cutting its lists to stay under 20 KB", () => {
    const updated = webhookPayload(exploitAlert(EULER, "exploit.updated", { id: "alr_2" }));
    expect(updated.type).toBe("exploit.updated");
    expect(updated.data).toEqual({ ...EULER, date: "2023-03-13", alertId: "alr_2" });
    const huge = {
      ...EULER,
      protocol: "P".repeat(30_000),
      aliases: Array.from({ length: 400 }, (_, i) => `Alias ${i}`),
      txHashes: Array.from({ length: 2_000 }, (_, i) => `0x${String(i).padStart(64, "0")}`),
      references: Array.from({ length: 300 }, (_, i) => ({
        source: "rekt",
        sourceKey: `k${i}`,
        url: `https://rekt.news/${i}`,
      })),
    };
    const p = webhookPayload(exploitAlert(huge));
    const size = Buffer.byteLength(JSON.stringify(p));
    expect(size).toBeLessThan(MAX_PAYLOAD_BYTES);
    expect(size).toBeGreaterThan(MAX_PAYLOAD_BYTES - 1_000);
    const data = p.data as {
      id: string;
      protocol: string;
      references: unknown[];
      txHashes: string[];
      aliases: string[];
      truncated: { references: number; txHashes: number; aliases: number };
    };
    expect(data.id).toBe(EULER.id);
    expect(data.protocol.length).toBe(1_000);
    expect(data.references.length).toBeGreaterThan(10);
    expect(data.references.length + data.truncated.references).toBe(300);
    expect(data.txHashes.length + data.truncated.txHashes).toBe(2_000);
    expect(data.aliases.length + data.truncated.aliases).toBe(400);
  });

  it("carries the summary, the disabled endpoint, or a test message", () => {
    const summary = webhookPayload(
      alert({
        type: "alerts.summary",
        findings: [],
        summary: { reason: "daily-cap", suppressed: { high: 4 }, from: T - 3_600_000, to: T },
      }),
    );
    expect(summary).toEqual({
      type: "alerts.summary",
      timestamp: "2026-11-01T12:00:03.000Z",
      data: {
        reason: "daily-cap",
        suppressed: { high: 4 },
        from: "2026-11-01T11:00:00.000Z",
        to: "2026-11-01T12:00:00.000Z",
        alertId: "alr_1",
      },
    });
    const endpoint = { id: "whe_1", name: "ops", url: "https://example.com/h", reason: "failing" };
    expect(
      webhookPayload(alert({ type: "endpoint.disabled", findings: [], endpoint })).data,
    ).toEqual({ ...endpoint, alertId: "alr_1" });
    expect(
      webhookPayload(alert({ type: "webhook.test", findings: [], title: "Test from Kamiyo" })).data,
    ).toEqual({ message: "Test from Kamiyo", alertId: "alr_1" });
  });
});
