import Stripe from "stripe";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { failure, type Harness, startHarness } from "./harness.ts";

describe("invoice items and one-off invoices", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => {
    await h.server.close();
  });

  async function payingCustomer(card = "pm_card_visa") {
    return h.stripe.customers.create({
      email: "invoices@example.com",
      payment_method: card,
      invoice_settings: { default_payment_method: card },
    });
  }

  it("sweeps pending items into a draft, finalizes it (numbered, open) and pays it", async () => {
    const { stripe } = h;
    const customer = await payingCustomer();
    const overage = await stripe.invoiceItems.create({
      customer: customer.id,
      amount: 1250,
      currency: "usd",
      description: "API calls over quota",
      metadata: { meter: "api_calls" },
    });
    expect(overage).toMatchObject({
      object: "invoiceitem",
      invoice: null,
      proration: false,
      quantity: 1,
    });
    const setup = await stripe.invoiceItems.create({
      customer: customer.id,
      amount: 500,
      currency: "usd",
    });
    const pending = await stripe.invoiceItems.list({ customer: customer.id, pending: true });
    expect(pending.data.map((i) => i.id)).toEqual([setup.id, overage.id]);

    const draft = await stripe.invoices.create({
      customer: customer.id,
      pending_invoice_items_behavior: "include",
    });
    expect([draft.status, draft.billing_reason, draft.auto_advance, draft.number]).toEqual([
      "draft",
      "manual",
      false,
      null,
    ]);
    expect(
      draft.lines.data.map((l) => [l.amount, l.parent?.invoice_item_details?.invoice_item]),
    ).toEqual([
      [1250, overage.id],
      [500, setup.id],
    ]);
    expect([draft.subtotal, draft.total, draft.amount_due]).toEqual([1750, 1750, 1750]);

    const open = await stripe.invoices.finalizeInvoice(draft.id);
    expect(open.status).toBe("open");
    expect(open.number).toBe(`${customer.invoice_prefix}-0001`);
    expect(open.hosted_invoice_url).toBe(`${h.server.url}/invoices/${draft.id}`);
    const paid = await stripe.invoices.pay(draft.id);
    expect([paid.status, paid.amount_paid, paid.amount_remaining, paid.attempt_count]).toEqual([
      "paid",
      1750,
      0,
      1,
    ]);
    const again = await failure(stripe.invoices.pay(draft.id));
    expect(again).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
    const lines = await stripe.invoices.listLineItems(draft.id, { limit: 1 });
    expect([lines.data[0]?.amount, lines.has_more]).toEqual([1250, true]);
    const types = h.server
      .events()
      .filter((e) => (e.data.object as { id?: string }).id === draft.id)
      .map((e) => e.type);
    expect(types).toEqual([
      "invoice.created",
      "invoice.finalized",
      "invoice.paid",
      "invoice.payment_succeeded",
    ]);
  });

  it("voids, marks uncollectible, and deletes a draft giving its items back", async () => {
    const { stripe } = h;
    const customer = await payingCustomer();
    const item = await stripe.invoiceItems.create({
      customer: customer.id,
      amount: 300,
      currency: "usd",
    });
    const draft = await stripe.invoices.create({
      customer: customer.id,
      pending_invoice_items_behavior: "include",
    });
    expect((await stripe.invoiceItems.retrieve(item.id)).invoice).toBe(draft.id);
    const deleted = await stripe.invoices.del(draft.id);
    expect(deleted).toMatchObject({ id: draft.id, deleted: true });
    expect((await stripe.invoiceItems.retrieve(item.id)).invoice).toBeNull();

    const toVoid = await stripe.invoices.create({
      customer: customer.id,
      pending_invoice_items_behavior: "include",
    });
    await stripe.invoices.finalizeInvoice(toVoid.id);
    const voided = await stripe.invoices.voidInvoice(toVoid.id);
    expect([voided.status, voided.status_transitions.voided_at !== null]).toEqual(["void", true]);

    await stripe.invoiceItems.create({ customer: customer.id, amount: 700, currency: "usd" });
    const bad = await stripe.invoices.create({
      customer: customer.id,
      pending_invoice_items_behavior: "include",
    });
    await stripe.invoices.finalizeInvoice(bad.id);
    const written = await stripe.invoices.markUncollectible(bad.id);
    expect(written.status).toBe("uncollectible");
    const listed = await stripe.invoices.list({ customer: customer.id, status: "uncollectible" });
    expect(listed.data.map((i) => i.id)).toEqual([bad.id]);
  });

  it("a one-off invoice with auto_advance is finalized and charged an hour after it is created", async () => {
    const { stripe } = h;
    const clock = await stripe.testHelpers.testClocks.create({ frozen_time: 1_893_456_000 });
    const customer = await stripe.customers.create({
      test_clock: clock.id,
      payment_method: "pm_card_visa",
      invoice_settings: { default_payment_method: "pm_card_visa" },
    });
    await stripe.invoiceItems.create({ customer: customer.id, amount: 4200, currency: "usd" });
    const invoice = await stripe.invoices.create({
      customer: customer.id,
      pending_invoice_items_behavior: "include",
      auto_advance: true,
    });
    expect(invoice.automatically_finalizes_at).toBe(1_893_456_000 + 3_600);
    await stripe.testHelpers.testClocks.advance(clock.id, {
      frozen_time: 1_893_456_000 + 3 * 3_600,
    });
    const paid = await stripe.invoices.retrieve(invoice.id);
    expect([paid.status, paid.amount_paid]).toEqual(["paid", 4200]);
    expect(paid.status_transitions.finalized_at).toBe(1_893_456_000 + 3_600);
    expect(paid.status_transitions.paid_at).toBe(1_893_456_000 + 3_600);
  });
});
