import type Stripe from "stripe";
import { sameCadence } from "./billing-cycle.ts";
import { badRequest, invalidParam, missingParam, noSuch } from "./errors.ts";
import { createInvoiceItem } from "./invoice-items.ts";
import { mergeMetadata, type Params } from "./params.ts";
import { planOf, productName, unitAmountOf } from "./prices.ts";
import { type ProrationAmount, prorations } from "./proration.ts";
import { customerOf, must, type StripeState } from "./store.ts";
import type { BilledItem } from "./subscription-invoices.ts";
import {
  addItem,
  cadenceOf,
  isMetered,
  periodOf,
  quantityOf,
  setPeriod,
} from "./subscription-objects.ts";
import { newId } from "./wire.ts";

/** One change of `items[n]`: an item's new price or quantity, a new item, or a removal. */
export interface ItemChange {
  /** The item changed, or null for one added. */
  item: Stripe.SubscriptionItem | null;
  /** The item's id (a new one for an added item). */
  id: string;
  /** The price after the change (the old one for a removal). */
  price: Stripe.Price;
  quantity: number;
  deleted: boolean;
  metadata: Record<string, string> | null | undefined;
}

/** A proration a change makes: an invoice item, or a preview's line. */
export interface PlannedProration extends ProrationAmount {
  price: Stripe.Price;
  quantity: number;
  subscriptionItem: string;
  period: { start: number; end: number };
  credits: { invoice: string; line: string } | null;
}

/** What a change of a subscription's items does, computed without changing anything. */
export interface ChangePlan {
  changes: ItemChange[];
  /** The items once changed. */
  resulting: BilledItem[];
  prorations: PlannedProration[];
  /** A new billing interval restarts the cycle at the change (billed in full at once). */
  resetsCycle: boolean;
}

/** The proration behaviours of a subscription change. */
export const PRORATION_BEHAVIORS = ["always_invoice", "create_prorations", "none"] as const;
/** `proration_behavior` of a subscription change. */
export type ProrationBehavior = (typeof PRORATION_BEHAVIORS)[number];

/**
 * Plans the changes `items` (the `items[n]` parameters) to `subscription` at `at` (the proration
 * date): each changed licensed item of a subscription in a paid period is credited for its unused
 * time at the old price and charged for the remaining time at the new one, to the cent.
 * @throws StripeApiError 400 for an unknown item or price, or a price that cannot be used.
 */
export function planItemChanges(
  state: StripeState,
  subscription: Stripe.Subscription,
  items: readonly Params[],
  at: number,
  behavior: ProrationBehavior,
): ChangePlan {
  const changes = items.map((p) => parseChange(state, subscription, p));
  const changed = new Set(changes.map((c) => c.id));
  const resulting: BilledItem[] = [
    ...subscription.items.data
      .filter((i) => !changed.has(i.id))
      .map((i) => ({ id: i.id, price: i.price, quantity: quantityOf(i) })),
    ...changes
      .filter((c) => !c.deleted)
      .map((c) => ({ id: c.id, price: c.price, quantity: c.quantity })),
  ];
  if (resulting.length === 0) {
    throw badRequest("A subscription must have at least one item; cancel it instead.");
  }
  const billing = ["active", "past_due", "unpaid"].includes(subscription.status);
  const current = cadenceOf(subscription);
  const resetsCycle =
    billing &&
    changes.some(
      (c) => !c.deleted && c.price.recurring !== null && !sameCadence(c.price.recurring, current),
    );
  const planned: PlannedProration[] = [];
  if (billing && behavior !== "none") {
    const first = subscription.items.data[0];
    const bookkeeping = state.subscriptionState.get(subscription.id);
    for (const change of changes) {
      const period =
        change.item === null
          ? first === undefined
            ? null
            : periodOf(first)
          : periodOf(change.item);
      if (period === null) continue;
      const old = change.item;
      const from =
        old === null || isMetered(old)
          ? null
          : {
              unitAmount: unitAmountOf(old.price),
              quantity: quantityOf(old),
              name: productName(state, old.price),
            };
      const to =
        change.deleted || resetsCycle || change.price.recurring?.usage_type === "metered"
          ? null
          : {
              unitAmount: unitAmountOf(change.price),
              quantity: change.quantity,
              name: productName(state, change.price),
            };
      if (
        old !== null &&
        !change.deleted &&
        !resetsCycle &&
        old.price.id === change.price.id &&
        quantityOf(old) === change.quantity
      ) {
        continue;
      }
      for (const p of prorations(from, to, period, at)) {
        planned.push({
          ...p,
          price: p.credit && old !== null ? old.price : change.price,
          quantity: p.credit && old !== null ? quantityOf(old) : change.quantity,
          subscriptionItem: change.id,
          period: { start: at, end: period.end },
          credits: p.credit ? (bookkeeping?.lastBilled.get(change.id) ?? null) : null,
        });
      }
    }
  }
  return { changes, resulting, prorations: planned, resetsCycle };
}

