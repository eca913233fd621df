export * from "./credentials.ts";
export * from "./ingest-bus.ts";
export * from "./jetstream-bus.ts";
export * from "./memory-bus.ts";
export * from "./subjects.ts";
