import type Stripe from "stripe";
import { badRequest, invalidParam, missingParam } from "./errors.ts";
import { emit, emitUpdated, snapshot } from "./events.ts";
import { listOf } from "./list.ts";
import { LIST_PARAMS, type Route, type RouteContext, route } from "./router.ts";
import { must, type StripeState } from "./store.ts";
import { DAY, HOUR, newId } from "./wire.ts";

/**
 * Billing meters, meter events and event summaries. An event's `identifier` is unique: sending
 * one again is refused with 400 `duplicate_meter_event` ("A meter event with a duplicate
 * identifier has already been submitted.", the error Stripe's OpenAPI spec documents for it).
 * Stripe enforces uniqueness for at least 24 hours; this server for its lifetime.
 */
export function meterRoutes(): Route[] {
  return [
    route(
      "POST",
      "/v1/billing/meters",
      [
        "customer_mapping",
        "default_aggregation",
        "display_name",
        "event_name",
        "event_time_window",
        "value_settings",
      ],
      createMeter,
    ),
    route("GET", "/v1/billing/meters", [...LIST_PARAMS, "status"], ({ state, params, url }) => {
      const status = params.oneOf("status", ["active", "inactive"]);
      const found = [...state.meters.values()].filter(
        (m) => status === undefined || m.status === status,
      );
      return listOf(found, params, url);
    }),
    route("GET", "/v1/billing/meters/:id", [], (ctx) =>
      must(ctx.state.meters, "billing meter", ctx.id),
    ),
    route("POST", "/v1/billing/meters/:id", ["display_name"], ({ state, params, id }) => {
      const meter = must(state.meters, "billing meter", id);
      const before = snapshot(meter);
      meter.display_name = params.str("display_name") ?? meter.display_name;
      meter.updated = state.realNow();
      emitUpdated(state, "billing.meter.updated", meter, before, meter.updated);
      return meter;
    }),
    route("POST", "/v1/billing/meters/:id/deactivate", [], (ctx) => setActive(ctx, false)),
    route("POST", "/v1/billing/meters/:id/reactivate", [], (ctx) => setActive(ctx, true)),
    route(
      "GET",
      "/v1/billing/meters/:id/event_summaries",
      [...LIST_PARAMS, "customer", "end_time", "start_time", "value_grouping_window"],
      eventSummaries,
    ),
    route(
      "POST",
      "/v1/billing/meter_events",
      ["event_name", "identifier", "payload", "timestamp"],
      createMeterEvent,
    ),
  ];
}

function createMeter({ state, params }: RouteContext): Stripe.Billing.Meter {
  const formula = params.obj("default_aggregation")?.oneOf("formula", ["count", "last", "sum"]);
  if (formula === undefined) throw missingParam("default_aggregation[formula]");
  const eventName = params.required("event_name");
  if ([...state.meters.values()].some((m) => m.event_name === eventName && m.status === "active")) {
    throw invalidParam(
      "event_name",
      `An active meter with event_name '${eventName}' already exists.`,
    );
  }
  const at = state.realNow();
  const meter: Stripe.Billing.Meter = {
    id: newId("mtr"),
    object: "billing.meter",
    created: at,
    customer_mapping: {
      event_payload_key:
        params.obj("customer_mapping")?.str("event_payload_key") ?? "stripe_customer_id",
      type: "by_id",
    },
    default_aggregation: { formula },
    display_name: params.required("display_name"),
    event_name: eventName,
    event_time_window: params.oneOf("event_time_window", ["day", "hour"]) ?? null,
    livemode: false,
    status: "active",
    status_transitions: { deactivated_at: null },
    updated: at,
    value_settings: {
      event_payload_key: params.obj("value_settings")?.str("event_payload_key") ?? "value",
    },
  };
  state.meters.set(meter.id, meter);
  emit(state, "billing.meter.created", meter, at);
  return meter;
}

