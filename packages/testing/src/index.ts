export * from "./detector-harness.ts";
export * from "./fixtures.ts";
export * from "./redis-server.ts";
export * from "./serve-process.ts";
export * from "./test-db.ts";
