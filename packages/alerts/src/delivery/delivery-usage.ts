import type { UsageEvent } from "@kamiyo/billing";
import type { AttemptResult } from "../store/outbox.ts";

/**
 * What delivered alerts count on the tenants' meters: one `alerts_sent` per delivery that
 * arrived, and one `webhook_deliveries` more when it went to a webhook. Keyed by the delivery, so
 * a delivery counted once is never counted again (a replay that arrives again included).
 */
export function deliveryUsage(results: readonly AttemptResult[], nowMs: number): UsageEvent[] {
  const events: UsageEvent[] = [];
  for (const r of results) {
    if (r.status !== "delivered") continue;
    const { id, tenantId, channel } = r.delivery;
    events.push({
      tenantId,
      product: "platform",
      meter: "alerts_sent",
      value: 1,
      eventAt: nowMs,
      idempotencyKey: `alert:${id}`,
    });
    if (channel.kind === "webhook")
      events.push({
        tenantId,
        product: "platform",
        meter: "webhook_deliveries",
        value: 1,
        eventAt: nowMs,
        idempotencyKey: `webhook:${id}`,
      });
  }
  return events;
}
