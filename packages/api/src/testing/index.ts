export * from "./api-harness.ts";
export * from "./example-module.ts";
export * from "./query-arbitraries.ts";
