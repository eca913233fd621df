import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type Stripe from "stripe";
import { describe, expect, it } from "vitest";
import { startHarness } from "./harness.ts";

interface Delivery {
  body: string;
  signature: string;
}

/**
 * A webhook receiver: records each POST's raw body and signature and answers with `answer(n)`
 * for the n-th delivery (1-based): a status, or "hang" to never answer.
 */
async function startReceiver(answer: (n: number) => number | "hang" = () => 200) {
  const received: Delivery[] = [];
  const waiting: { count: number; resolve: () => void }[] = [];
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      received.push({
        body: Buffer.concat(chunks).toString("utf8"),
        signature: String(req.headers["stripe-signature"]),
      });
      const status = answer(received.length);
      if (status !== "hang") res.writeHead(status).end();
      for (const w of waiting.filter((x) => received.length >= x.count)) w.resolve();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/stripe/webhook`,
    received,
    /** Resolves once `count` deliveries arrived (fails the test after 5 s). */
    waitFor: (count: number) =>
      new Promise<void>((resolve, reject) => {
        if (received.length >= count) return resolve();
        const timer = setTimeout(
          () => reject(new Error(`only ${received.length} deliveries`)),
          5_000,
        );
        waiting.push({
          count,
          resolve: () => {
            clearTimeout(timer);
            resolve();
          },
        });
      }),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

describe("webhook delivery", () => {
  it("POSTs each enabled event, in order, signed so constructEvent verifies it", async () => {
    const { server, stripe } = await startHarness();
    const receiver = await startReceiver();
    try {
      const endpoint = await stripe.webhookEndpoints.create({
        url: receiver.url,
        enabled_events: ["customer.created", "customer.updated"],
      });
      const secret = endpoint.secret as string;
      expect(secret).toMatch(/^whsec_/);
      expect(endpoint.status).toBe("enabled");
      expect((await stripe.webhookEndpoints.retrieve(endpoint.id)).secret).toBeUndefined();

      const first = await stripe.customers.create({ email: "one@example.com" });
      await stripe.customers.update(first.id, {
        email: "uno@example.com",
        metadata: { tier: "pro" },
      });
      await stripe.products.create({ name: "Not subscribed to" });
      const second = await stripe.customers.create({ email: "two@example.com" });
      await receiver.waitFor(3);

      const events = receiver.received.map((d) =>
        stripe.webhooks.constructEvent(d.body, d.signature, secret),
      );
      expect(events.map((e) => [e.type, (e.data.object as Stripe.Customer).id])).toEqual([
        ["customer.created", first.id],
        ["customer.updated", first.id],
        ["customer.created", second.id],
      ]);
      const update = events[1] as Stripe.CustomerUpdatedEvent;
      expect(update.data.object.email).toBe("uno@example.com");
      expect(update.data.previous_attributes).toEqual({
        email: "one@example.com",
        metadata: { tier: null },
      });
      expect(update.api_version).toBe("2026-11-18.endive");
      expect(update.request?.idempotency_key).toMatch(/^stripe-node-retry-/);
      const created = server.events().filter((e) => e.type.startsWith("customer."));
      expect(events.map((e) => e.id)).toEqual(created.map((e) => e.id));

      expect(() =>
        stripe.webhooks.constructEvent(receiver.received[0]?.body ?? "", "t=1,v1=bad", secret),
      ).toThrow();
    } finally {
      await server.close();
      await receiver.close();
    }
  });

  it("retries a failed or timed-out delivery with backoff, keeping later events behind it", async () => {
    const { server, stripe } = await startHarness({
      webhooks: { timeoutMs: 200, retryDelaysMs: [20, 40] },
    });
    const receiver = await startReceiver((n) => (n === 1 ? 500 : n === 2 ? "hang" : 200));
    try {
      const endpoint = await stripe.webhookEndpoints.create({
        url: receiver.url,
        enabled_events: ["*"],
      });
      const a = await stripe.customers.create({ email: "a@example.com" });
      const b = await stripe.customers.create({ email: "b@example.com" });
      await receiver.waitFor(4);
      const delivered = receiver.received.map((d) =>
        stripe.webhooks.constructEvent(d.body, d.signature, endpoint.secret as string),
      );
      const ids = delivered.map((e) => (e.data.object as Stripe.Customer).id);
      expect(ids).toEqual([a.id, a.id, a.id, b.id]);
      expect(new Set(delivered.slice(0, 3).map((e) => e.id)).size).toBe(1);
      const first = await stripe.events.retrieve(delivered[0]?.id ?? "");
      expect(first.pending_webhooks).toBe(0);
    } finally {
      await server.close();
      await receiver.close();
    }
  });
});
