import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type Stripe from "stripe";
import { runDue } from "./clock.ts";
import { invalidParam, StripeApiError, type StripeErrorBody } from "./errors.ts";
import { API_VERSION } from "./events.ts";
import { expand } from "./expand.ts";
import { decodeForm, type FormObject } from "./form.ts";
import { fingerprintOf, IdempotencyKeys } from "./idempotency.ts";
import { resolveOptions, type StripeApiServerOptions } from "./options.ts";
import { pageFor } from "./pages.ts";
import { Params } from "./params.ts";
import { matchRoute, type Route } from "./router.ts";
import { allRoutes } from "./routes.ts";
import { StripeState } from "./store.ts";
import { WebhookDispatcher } from "./webhook-delivery.ts";
import { endpointsFor } from "./webhook-endpoints.ts";
import { type Json, newId, toWire } from "./wire.ts";

/** A running fake of the Stripe API. */
export interface StripeApiServer {
  /** `http://127.0.0.1:<port>`. */
  url: string;
  host: string;
  port: number;
  protocol: "http";
  /** Every event created so far, oldest first (also served at GET /v1/events), as sent. */
  events(): Stripe.Event[];
  /** Stops the server and webhook delivery (undelivered events are dropped). */
  close(): Promise<void>;
}

const MAX_BODY_BYTES = 1_000_000;

/**
 * Starts a local HTTP server speaking the subset of Stripe's REST API our billing code uses, with
 * objects in the shapes of API version 2026-11-18.endive (the installed SDK's types). Point the
 * official SDK at it with `new Stripe(secretKey, { host, port, protocol: "http" })`.
 * @returns once it listens on 127.0.0.1.
 */
