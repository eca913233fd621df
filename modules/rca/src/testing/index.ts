export * from "./k8s-fixtures.ts";
