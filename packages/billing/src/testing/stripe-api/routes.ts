import { billingPortalRoutes } from "./billing-portal.ts";
import { checkoutRoutes } from "./checkout.ts";
import { customerRoutes } from "./customers.ts";
import { eventRoutes } from "./events.ts";
import { invoiceItemRoutes } from "./invoice-items.ts";
import { invoiceRoutes } from "./invoices.ts";
import { meterRoutes } from "./meters.ts";
import { paymentMethodRoutes } from "./payment-methods.ts";
import { priceRoutes } from "./prices.ts";
import { productRoutes } from "./products.ts";
import type { Route } from "./router.ts";
import { subscriptionRoutes } from "./subscriptions.ts";
import { testClockRoutes } from "./test-clocks.ts";
import { webhookEndpointRoutes } from "./webhook-endpoints.ts";

/** Every endpoint the fake API serves, first match wins. */
export function allRoutes(): Route[] {
  return [
    ...customerRoutes(),
    ...paymentMethodRoutes(),
    ...productRoutes(),
    ...priceRoutes(),
    ...subscriptionRoutes(),
    ...invoiceItemRoutes(),
    ...invoiceRoutes(),
    ...testClockRoutes(),
    ...meterRoutes(),
    ...checkoutRoutes(),
    ...billingPortalRoutes(),
    ...webhookEndpointRoutes(),
    ...eventRoutes(),
  ];
}
