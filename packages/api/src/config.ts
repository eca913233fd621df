import { z } from "zod";

/** HTTP API settings (environment prefix API_). */
export const apiConfig = z.object({
  host: z.string().min(1).default("127.0.0.1").describe("Interface to listen on (0.0.0.0 for all)"),
  port: z.number().int().min(0).max(65_535).default(8080).describe("Port to listen on"),
  keyHashes: z
    .array(z.string().regex(/^sha256:[0-9a-f]{64}$/, "expected sha256:<64 hex digits>"))
    .default([])
    .describe(
      "SHA-256 hashes of API keys accepted as the default tenant's owner (comma-separated; from before keys lived in the database, docs/tenancy.md)",
    ),
  rateLimitPerIp: z
    .number()
    .int()
    .min(1)
    .default(600)
    .describe("Requests a minute per client IP without a key, on routes whose plan sets no rate"),
  rateLimitPerKey: z
    .number()
    .int()
    .min(1)
    .default(6_000)
    .describe("Requests a minute per API key, on routes whose plan sets no rate"),
  planLimits: z
    .boolean()
    .default(true)
    .describe(
      "Hold tenants to their plans' request rates and daily API quotas, answer suspended subscriptions 402, and meter API calls (docs/plans.md). false: only the per-key and per-IP rates apply (a private install that bills nobody)",
    ),
  authFailuresPerMinute: z
    .number()
    .int()
    .min(1)
    .default(30)
    .describe(
      "Failed authentications (a missing or wrong key) a minute per client IP; past it they are answered 429 with Retry-After (a valid key still passes)",
    ),
  headersTimeoutMs: z
    .number()
    .int()
    .min(50)
    .default(10_000)
    .describe(
      "A request's headers must arrive within this long of its start, or the connection is closed, ms",
    ),
  requestTimeoutMs: z
    .number()
    .int()
    .min(50)
    .default(30_000)
    .describe(
      "A request, headers and body, must arrive within this long (408, connection closed); at least API_HEADERS_TIMEOUT_MS, ms",
    ),
  maxConnectionsPerIp: z
    .number()
    .int()
    .min(0)
    .default(256)
    .describe(
      "Connections open at once from one client address (the TCP peer: behind a proxy, the proxy); more are closed as they arrive; 0: no limit",
    ),
  maxConnections: z
    .number()
    .int()
    .min(0)
    .default(0)
    .describe(
      "Connections open at once in all; more are closed as they arrive and logged; 0: the process's open-file limit less 256",
    ),
  corsOrigins: z
    .array(z.string().min(1))
    .default([])
    .describe(
      'Origins allowed to call the API from a browser (comma-separated; "*" for any); empty: no CORS headers',
    ),
  trustProxy: z
    .boolean()
    .default(false)
    .describe("Take the client IP from X-Forwarded-For (behind a reverse proxy)"),
  docs: z
    .boolean()
    .default(true)
    .describe("Serve the OpenAPI document at /openapi.json and its UI at /docs"),
  feedPollMs: z
    .number()
    .int()
    .min(100)
    .max(600_000)
    .default(1_000)
    .describe(
      "An API process without the monitor (`kamiyo serve --role api`) reads changed findings for its live streams this often, ms; with NATS_URL a detect shard's notice makes it read them at once",
    ),
  streamHeartbeatMs: z
    .number()
    .int()
    .min(1_000)
    .default(15_000)
    .describe("Keep-alive interval of live streams, ms"),
  maxStreamClients: z
    .number()
    .int()
    .min(1)
    .default(10_000)
    .describe("Live stream connections accepted at once"),
  responseCacheMs: z
    .number()
    .int()
    .min(0)
    .max(60_000)
    .default(2_000)
    .describe(
      "Finding lists are served from memory until findings change, for at most this long, ms; 0: off",
    ),
  dataStaleMs: z
    .number()
    .int()
    .min(1_000)
    .default(5 * 60_000)
    .describe("Market data older than this makes /ready report the pipeline as lagging, ms"),
  maxWebhooks: z
    .number()
    .int()
    .min(0)
    .default(50)
    .describe(
      "Webhook endpoints a tenant may create through the API, and as many chat channels, when none of its plans sets a number (the catalog: intel_team 5, intel_enterprise 50)",
    ),
  webhooksAllowLoopbackHttp: z
    .boolean()
    .default(false)
    .describe(
      "Accept webhook URLs with http:// to a loopback host (localhost, 127.0.0.1, ::1), for local development",
    ),
  webhookMutationsPerMinute: z
    .number()
    .int()
    .min(1)
    .default(10)
    .describe(
      "Changes to webhooks and silences (POST, PATCH, DELETE) a minute per API key or client IP, per route",
    ),
});

export type ApiConfig = z.output<typeof apiConfig>;
