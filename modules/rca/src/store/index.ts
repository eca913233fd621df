export * from "./agents.ts";
export * from "./analyses.ts";
export * from "./graph-queries.ts";
export * from "./incidents.ts";
export * from "./load-input.ts";
export * from "./record-events.ts";
export * from "./write-graph.ts";