function parseChange(state: StripeState, subscription: Stripe.Subscription, p: Params): ItemChange {
  const id = p.str("id");
  const item = id === undefined ? null : subscription.items.data.find((i) => i.id === id);
  if (item === undefined) throw noSuch("subscription item", id ?? "", p.name("id"));
  const priceId = p.str("price");
  if (item === null && priceId === undefined) throw missingParam(p.name("price"));
  const price =
    priceId === undefined
      ? (item as Stripe.SubscriptionItem).price
      : usablePrice(state, subscription, priceId, p.name("price"));
  return {
    item,
    id: item?.id ?? newId("si", 14),
    price,
    quantity: p.int("quantity") ?? (item === null ? 1 : quantityOf(item)),
    deleted: p.bool("deleted") ?? false,
    metadata: p.metadata(),
  };
}

/** A price a subscription can use: active, recurring, in the subscription's currency. */
export function usablePrice(
  state: StripeState,
  subscription: Stripe.Subscription | null,
  id: string,
  param: string,
): Stripe.Price {
  const price = must(state.prices, "price", id, param);
  if (!price.active) {
    throw invalidParam(
      param,
      "The price specified is inactive. This field only accepts active prices.",
    );
  }
  if (price.type !== "recurring") {
    throw invalidParam(
      param,
      "The price specified is set to `type=one_time` but this field only accepts prices with `type=recurring`.",
    );
  }
  if (subscription !== null && price.currency !== subscription.currency) {
    throw invalidParam(
      param,
      "The price specified for this item does not match the currency of the subscription.",
    );
  }
  return price;
}

/** Applies the planned item changes (not their prorations). */
export function applyItemChanges(
  state: StripeState,
  subscription: Stripe.Subscription,
  plan: ChangePlan,
  at: number,
): void {
  for (const change of plan.changes) {
    if (change.item === null) {
      if (!change.deleted) {
        addItem(
          subscription,
          change.price,
          change.quantity,
          mergeMetadata({}, change.metadata),
          at,
          change.id,
        );
      }
      continue;
    }
    const item = change.item;
    if (change.deleted) {
      subscription.items.data = subscription.items.data.filter((i) => i.id !== item.id);
      continue;
    }
    item.price = change.price;
    item.plan = planOf(change.price);
    if (!isMetered(item)) item.quantity = change.quantity;
    item.metadata = mergeMetadata(item.metadata, change.metadata);
  }
  if (plan.resetsCycle) {
    const bookkeeping = must(state.subscriptionState, "subscription", subscription.id);
    bookkeeping.anchor = at;
    subscription.billing_cycle_anchor = at;
    setPeriod(subscription, bookkeeping, 0);
  }
}

/** Creates the planned prorations as pending invoice items (`invoiceitem.created` each). */
export function createProrationItems(
  state: StripeState,
  subscription: Stripe.Subscription,
  plan: ChangePlan,
  at: number,
): void {
  const customer = customerOf(state, subscription);
  for (const p of plan.prorations) {
    createInvoiceItem(
      state,
      {
        customer,
        amount: p.amount,
        currency: subscription.currency,
        description: p.description,
        quantity: p.quantity,
        price: p.price,
        period: p.period,
        proration: true,
        subscription: subscription.id,
        subscriptionItem: p.subscriptionItem,
        metadata: {},
        credits: p.credits,
      },
      at,
    );
  }
}
