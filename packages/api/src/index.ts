export { hashApiKey, newApiKey } from "./api-keys.ts";
export type {
  ApiModule,
  ApiModuleContext,
  MetaSection,
  PublicFigure,
  StatsSection,
} from "./api-module.ts";
export type { ZodApp } from "./app-types.ts";
export { type Authentication, Authenticator } from "./authenticate.ts";
export { buildApi } from "./build-api.ts";
export { type ApiConfig, apiConfig } from "./config.ts";
export { type ApiDeps, type DemoInfo, type PluginInfo, pluginCatalog } from "./deps.ts";
export { FindingFeed } from "./feed.ts";
export { type JsonText, jsonText, pageBody, sendJsonText } from "./json-body.ts";
export type { Reservation, UsageQuota } from "./limits/usage-quota.ts";
export { Metrics } from "./metrics.ts";
export { forTenant } from "./request-deps.ts";
export { ResponseCache } from "./response-cache.ts";
export { planCatalogJson } from "./routes/plans-routes.ts";
export * from "./schemas/common.ts";
export { type ListEventsInput, listEvents } from "./services/events.ts";
export { TableWatch } from "./table-watch.ts";
