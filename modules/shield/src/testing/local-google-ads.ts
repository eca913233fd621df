import type { IncomingMessage, ServerResponse } from "node:http";
import { holdReply, type LocalHttp, readBody, replyJson, startLocalHttp } from "./local-http.ts";

/** A reply the server gives instead of serving the next request (a test's script). */
export type GoogleAdsFault =
  /** HTTP 429 `RESOURCE_EXHAUSTED`, a `quotaError` with `QuotaErrorDetails.retry_delay`. */
  | { kind: "quota"; retryDelay: string; rateScope?: "ACCOUNT" | "DEVELOPER" }
  /** HTTP 503 `UNAVAILABLE`. */
  | { kind: "unavailable" }
  /** The reply held back `ms` (then served normally, if the client is still there). */
  | { kind: "slow"; ms: number }
  /** The reply held back until `until` settles (a test's gate), then served normally. */
  | { kind: "held"; until: Promise<void> };

/** A request as the server saw it. */
export interface SeenRequest {
  method: string;
  path: string;
  headers: IncomingMessage["headers"];
  body: unknown;
  /** The Graph API's `access_token` query parameter. */
  accessToken?: string;
}

/** The local Google Ads REST server and what it holds. */
export interface LocalGoogleAds extends LocalHttp {
  /** Every request received, in order. */
  readonly requests: SeenRequest[];
  /** Ad groups, keywords and budgets by resource name → their amount in micros (int64 string). */
  readonly resources: Map<string, string>;
  /** Campaign id → cost in micros, for `googleAds:search`. */
  readonly costs: Map<string, string>;
  /** Replies to give, in order, before serving normally again. */
  readonly faults: GoogleAdsFault[];
  /** The refresh tokens `POST /token` accepts: the one it was started with, and any a test adds. */
  readonly refreshTokens: Set<string>;
}

const FIELD: Record<string, string> = {
  adGroups: "cpcBidMicros",
  adGroupCriteria: "cpcBidMicros",
  campaignBudgets: "amountMicros",
};

const failure = (version: string, errors: unknown[]) => ({
  "@type": `type.googleapis.com/google.ads.googleads.${version}.errors.GoogleAdsFailure`,
  errors,
  requestId: `req-${Math.random().toString(36).slice(2, 12)}`,
});

function fail(
  res: ServerResponse,
  version: string,
  http: number,
  status: string,
  message: string,
  errors: unknown[] = [],
): void {
  replyJson(res, http, {
    error: {
      code: http,
      message,
      status,
      details: errors.length ? [failure(version, errors)] : [],
    },
  });
}

/**
 * A local server speaking the Google Ads REST calls SyncFlow makes, with the API's JSON shapes:
 * `POST /{version}/customers/{id}/{adGroups|adGroupCriteria|campaignBudgets}:mutate` (update
 * operations with an `updateMask`, answering `{results: [{resourceName}]}`) and
 * `POST /{version}/customers/{id}/googleAds:search` (the campaign's `metrics.costMicros`; the
 * query's date range is not applied) and `GET /{version}/customers:listAccessibleCustomers` (the
 * customers of the resources it holds). It checks the bearer token, `developer-token` and
 * `login-customer-id` headers, answers errors as a `google.rpc.Status` holding a
 * `GoogleAdsFailure`, and gives the scripted `faults` first (quota with retry delay, 503, slow).
 */
