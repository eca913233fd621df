export * from "./compose.ts";
export * from "./product-module.ts";
