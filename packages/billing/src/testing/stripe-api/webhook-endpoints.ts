import type Stripe from "stripe";
import { invalidParam, missingParam } from "./errors.ts";
import { listOf } from "./list.ts";
import { mergeMetadata } from "./params.ts";
import { LIST_PARAMS, type Route, type RouteContext, route } from "./router.ts";
import { must, type StripeState } from "./store.ts";
import { newId } from "./wire.ts";

/**
 * Webhook endpoints: create (`url`, `enabled_events[]`, the answer alone carrying the signing
 * `secret`, `whsec_…`), retrieve, update (`disabled`, …), list, delete.
 */
export function webhookEndpointRoutes(): Route[] {
  return [
    route(
      "POST",
      "/v1/webhook_endpoints",
      ["api_version", "description", "enabled_events", "metadata", "url"],
      createEndpoint,
    ),
    route("GET", "/v1/webhook_endpoints/:id", [], (ctx) =>
      must(ctx.state.webhookEndpoints, "webhook endpoint", ctx.id),
    ),
    route(
      "POST",
      "/v1/webhook_endpoints/:id",
      ["description", "disabled", "enabled_events", "metadata", "url"],
      updateEndpoint,
    ),
    route("DELETE", "/v1/webhook_endpoints/:id", [], ({ state, id }) => {
      must(state.webhookEndpoints, "webhook endpoint", id);
      state.webhookEndpoints.delete(id);
      state.webhookSecrets.delete(id);
      const deleted: Stripe.DeletedWebhookEndpoint = {
        id,
        object: "webhook_endpoint",
        deleted: true,
      };
      return deleted;
    }),
    route("GET", "/v1/webhook_endpoints", [...LIST_PARAMS], (ctx) =>
      listOf([...ctx.state.webhookEndpoints.values()], ctx.params, ctx.url),
    ),
  ];
}

/** The enabled endpoints an event of `type` goes to. */
export function endpointsFor(state: StripeState, type: string): Stripe.WebhookEndpoint[] {
  return [...state.webhookEndpoints.values()].filter(
    (e) =>
      e.status === "enabled" && (e.enabled_events.includes("*") || e.enabled_events.includes(type)),
  );
}

function createEndpoint({ state, params }: RouteContext): Stripe.WebhookEndpoint {
  const url = validUrl(params.required("url"));
  const events = params.strings("enabled_events");
  if (events.length === 0) throw missingParam("enabled_events");
  const secret = newId("whsec", 32);
  const endpoint: Stripe.WebhookEndpoint = {
    id: newId("we"),
    object: "webhook_endpoint",
    api_version: params.str("api_version") ?? null,
    application: null,
    created: state.realNow(),
    description: params.str("description") || null,
    enabled_events: events,
    livemode: false,
    metadata: mergeMetadata({}, params.metadata()),
    status: "enabled",
    url,
  };
  state.webhookEndpoints.set(endpoint.id, endpoint);
  state.webhookSecrets.set(endpoint.id, secret);
  return { ...endpoint, secret };
}

function updateEndpoint({ state, params, id }: RouteContext): Stripe.WebhookEndpoint {
  const endpoint = must(state.webhookEndpoints, "webhook endpoint", id);
  const url = params.str("url");
  if (url !== undefined) endpoint.url = validUrl(url);
  const events = params.strings("enabled_events");
  if (events.length > 0) endpoint.enabled_events = events;
  const disabled = params.bool("disabled");
  if (disabled !== undefined) endpoint.status = disabled ? "disabled" : "enabled";
  if (params.has("description")) endpoint.description = params.str("description") || null;
  endpoint.metadata = mergeMetadata(endpoint.metadata, params.metadata());
  return endpoint;
}

function validUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.protocol === "http:" || parsed.protocol === "https:") return url;
  } catch {
    // fall through to the error
  }
  throw invalidParam("url", `Invalid URL: ${url}`, "url_invalid");
}
