export * from "./chains.ts";
export * from "./dedup/cluster.ts";
export * from "./dedup/match.ts";
export * from "./dedup/merge.ts";
export * from "./dedup/protocol-key.ts";
export * from "./store/incidents.ts";
export * from "./types.ts";
