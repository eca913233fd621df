import Stripe from "stripe";
import { noSuch } from "./errors.ts";
import { listOf } from "./list.ts";
import { LIST_PARAMS, type Route, route } from "./router.ts";
import type { StripeState } from "./store.ts";
import { type Json, newId, toWire } from "./wire.ts";

/** The API version events are rendered in (the SDK's pinned version). */
export const API_VERSION: string = Stripe.API_VERSION;

/** A JSON copy of `object` to compare with after a change (`emitUpdated`). */
export function snapshot(object: object): Json {
  return toWire(object);
}

/**
 * Creates the event `type` about `object` as it is now (`data.object` is a JSON copy), at `at`
 * (epoch seconds: the object's clock time), and publishes it.
 */
export function emit(
  state: StripeState,
  type: Stripe.Event.Type,
  object: object,
  at: number,
  previousAttributes?: { [key: string]: Json },
): void {
  const request = state.request;
  const event = {
    id: newId("evt"),
    object: "event",
    api_version: API_VERSION,
    created: at,
    data: {
      object: toWire(object),
      ...(previousAttributes === undefined ? {} : { previous_attributes: previousAttributes }),
    },
    livemode: false,
    pending_webhooks: 0,
    request: { id: request?.id ?? null, idempotency_key: request?.idempotencyKey ?? null },
    type,
  };
  // `Stripe.Event` is a union keyed by `type`; the object's shape is the caller's to get right.
  state.publish(event as unknown as Stripe.Event);
}

/**
 * Emits `type` (an `….updated` event) when `object` differs from `before`, with
 * `data.previous_attributes` holding the old values of what changed.
 */
export function emitUpdated(
  state: StripeState,
  type: Stripe.Event.Type,
  object: object,
  before: Json,
  at: number,
): void {
  const previous = changedFrom(before, toWire(object));
  if (previous !== null) emit(state, type, object, at, previous);
}

/**
 * The old values of what changed between two JSON objects, as Stripe's `previous_attributes`:
 * nested hashes recurse (only their changed keys), arrays and scalars are compared whole, and a
 * key that did not exist before is `null`. Null when nothing changed.
 */
export function changedFrom(before: Json, after: Json): { [key: string]: Json } | null {
  if (!isHash(before) || !isHash(after)) return null;
  const out: { [key: string]: Json } = {};
  for (const key of new Set([...Object.keys(before), ...Object.keys(after)])) {
    const b = before[key] ?? null;
    const a = after[key] ?? null;
    if (JSON.stringify(a) === JSON.stringify(b)) continue;
    const nested = isHash(b) && isHash(a) ? changedFrom(b, a) : null;
    out[key] = nested ?? b;
  }
  return Object.keys(out).length === 0 ? null : out;
}

function isHash(v: Json | undefined): v is { [key: string]: Json } {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** `GET /v1/events` (filters `type`, `types[]`) and `GET /v1/events/:id`. */
export function eventRoutes(): Route[] {
  return [
    route("GET", "/v1/events", [...LIST_PARAMS, "type", "types", "delivery_success"], (ctx) => {
      const type = ctx.params.str("type");
      const types = ctx.params.strings("types");
      const matches = (t: string) =>
        (type === undefined || matchesType(type, t)) &&
        (types.length === 0 || types.some((x) => matchesType(x, t)));
      return listOf(
        ctx.state.events.filter((e) => matches(e.type)),
        ctx.params,
        ctx.url,
      );
    }),
    route("GET", "/v1/events/:id", [], (ctx) => {
      const event = ctx.state.events.find((e) => e.id === ctx.id);
      if (event === undefined) throw noSuch("event", ctx.id);
      return event;
    }),
  ];
}

/** `customer.*` matches `customer.created`, as Stripe's `type` filter allows. */
function matchesType(pattern: string, type: string): boolean {
  if (pattern.endsWith("*")) return type.startsWith(pattern.slice(0, -1));
  return pattern === type;
}
