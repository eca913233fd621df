export * from "./api-harness.ts";
export * from "./query-arbitraries.ts";
