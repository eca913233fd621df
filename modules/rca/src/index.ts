export * from "./analysis/baseline.ts";
export * from "./ingest/build-graph.ts";
export * from "./ingest/remote-write.ts";
export * from "./model.ts";
