export * from "./cli-error.ts";
export * from "./cli-io.ts";
export * from "./compose.ts";
export * from "./product-module.ts";
