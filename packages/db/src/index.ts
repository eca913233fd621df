export * from "./db.ts";
export * from "./findings-repo.ts";
export * from "./memory-db.ts";
export * from "./migrate.ts";
export * from "./open-db.ts";
export * from "./pglite-db.ts";
export * from "./postgres-db.ts";

/** The tenant of a single-tenant (open-source) install. */
export const DEFAULT_TENANT_ID = "ten_default";
export * from "./insert-rows.ts";
export * from "./json-page.ts";
export * from "./ml-models-repo.ts";
export * from "./tenant-db.ts";
