import { type Alert, insertAlert, newChannel, newId, saveChannel } from "@kamiyo/alerts";
import parsePrometheusTextFormat from "parse-prometheus-text-format";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { apiHarness, type Harness, NOW } from "./testing/api-harness.ts";

let h: Harness;
const stats = { attempts: 6, delivered: 3, failed: 2, exhausted: 1, errors: 1 };

beforeAll(async () => {
  h = await apiHarness({ deliveryStats: () => stats });
  await h.db.query("INSERT INTO tenants (id, name) VALUES ('ten_metrics', 'metrics')");
  for (const [id, enabled] of [
    ["chn_hook", true],
    ["chn_off", false],
  ] as const) {
    await saveChannel(
      h.db,
      {
        ...newChannel({
          tenantId: "ten_metrics",
          id,
          kind: "webhook",
          name: id,
          origin: "config",
          config: { url: "https://example.com/hook" },
          filter: {},
          nowMs: NOW,
        }),
        enabled,
      },
      null,
    );
  }
  // Due two minutes before the API's clock, and not yet sent.
  const at = NOW - 120_000;
  const alert: Alert = {
    id: newId("alr", at),
    tenantId: "ten_metrics",
    type: "webhook.test",
    severity: "info",
    title: "t",
    createdAt: at,
    findings: [],
  };
  await insertAlert(h.db, alert, null, ["chn_hook", "chn_off"], at);
});
afterAll(async () => h?.close().catch(() => {}));

async function series(name: string): Promise<Record<string, number>> {
  const text = (await h.app.inject({ method: "GET", url: "/metrics" })).body;
  const families = parsePrometheusTextFormat(text) as {
    name: string;
    metrics: { labels?: Record<string, string>; value?: string }[];
  }[];
  const family = families.find((f) => f.name === name);
  return Object.fromEntries(
    (family?.metrics ?? []).map((m) => [Object.values(m.labels ?? {}).join(","), Number(m.value)]),
  );
}

describe("/metrics: alert deliveries", () => {
  it("reports the outbox's backlog to enabled channels and how long it has been due", async () => {
    expect(await series("kamiyo_delivery_outbox_pending")).toEqual({ webhook: 1 });
    expect(await series("kamiyo_delivery_outbox_overdue_seconds")).toEqual({ webhook: 120 });
    expect(await series("kamiyo_alert_channels")).toEqual({
      "webhook,healthy": 1,
      "webhook,failing": 0,
      "webhook,disabled": 1,
    });
  });

  it("reports the in-process worker's attempts by result and its failed rounds", async () => {
    expect(await series("kamiyo_delivery_attempts_total")).toEqual({
      delivered: 3,
      failed: 2,
      exhausted: 1,
    });
    expect(await series("kamiyo_delivery_worker_errors_total")).toEqual({ "": 1 });
  });

  it("says whether the database answered the scrape's read (last: it closes the database)", async () => {
    expect(await series("kamiyo_database_up")).toEqual({ "": 1 });
    await h.db.close();
    expect(await series("kamiyo_database_up")).toEqual({ "": 0 });
    expect(await series("kamiyo_delivery_outbox_pending")).toEqual({});
  });
});
