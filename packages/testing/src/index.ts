export * from "./detector-harness.ts";
export * from "./fixtures.ts";
export * from "./test-db.ts";
