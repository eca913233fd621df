export * from "./history-queries.ts";
export * from "./history-store.ts";
export * from "./liquidation-queries.ts";
export * from "./market-queries.ts";
export * from "./timeseries-repo.ts";
export * from "./vault-queries.ts";
