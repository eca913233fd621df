export * from "./ltv/csv.ts";
export * from "./ltv/rfm.ts";
export * from "./ltv/summary-csv.ts";
export * from "./ltv/transactions.ts";
export * from "./ltv/transactions-csv.ts";
