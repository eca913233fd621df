import type Stripe from "stripe";
import { runDue } from "./clock.ts";
import { invalidParam } from "./errors.ts";
import { emit } from "./events.ts";
import { listOf } from "./list.ts";
import { LIST_PARAMS, type Route, type RouteContext, route } from "./router.ts";
import { must, type StripeState } from "./store.ts";
import { DAY, idOf, newId } from "./wire.ts";

/**
 * Test clocks (`/v1/test_helpers/test_clocks`). Advancing runs everything due on the clock's
 * objects in time order. Unlike Stripe, which answers `status: "advancing"` and works in the
 * background, the advance completes before the response: it returns `status: "ready"` at the new
 * `frozen_time`, and its events already exist.
 */
export function testClockRoutes(): Route[] {
  return [
    route("POST", "/v1/test_helpers/test_clocks", ["frozen_time", "name"], createClock),
    route("GET", "/v1/test_helpers/test_clocks/:id", [], (ctx) =>
      must(ctx.state.testClocks, "test_clock", ctx.id),
    ),
    route("GET", "/v1/test_helpers/test_clocks", [...LIST_PARAMS], (ctx) =>
      listOf([...ctx.state.testClocks.values()], ctx.params, ctx.url),
    ),
    route("POST", "/v1/test_helpers/test_clocks/:id/advance", ["frozen_time"], advanceClock),
    route("DELETE", "/v1/test_helpers/test_clocks/:id", [], deleteClock),
  ];
}

function createClock({ state, params }: RouteContext): Stripe.TestHelpers.TestClock {
  const created = state.realNow();
  const clock: Stripe.TestHelpers.TestClock = {
    id: newId("clock"),
    object: "test_helpers.test_clock",
    created,
    deletes_after: created + 30 * DAY,
    frozen_time: params.requiredInt("frozen_time"),
    livemode: false,
    name: params.str("name") ?? null,
    status: "ready",
    status_details: {},
  };
  state.testClocks.set(clock.id, clock);
  emit(state, "test_helpers.test_clock.created", clock, created);
  return clock;
}

function advanceClock({ state, params, id }: RouteContext): Stripe.TestHelpers.TestClock {
  const clock = must(state.testClocks, "test_clock", id);
  const target = params.requiredInt("frozen_time");
  if (target <= clock.frozen_time) {
    throw invalidParam(
      "frozen_time",
      "The frozen_time must be after the test clock's current frozen_time.",
    );
  }
  const request = state.request;
  clock.status = "advancing";
  clock.status_details = { advancing: { target_frozen_time: target } };
  emit(state, "test_helpers.test_clock.advancing", clock, state.realNow());
  // Work the clock does is not part of the request (`event.request` is null, as at Stripe).
  state.request = null;
  try {
    runDue(state, clock.id, target);
  } finally {
    state.request = request;
  }
  clock.frozen_time = target;
  clock.status = "ready";
  clock.status_details = {};
  emit(state, "test_helpers.test_clock.ready", clock, state.realNow());
  return clock;
}

function deleteClock({ state, id }: RouteContext): Stripe.TestHelpers.DeletedTestClock {
  const clock = must(state.testClocks, "test_clock", id);
  removeObjectsOf(state, id);
  state.testClocks.delete(id);
  emit(state, "test_helpers.test_clock.deleted", clock, state.realNow());
  return { id, object: "test_helpers.test_clock", deleted: true };
}

/** Deleting a clock deletes the customers on it and everything they own, as Stripe does. */
function removeObjectsOf(state: StripeState, clockId: string): void {
  const on = (o: { test_clock?: string | { id: string } | null }) => idOf(o.test_clock) === clockId;
  for (const [key, c] of state.customers) if (on(c)) state.customers.delete(key);
  for (const [key, s] of state.subscriptions) {
    if (!on(s)) continue;
    state.subscriptions.delete(key);
    state.subscriptionState.delete(key);
  }
  for (const [key, i] of state.invoices) if (on(i)) state.invoices.delete(key);
  for (const [key, i] of state.invoiceItems) if (on(i)) state.invoiceItems.delete(key);
}
