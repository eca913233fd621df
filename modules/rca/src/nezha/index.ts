export * from "./evaluate.ts";
export * from "./evaluate-stored.ts";
export * from "./load-day.ts";