export async function startLocalGoogleAds(opts: {
  accessToken: string;
  developerToken: string;
  loginCustomerId?: string;
  /** Serve `POST /token` (OAuth 2.0 refresh-token grant) for this client and refresh token. */
  oauth?: { clientId: string; clientSecret: string; refreshToken: string };
}): Promise<LocalGoogleAds> {
  const issued = new Set([opts.accessToken]);
  const requests: SeenRequest[] = [];
  const resources = new Map<string, string>();
  const costs = new Map<string, string>();
  const faults: GoogleAdsFault[] = [];
  const refreshTokens = new Set(opts.oauth ? [opts.oauth.refreshToken] : []);
  const http = await startLocalHttp(async (req, res) => {
    const text = await readBody(req);
    let body: unknown;
    try {
      body = text ? JSON.parse(text) : {};
    } catch {
      body = undefined;
    }
    requests.push({ method: req.method ?? "", path: req.url ?? "", headers: req.headers, body });
    if (req.url === "/token" && req.method === "POST" && opts.oauth) {
      const form = new URLSearchParams(text);
      const o = opts.oauth;
      if (
        form.get("grant_type") !== "refresh_token" ||
        form.get("client_id") !== o.clientId ||
        form.get("client_secret") !== o.clientSecret
      )
        return replyJson(res, 401, { error: "invalid_client", error_description: "Unauthorized" });
      if (!refreshTokens.has(form.get("refresh_token") ?? ""))
        return replyJson(res, 400, {
          error: "invalid_grant",
          error_description: "Token has been expired or revoked.",
        });
      const token = `ya29.local-${issued.size}`;
      issued.add(token);
      return replyJson(res, 200, {
        access_token: token,
        expires_in: 3599,
        scope: "https://www.googleapis.com/auth/adwords",
        token_type: "Bearer",
      });
    }
    const list = /^\/(v\d+)\/customers:listAccessibleCustomers$/.exec(req.url ?? "");
    const m = /^\/(v\d+)\/customers\/(\d+)\/(\w+):(mutate|search)$/.exec(req.url ?? "");
    const version = m?.[1] ?? list?.[1] ?? "v0";
    if (!(m && req.method === "POST") && !(list && req.method === "GET"))
      return fail(res, version, 404, "NOT_FOUND", "Not found");
    const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? "")?.[1];
    if (!bearer || !issued.has(bearer))
      return fail(
        res,
        version,
        401,
        "UNAUTHENTICATED",
        "Request had invalid authentication credentials.",
        [
          {
            errorCode: { authenticationError: "OAUTH_TOKEN_INVALID" },
            message: "Oauth token is invalid.",
          },
        ],
      );
    if (req.headers["developer-token"] !== opts.developerToken)
      return fail(
        res,
        version,
        401,
        "UNAUTHENTICATED",
        "Request is missing required authentication credential.",
        [
          {
            errorCode: { authenticationError: "DEVELOPER_TOKEN_INVALID" },
            message: "The developer token is not valid.",
          },
        ],
      );
    if (list) {
      const customers = new Set([...resources.keys()].map((name) => name.split("/")[1]));
      return replyJson(res, 200, {
        resourceNames: [...customers].sort().map((id) => `customers/${id}`),
      });
    }
    if (!m) return fail(res, version, 404, "NOT_FOUND", "Not found");
    if (opts.loginCustomerId && req.headers["login-customer-id"] !== opts.loginCustomerId)
      return fail(res, version, 403, "PERMISSION_DENIED", "The caller does not have permission", [
        {
          errorCode: { authorizationError: "USER_PERMISSION_DENIED" },
          message: "User doesn't have permission to access customer.",
        },
      ]);
    const fault = faults.shift();
    if (fault?.kind === "quota")
      return fail(
        res,
        version,
        429,
        "RESOURCE_EXHAUSTED",
        "Resource has been exhausted (e.g. check quota).",
        [
          {
            errorCode: { quotaError: "RESOURCE_TEMPORARILY_EXHAUSTED" },
            message: "Too many requests. Retry in some time.",
            details: {
              quotaErrorDetails: {
                rateScope: fault.rateScope ?? "ACCOUNT",
                rateName: "Requests per service per method",
                retryDelay: fault.retryDelay,
              },
            },
          },
        ],
      );
    if (fault?.kind === "unavailable")
      return fail(res, version, 503, "UNAVAILABLE", "The service is currently unavailable.");
    if (fault?.kind === "slow") {
      await holdReply(req, fault.ms);
      if (req.socket.destroyed) return;
    }
    if (fault?.kind === "held") await fault.until;
    const [, , customer, collection, verb] = m;
    if (verb === "search" && collection === "googleAds") {
      const id = /campaign\.id\s*=\s*(\d+)/.exec((body as { query?: string })?.query ?? "")?.[1];
      const cost = id ? costs.get(id) : undefined;
      return replyJson(res, 200, {
        results:
          id && cost !== undefined
            ? [
                {
                  campaign: { resourceName: `customers/${customer}/campaigns/${id}`, id },
                  metrics: { costMicros: cost },
                },
              ]
            : [],
        fieldMask: "campaign.id,metrics.costMicros",
      });
    }
    const field = verb === "mutate" && collection ? FIELD[collection] : undefined;
    if (!field) return fail(res, version, 404, "NOT_FOUND", "Not found");
    const ops = (body as { operations?: unknown })?.operations;
    if (!Array.isArray(ops) || ops.length === 0)
      return fail(res, version, 400, "INVALID_ARGUMENT", "Request contains an invalid argument.", [
        {
          errorCode: { requestError: "REQUIRED_FIELD_MISSING" },
          message: "Required field was not specified.",
          location: { fieldPathElements: [{ fieldName: "operations" }] },
        },
      ]);
    const results: { resourceName: string }[] = [];
    const updates: [string, string][] = [];
    for (const [i, op] of (
      ops as { update?: Record<string, unknown>; updateMask?: string }[]
    ).entries()) {
      const name = String(op.update?.resourceName ?? "");
      const value = op.update?.[field];
      const where = { fieldPathElements: [{ fieldName: "operations", index: i }] };
      if (!name.startsWith(`customers/${customer}/${collection}/`) || !resources.has(name))
        return fail(
          res,
          version,
          400,
          "INVALID_ARGUMENT",
          "Request contains an invalid argument.",
          [
            {
              errorCode: { mutateError: "RESOURCE_NOT_FOUND" },
              message: "Resource was not found.",
              trigger: { stringValue: name },
              location: where,
            },
          ],
        );
      const mask = (op.updateMask ?? "").split(",").map((f) => f.trim());
      if (!mask.includes(field) || typeof value !== "string" || !/^\d+$/.test(value))
        return fail(
          res,
          version,
          400,
          "INVALID_ARGUMENT",
          "Request contains an invalid argument.",
          [
            {
              errorCode: { fieldMaskError: "FIELD_NOT_FOUND" },
              message: `The update mask must name ${field}, an int64.`,
              location: where,
            },
          ],
        );
      updates.push([name, value]);
      results.push({ resourceName: name });
    }
    for (const [name, value] of updates) resources.set(name, value);
    replyJson(res, 200, { results });
  });
  return { ...http, requests, resources, costs, faults, refreshTokens };
}
