export { hashApiKey, newApiKey } from "./api-keys.ts";
export type { ZodApp } from "./app-types.ts";
export { buildApi } from "./build-api.ts";
export { type ApiConfig, apiConfig } from "./config.ts";
export type { ApiDeps } from "./deps.ts";
export { FindingFeed } from "./feed.ts";
