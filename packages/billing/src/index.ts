export * from "./billing-period.ts";
export * from "./catalog/index.ts";
export * from "./entitlements.ts";
export * from "./invoices.ts";
export * from "./subscriptions.ts";
export * from "./usage.ts";
