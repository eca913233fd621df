export * from "./stripe-api/index.ts";
