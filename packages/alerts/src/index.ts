export * from "./delivery/delivery-worker.ts";
export * from "./delivery/retry-schedule.ts";
export * from "./ids.ts";
export * from "./store/channels.ts";
export * from "./store/outbox.ts";
export * from "./types.ts";
