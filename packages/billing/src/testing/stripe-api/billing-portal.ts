import type Stripe from "stripe";
import { emit } from "./events.ts";
import { type Route, type RouteContext, route } from "./router.ts";
import { must } from "./store.ts";
import { newId } from "./wire.ts";

/** The portal configuration every session uses (the account's default one). */
const DEFAULT_CONFIGURATION = "bpc_local_default";

/** Billing portal sessions: create (`customer`, `return_url`), its `url` a page on this server. */
export function billingPortalRoutes(): Route[] {
  return [
    route(
      "POST",
      "/v1/billing_portal/sessions",
      ["configuration", "customer", "locale", "return_url"],
      createPortalSession,
    ),
  ];
}

function createPortalSession({ state, params }: RouteContext): Stripe.BillingPortal.Session {
  const customer = must(state.customers, "customer", params.required("customer"), "customer");
  const at = state.now(state.clockOf(customer.id));
  const id = newId("bps");
  const session: Stripe.BillingPortal.Session = {
    id,
    object: "billing_portal.session",
    configuration: params.str("configuration") ?? DEFAULT_CONFIGURATION,
    created: at,
    customer: customer.id,
    customer_account: null,
    flow: null,
    livemode: false,
    locale: params.str("locale") ?? null,
    on_behalf_of: null,
    return_url: params.str("return_url") ?? null,
    url: `${state.baseUrl}/billing_portal/${id}`,
  };
  state.portalSessions.set(id, session);
  emit(state, "billing_portal.session.created", session, at);
  return session;
}
