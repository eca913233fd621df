import type { StripeState } from "./store.ts";
import { type Json, toWire } from "./wire.ts";

/**
 * Replaces the ids at each `expand[]` path (`latest_invoice`, `customer`,
 * `items.data.price.product`, `data.latest_invoice` on a list) with the objects, as Stripe
 * expands them. Paths that do not lead to an id of a known object are left as they are.
 */
export function expand(state: StripeState, value: Json, paths: readonly string[]): Json {
  let out = value;
  for (const path of paths) out = walk(state, out, path.split("."));
  return out;
}

function walk(state: StripeState, node: Json, path: readonly string[]): Json {
  if (path.length === 0) return node;
  if (Array.isArray(node)) return node.map((n) => walk(state, n, path));
  if (node === null || typeof node !== "object") return node;
  const [key, ...rest] = path;
  if (key === undefined || !(key in node)) return node;
  const child = node[key] ?? null;
  const resolved = typeof child === "string" ? (lookup(state, child) ?? child) : child;
  node[key] = walk(state, resolved, rest);
  return node;
}

function lookup(state: StripeState, id: string): Json | undefined {
  const maps: ReadonlyMap<string, object>[] = [
    state.customers,
    state.subscriptions,
    state.invoices,
    state.prices,
    state.products,
    state.paymentMethods,
    state.invoiceItems,
    state.subscriptionItems(),
    state.testClocks,
    state.meters,
    state.checkoutSessions,
  ];
  for (const map of maps) {
    const found = map.get(id);
    if (found !== undefined) return toWire(found);
  }
  return undefined;
}
