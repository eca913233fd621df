import type Stripe from "stripe";
import { CATALOG, type Plan, PRODUCTS } from "../catalog/index.ts";
import { METERS } from "../usage.ts";

/** The Stripe product of a plan: its id, so a sync finds it again. */
export const stripeProductId = (plan: Plan) => `kamiyo_${plan.id}`;
/** The Stripe meter of one of our meters. */
export const stripeMeterEvent = (meter: string) => `kamiyo_${meter}`;

/** What a sync did. */
export interface CatalogSync {
  /** Each paid plan's active monthly price. */
  prices: Record<string, string>;
  created: string[];
  updated: string[];
}

/** Plans Stripe bills a monthly fee for: a fixed price above zero (free and per-contract plans are not sold there). */
export const stripePlans = (): Plan[] =>
  CATALOG.filter((p): p is (typeof CATALOG)[number] => (p.monthlyCents ?? 0) > 0);

/**
 * Makes Stripe's products, prices and meters say what the catalog says, and may be run any number
 * of times: a product per paid plan (id `kamiyo_<plan>`, renamed if its name changed), a monthly
 * USD price per plan found by its lookup key (the plan id) — a changed fee becomes a new price
 * that takes the lookup key over (Stripe prices are immutable), the old one deactivated — and a
 * billing meter per usage meter (`kamiyo_<meter>`, summed), which usage is reported to.
 */
export async function syncCatalog(stripe: Stripe): Promise<CatalogSync> {
  const out: CatalogSync = { prices: {}, created: [], updated: [] };
  for (const plan of stripePlans()) {
    const id = stripeProductId(plan);
    const name = `${PRODUCTS.find((p) => p.id === plan.product)?.label ?? plan.product}: ${plan.label}`;
    const metadata = { plan: plan.id, product: plan.product };
    const existing = await stripe.products.retrieve(id).catch((err: { code?: string }) => {
      if (err.code === "resource_missing") return null;
      throw err;
    });
    if (!existing) {
      await stripe.products.create({ id, name, metadata }, { idempotencyKey: `product:${id}` });
      out.created.push(`product ${id}`);
    } else if (existing.name !== name || !existing.active) {
      await stripe.products.update(id, { name, active: true, metadata });
      out.updated.push(`product ${id}`);
    }
    const cents = plan.monthlyCents as number;
    const [price] = (await stripe.prices.list({ lookup_keys: [plan.id], active: true, limit: 1 }))
      .data;
    if (price && price.unit_amount === cents && price.currency === "usd") {
      out.prices[plan.id] = price.id;
      continue;
    }
    const made = await stripe.prices.create(
      {
        product: id,
        currency: "usd",
        unit_amount: cents,
        recurring: { interval: "month" },
        lookup_key: plan.id,
        transfer_lookup_key: true,
        metadata,
      },
      { idempotencyKey: `price:${plan.id}:${cents}` },
    );
    if (price) await stripe.prices.update(price.id, { active: false });
    out.prices[plan.id] = made.id;
    out.created.push(`price ${plan.id} ${cents}`);
  }
  const meters = new Set(
    (await stripe.billing.meters.list({ limit: 100 })).data.map((m) => m.event_name),
  );
  for (const meter of METERS) {
    const event = stripeMeterEvent(meter);
    if (meters.has(event)) continue;
    await stripe.billing.meters.create(
      {
        display_name: `Kamiyo ${meter}`,
        event_name: event,
        default_aggregation: { formula: "sum" },
        customer_mapping: { type: "by_id", event_payload_key: "stripe_customer_id" },
        value_settings: { event_payload_key: "value" },
      },
      { idempotencyKey: `meter:${event}` },
    );
    out.created.push(`meter ${event}`);
  }
  return out;
}
