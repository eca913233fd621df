export * from "./builder.ts";
export * from "./describe.ts";
export * from "./kinds.ts";
export * from "./state-events.ts";
