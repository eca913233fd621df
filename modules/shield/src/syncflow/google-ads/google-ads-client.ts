import { PlatformError } from "../platform.ts";
import { type GoogleAdsErrorBody, googleAdsError } from "./google-ads-errors.ts";

/** Where and as whom the Google Ads REST client calls. */
export interface GoogleAdsClientConfig {
  /** API root; default `https://googleads.googleapis.com` (a local server in tests). */
  baseUrl?: string;
  /** API version in the path; default `GOOGLE_ADS_API_VERSION`. */
  version?: string;
  /** The `developer-token` header: the Google Ads API developer token. A secret. */
  developerToken: string;
  /** The `login-customer-id` header: the manager account calling for its clients, digits. */
  loginCustomerId?: string;
  /** An OAuth 2.0 access token for the `adwords` scope, asked for on each call (refresh it there). */
  accessToken: () => string | Promise<string>;
  /** The fetch to call with; default the global one. */
  fetch?: typeof fetch;
}

/** The Google Ads API version SyncFlow speaks by default. */
export const GOOGLE_ADS_API_VERSION = "v24";

/** One operation of a `:mutate` request (REST JSON); SyncFlow sends only updates. */
export interface MutateOperation {
  update: { resourceName: string } & Record<string, unknown>;
  /** Comma-separated field paths (a JSON `FieldMask`), e.g. `cpcBidMicros`. */
  updateMask: string;
}

/** A `:mutate` response: one result per operation, the resource it changed. */
export interface MutateResponse {
  results?: { resourceName?: string }[];
  partialFailureError?: unknown;
}

/** A `googleAds:search` response page (GAQL rows as JSON objects). */
export interface SearchResponse {
  results?: Record<string, Record<string, unknown>>[];
  nextPageToken?: string;
}

/**
 * A typed REST client for the few Google Ads API calls SyncFlow makes, over `fetch`. Google has
 * no official Node client for the Ads API (the npm `google-ads-api` is community-made and speaks
 * gRPC); the REST interface is the documented JSON mapping of the same protos, and fetch is the
 * transport the tests point at a local server.
 */
export class GoogleAdsRestClient {
  readonly #config: GoogleAdsClientConfig;
  readonly #root: string;

  constructor(config: GoogleAdsClientConfig) {
    if (!config.developerToken) throw new Error("developerToken: required");
    if (config.loginCustomerId !== undefined && !/^\d+$/.test(config.loginCustomerId))
      throw new RangeError(
        `loginCustomerId: expected digits without dashes, got "${config.loginCustomerId}"`,
      );
    this.#config = config;
    const base = (config.baseUrl ?? "https://googleads.googleapis.com").replace(/\/+$/, "");
    this.#root = `${base}/${config.version ?? GOOGLE_ADS_API_VERSION}`;
  }

  /**
   * `POST /v…/customers/{customerId}/{collection}:mutate`, e.g. collection `adGroups`.
   * @throws PlatformError for any failure, partial failures included.
   */
  async mutate(
    customerId: string,
    collection: string,
    operations: MutateOperation[],
    signal?: AbortSignal,
  ): Promise<MutateResponse> {
    const res = await this.#post<MutateResponse>(
      `customers/${customerId}/${collection}:mutate`,
      { operations, partialFailure: false },
      signal,
    );
    if (res.partialFailureError)
      throw new PlatformError("google_ads", "rejected", "partial failure in a mutate");
    return res;
  }

  /** `POST /v…/customers/{customerId}/googleAds:search` with a GAQL query (one page). */
  search(customerId: string, query: string, signal?: AbortSignal): Promise<SearchResponse> {
    return this.#post<SearchResponse>(
      `customers/${customerId}/googleAds:search`,
      { query },
      signal,
    );
  }

  /**
   * `GET /v…/customers:listAccessibleCustomers`: the customers the credentials reach directly
   * (`customers/{id}` resource names), which needs no login-customer-id.
   */
  listAccessibleCustomers(signal?: AbortSignal): Promise<{ resourceNames?: string[] }> {
    return this.#call("GET", "customers:listAccessibleCustomers", undefined, signal);
  }

  #post<T>(path: string, body: unknown, signal?: AbortSignal): Promise<T> {
    return this.#call("POST", path, body, signal);
  }

  async #call<T>(
    method: "GET" | "POST",
    path: string,
    body: unknown,
    signal?: AbortSignal,
  ): Promise<T> {
    const headers: Record<string, string> = {
      authorization: `Bearer ${await this.#config.accessToken()}`,
      "developer-token": this.#config.developerToken,
    };
    if (method === "POST") headers["content-type"] = "application/json";
    if (this.#config.loginCustomerId && method === "POST")
      headers["login-customer-id"] = this.#config.loginCustomerId;
    let res: Response;
    try {
      res = await (this.#config.fetch ?? fetch)(`${this.#root}/${path}`, {
        method,
        headers,
        ...(method === "POST" ? { body: JSON.stringify(body) } : {}),
        ...(signal ? { signal } : {}),
      });
    } catch (err) {
      if (signal?.aborted) throw signal.reason ?? err;
      throw new PlatformError(
        "google_ads",
        "unavailable",
        `request failed: ${(err as Error).message}`,
        {
          cause: err,
        },
      );
    }
    const text = await res.text();
    let json: unknown;
    try {
      json = text === "" ? {} : JSON.parse(text);
    } catch {
      json = undefined;
    }
    if (!res.ok)
      throw googleAdsError(res.status, json as GoogleAdsErrorBody | undefined, res.headers);
    if (json === undefined || typeof json !== "object")
      throw new PlatformError("google_ads", "unavailable", `HTTP ${res.status}: not a JSON object`);
    return json as T;
  }
}
