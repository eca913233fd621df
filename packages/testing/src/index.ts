export * from "./fixtures.ts";
export * from "./test-db.ts";
