export * from "./billing-jobs.ts";
export * from "./catalog-sync.ts";
export * from "./stripe-billing.ts";
export * from "./stripe-client.ts";
export * from "./stripe-config.ts";
export * from "./stripe-sync.ts";
export * from "./stripe-webhook.ts";
