export * from "./evaluate.ts";
export * from "./load-day.ts";
