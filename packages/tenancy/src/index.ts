export * from "./api-key-format.ts";
export * from "./api-keys-repo.ts";
export * from "./audit-log.ts";
export * from "./ids.ts";
export * from "./members-repo.ts";
export * from "./request-context.ts";
export * from "./roles.ts";
export * from "./tenants-repo.ts";