function setActive({ state, id }: RouteContext, active: boolean): Stripe.Billing.Meter {
  const meter = must(state.meters, "billing meter", id);
  const at = state.realNow();
  meter.status = active ? "active" : "inactive";
  meter.status_transitions.deactivated_at = active ? null : at;
  meter.updated = at;
  emit(state, active ? "billing.meter.reactivated" : "billing.meter.deactivated", meter, at);
  return meter;
}

function createMeterEvent({ state, params }: RouteContext): Stripe.Billing.MeterEvent {
  const eventName = params.required("event_name");
  const payload = params.obj("payload");
  if (payload === undefined) throw missingParam("payload");
  const values: { [key: string]: string } = {};
  for (const key of payload.keys()) values[key] = payload.required(key);
  const identifier = params.str("identifier") || newId("mev");
  if (state.meterIdentifiers.has(identifier)) {
    throw invalidParam(
      "identifier",
      "A meter event with a duplicate identifier has already been submitted.",
      "duplicate_meter_event",
    );
  }
  const customerId = values.stripe_customer_id;
  const clock = customerId === undefined ? null : state.clockOf(customerId);
  const at = state.now(clock);
  const event: Stripe.Billing.MeterEvent = {
    object: "billing.meter_event",
    created: at,
    event_name: eventName,
    identifier,
    livemode: false,
    payload: values,
    timestamp: params.int("timestamp") ?? at,
  };
  state.meterIdentifiers.add(identifier);
  state.meterEvents.push(event);
  return event;
}

function eventSummaries({
  state,
  params,
  id,
  url,
}: RouteContext): Stripe.ApiList<Stripe.Billing.MeterEventSummary> {
  const meter = must(state.meters, "billing meter", id);
  const customer = params.required("customer");
  const start = params.requiredInt("start_time");
  const end = params.requiredInt("end_time");
  if (end <= start) throw badRequest("The end_time must be after the start_time.");
  const window = params.oneOf("value_grouping_window", ["day", "hour"]);
  const step = window === "day" ? DAY : window === "hour" ? HOUR : end - start;
  const summaries: Stripe.Billing.MeterEventSummary[] = [];
  for (let from = start; from < end; from += step) {
    const to = Math.min(end, from + step);
    const events = eventsOf(state, meter, customer, from, to);
    if (window !== undefined && events.length === 0) continue;
    summaries.push({
      id: newId("mtrusg"),
      object: "billing.meter_event_summary",
      aggregated_value: aggregate(meter, events),
      end_time: to,
      livemode: false,
      meter: meter.id,
      start_time: from,
    });
  }
  return listOf(summaries, params, url);
}

/** The meter's aggregate of a customer's events with timestamps in `[start, end)`. */
export function meterUsage(
  state: StripeState,
  meterId: string,
  customerId: string,
  start: number,
  end: number,
): number {
  const meter = state.meters.get(meterId);
  if (meter === undefined) return 0;
  return aggregate(meter, eventsOf(state, meter, customerId, start, end));
}

function eventsOf(
  state: StripeState,
  meter: Stripe.Billing.Meter,
  customerId: string,
  start: number,
  end: number,
): Stripe.Billing.MeterEvent[] {
  const key = meter.customer_mapping.event_payload_key;
  return state.meterEvents.filter(
    (e) =>
      e.event_name === meter.event_name &&
      e.payload[key] === customerId &&
      e.timestamp >= start &&
      e.timestamp < end,
  );
}

function aggregate(meter: Stripe.Billing.Meter, events: Stripe.Billing.MeterEvent[]): number {
  const key = meter.value_settings.event_payload_key;
  const values = events.map((e) => Number(e.payload[key])).filter((v) => Number.isFinite(v));
  switch (meter.default_aggregation.formula) {
    case "count":
      return events.length;
    case "last": {
      const latest = [...events].sort((a, b) => a.timestamp - b.timestamp).at(-1);
      const v = Number(latest?.payload[key]);
      return Number.isFinite(v) ? v : 0;
    }
    default:
      return values.reduce((sum, v) => sum + v, 0);
  }
}
