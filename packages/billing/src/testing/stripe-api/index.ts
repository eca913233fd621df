/**
 * A local fake of the subset of Stripe's REST API our billing code uses (customers, products,
 * prices, subscriptions, invoices, test clocks, meters, checkout, portal, events, webhooks), in
 * the object shapes of API version 2026-11-18.endive, for tests driven by the official SDK.
 */
export type { ExhaustedRetriesAction, StripeApiServerOptions } from "./options.ts";
export { type StripeApiServer, startStripeApiServer } from "./server.ts";