export async function startStripeApiServer(
  opts: StripeApiServerOptions = {},
): Promise<StripeApiServer> {
  const options = resolveOptions(opts);
  const state = new StripeState(options);
  const dispatcher = new WebhookDispatcher({
    timeoutMs: options.webhookTimeoutMs,
    retryDelaysMs: options.webhookRetryDelaysMs,
    now: options.now,
    onDelivered: (event) => {
      event.pending_webhooks = Math.max(0, event.pending_webhooks - 1);
    },
  });
  state.onPublish = (event) => {
    const endpoints = endpointsFor(state, event.type);
    event.pending_webhooks = endpoints.length;
    for (const endpoint of endpoints) {
      const secret = state.webhookSecrets.get(endpoint.id) ?? "";
      dispatcher.enqueue({ endpointId: endpoint.id, url: endpoint.url, secret }, event);
    }
    return endpoints.length;
  };
  const api = new Api(state, allRoutes(), options.secretKey);
  const server = createServer((req, res) => {
    api.handle(req, res).catch((error: unknown) => {
      console.error("stripe-api: request failed", error);
      if (!res.headersSent) send(res, 500, JSON.stringify(internalError()), {});
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, "127.0.0.1", () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  state.baseUrl = `http://127.0.0.1:${port}`;
  return {
    url: state.baseUrl,
    host: "127.0.0.1",
    port,
    protocol: "http",
    events: () => [...state.events],
    close: async () => {
      await dispatcher.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** The request pipeline: auth, decoding, idempotency, the clock, the handler, the response. */
class Api {
  private readonly state: StripeState;
  private readonly routes: readonly Route[];
  private readonly secretKey: string;
  private readonly keys = new IdempotencyKeys();

  constructor(state: StripeState, routes: readonly Route[], secretKey: string) {
    this.state = state;
    this.routes = routes;
    this.secretKey = secretKey;
  }

  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    const method = (req.method ?? "GET").toUpperCase();
    const body = await readBody(req);
    if (!url.pathname.startsWith("/v1/")) {
      const html = method === "GET" ? pageFor(this.state, url.pathname) : null;
      if (html === null) send(res, 404, "Not found", { "Content-Type": "text/plain" });
      else send(res, 200, html, { "Content-Type": "text/html; charset=utf-8" });
      return;
    }
    const requestId = newId("req", 14);
    const key = method === "POST" ? header(req, "idempotency-key") : undefined;
    const headers: Record<string, string> = {
      "Request-Id": requestId,
      "Stripe-Version": header(req, "stripe-version") ?? API_VERSION,
      ...(key === undefined ? {} : { "Idempotency-Key": key }),
    };
    try {
      authenticate(req, this.secretKey);
      const match = matchRoute(this.routes, method, url.pathname);
      if (match === null) {
        throw new StripeApiError(
          404,
          "invalid_request_error",
          `Unrecognized request URL (${method}: ${url.pathname}). Please see https://stripe.com/docs or we can help at https://support.stripe.com/.`,
        );
      }
      const raw = decodeForm(method === "POST" ? body : url.search.slice(1));
      const fingerprint = fingerprintOf(method, url.pathname, raw);
      const saved = key === undefined ? undefined : this.keys.replay(key, fingerprint);
      if (saved !== undefined) {
        send(res, saved.status, saved.body, { ...headers, "Idempotent-Replayed": "true" });
        return;
      }
      const { status, json } = this.run(match.route, match.id, raw, url.pathname, requestId, key);
      const text = JSON.stringify(json, null, 2);
      if (key !== undefined && (status < 400 || status === 402)) {
        this.keys.save(key, fingerprint, { status, body: text });
      }
      send(res, status, text, headers);
    } catch (error) {
      if (!(error instanceof StripeApiError)) throw error;
      send(res, error.status, JSON.stringify(error.body(), null, 2), headers);
    }
  }

  /** Runs a handler after the real clock's due work; its errors become Stripe error bodies. */
  private run(
    route: Route,
    id: string,
    raw: FormObject,
    path: string,
    requestId: string,
    key: string | undefined,
  ): { status: number; json: Json } {
    for (const name of Object.keys(raw)) {
      if (name !== "expand" && !route.accepts.includes(name)) {
        throw invalidParam(name, `Received unknown parameter: ${name}`, "parameter_unknown");
      }
    }
    const state = this.state;
    state.request = null;
    runDue(state, null, state.realNow());
    state.request = { id: requestId, idempotencyKey: key ?? null };
    try {
      const params = new Params(raw);
      const result = route.handle({ state, params, id, url: path });
      return { status: 200, json: expand(state, toWire(result), params.strings("expand")) };
    } catch (error) {
      if (error instanceof StripeApiError)
        return { status: error.status, json: toWire(error.body()) };
      throw error;
    } finally {
      state.request = null;
    }
  }
}

/**
 * Checks `Authorization: Bearer <key>` (or Basic with the key as user name, as Stripe accepts).
 * @throws StripeApiError 401 as Stripe answers a missing or wrong key.
 */
function authenticate(req: IncomingMessage, secretKey: string): void {
  const auth = header(req, "authorization");
  if (auth === undefined || auth.trim() === "") {
    throw new StripeApiError(
      401,
      "invalid_request_error",
      "You did not provide an API key. You need to provide your API key in the Authorization header, using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY'). See https://stripe.com/docs/api#authentication for details, or we can help at https://support.stripe.com/.",
    );
  }
  const [scheme, credentials = ""] = auth.trim().split(/\s+/, 2);
  const key =
    scheme?.toLowerCase() === "basic"
      ? (Buffer.from(credentials, "base64").toString("utf8").split(":")[0] ?? "")
      : credentials;
  if (key !== secretKey) {
    throw new StripeApiError(
      401,
      "invalid_request_error",
      `Invalid API Key provided: ${mask(key)}`,
    );
  }
}

/** `sk_test_••••1234`, as Stripe shows a wrong key. */
function mask(key: string): string {
  const prefix = key.slice(0, key.lastIndexOf("_") + 1);
  const tail = key.slice(-4);
  return `${prefix}${"*".repeat(Math.max(0, key.length - prefix.length - 4))}${tail}`;
}

function internalError(): StripeErrorBody {
  return {
    error: {
      type: "api_error",
      message: "An unexpected error occurred in the local Stripe API server.",
    },
  };
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        reject(new Error("request body too large"));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

function send(
  res: ServerResponse,
  status: number,
  body: string,
  headers: Record<string, string>,
): void {
  res.writeHead(status, {
    "Content-Type": "application/json",
    "Content-Length": String(Buffer.byteLength(body)),
    ...headers,
  });
  res.end(body);
}
