export * from "./catalog.ts";
export * from "./format.ts";
export * from "./replay.ts";
