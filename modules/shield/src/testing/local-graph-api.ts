import type { ServerResponse } from "node:http";
import type { SeenRequest } from "./local-google-ads.ts";
import { holdReply, type LocalHttp, readBody, replyJson, startLocalHttp } from "./local-http.ts";

/** A reply the server gives instead of serving the next request (a test's script). */
export type GraphFault =
  /**
   * A throttling error: code 80004 (ads management business use case, subcode 2446079), 17
   * (user) or 613 (rate limit), with `X-Business-Use-Case-Usage` naming the wait in minutes.
   */
  | { kind: "throttle"; code: 17 | 613 | 80004; minutes: number }
  /** HTTP 500, code 2, `is_transient`. */
  | { kind: "transient" }
  /** The reply held back `ms`. */
  | { kind: "slow"; ms: number };

/** An ad set as the server holds it: amounts in the account currency's minor units. */
export interface LocalAdSet {
  account: string;
  bid_amount?: number;
  daily_budget?: number;
  /** Spend for Insights, in currency units as the API writes it ("12.34"). */
  spend: string;
}

/** The local Graph API server and what it holds. */
export interface LocalGraphApi extends LocalHttp {
  readonly requests: SeenRequest[];
  /** Ad accounts (`act_…`) → currency. */
  readonly accounts: Map<string, string>;
  /** Ad sets by id. */
  readonly adSets: Map<string, LocalAdSet>;
  readonly faults: GraphFault[];
  /**
   * The access tokens it accepts and whose they are (`GET /me`): the one it was started with
   * (a system user "SyncFlow"), and any a test adds.
   */
  readonly tokens: Map<string, { id: string; name: string }>;
  /**
   * What every answer reports of the rate limits (a test raises it): the business use case's
   * `call_count` percent in `X-Business-Use-Case-Usage`, and, when set, `X-Ad-Account-Usage`'s
   * `acc_id_util_pct` and `reset_time_duration` (seconds).
   */
  readonly usage: { callCountPct: number; adAccount: { pct: number; resetSeconds: number } | null };
}

const SUBCODE: Record<number, number> = { 17: 2446079, 613: 1487742, 80004: 2446079 };
const MESSAGE: Record<number, string> = {
  17: "(#17) User request limit reached",
  613: "(#613) Calls to this api have exceeded the rate limit.",
  80004: "(#80004) There have been too many calls to this ad-account. Wait a bit and try again.",
};

const trace = () => Math.random().toString(36).slice(2, 13);

function graphError(
  res: ServerResponse,
  http: number,
  error: Record<string, unknown>,
  headers: Record<string, string> = {},
): void {
  replyJson(
    res,
    http,
    { error: { type: "OAuthException", ...error, fbtrace_id: trace() } },
    headers,
  );
}

/**
 * A local server speaking the Graph API calls SyncFlow makes through Meta's SDK, with the API's
 * JSON shapes: `GET /{version}/act_{id}?fields=currency`, `POST /{version}/{ad-set-id}`
 * (`bid_amount`, `daily_budget` as integers in minor units; answers `{"success": true}`) and
 * `GET /{version}/{ad-set-id}/insights?fields=spend` (`{"data": [{"spend", "date_start",
 * "date_stop"}], "paging"}`) and `GET /{version}/me?fields=id,name` (the token's user or system
 * user). It checks the `access_token` against `tokens`, answers errors as `{"error":
 * {message, type, code, error_subcode, fbtrace_id}}` (190 bad token, 100/33 unknown object,
 * 100 invalid parameter) and gives the scripted `faults` first, throttling with the
 * `X-Business-Use-Case-Usage` header.
 */
export async function startLocalGraphApi(opts: { accessToken: string }): Promise<LocalGraphApi> {
  const requests: SeenRequest[] = [];
  const accounts = new Map<string, string>();
  const adSets = new Map<string, LocalAdSet>();
  const faults: GraphFault[] = [];
  const tokens = new Map([[opts.accessToken, { id: "100000000000001", name: "SyncFlow" }]]);
  const usageNow: LocalGraphApi["usage"] = { callCountPct: 1, adAccount: null };
  const http = await startLocalHttp(async (req, res) => {
    const url = new URL(req.url ?? "/", "http://local");
    const text = await readBody(req);
    const type = req.headers["content-type"] ?? "";
    const body: Record<string, unknown> = !text
      ? {}
      : type.includes("json")
        ? JSON.parse(text)
        : Object.fromEntries(new URLSearchParams(text));
    requests.push({
      method: req.method ?? "",
      path: url.pathname,
      headers: req.headers,
      body,
      accessToken: url.searchParams.get("access_token") ?? "",
    });
    const usage = (minutes: number): Record<string, string> => ({
      "x-business-use-case-usage": JSON.stringify({
        "1000000001": [
          {
            type: "ads_management",
            call_count: minutes > 0 ? 100 : usageNow.callCountPct,
            total_cputime: 1,
            total_time: 1,
            estimated_time_to_regain_access: minutes,
            ads_api_access_tier: "standard_access",
          },
        ],
      }),
      ...(usageNow.adAccount && {
        "x-ad-account-usage": JSON.stringify({
          acc_id_util_pct: usageNow.adAccount.pct,
          reset_time_duration: usageNow.adAccount.resetSeconds,
          ads_api_access_tier: "standard_access",
        }),
      }),
    });
    const user = tokens.get(url.searchParams.get("access_token") ?? "");
    if (!user)
      return graphError(res, 400, {
        message: "Invalid OAuth access token - Cannot parse access token",
        code: 190,
      });
    const fault = faults.shift();
    if (fault?.kind === "throttle")
      return graphError(
        res,
        400,
        {
          message: MESSAGE[fault.code],
          code: fault.code,
          error_subcode: SUBCODE[fault.code],
          is_transient: true,
        },
        usage(fault.minutes),
      );
    if (fault?.kind === "transient")
      return graphError(
        res,
        500,
        {
          message: "An unexpected error has occurred. Please retry your request later.",
          code: 2,
          is_transient: true,
        },
        usage(0),
      );
    if (fault?.kind === "slow") {
      await holdReply(req, fault.ms);
      if (req.socket.destroyed) return;
    }
    if (/^\/v\d+\.\d+\/me$/.test(url.pathname) && req.method === "GET")
      return replyJson(res, 200, user, usage(0));
    const m = /^\/(v\d+\.\d+)\/(act_\d+|\d+)(\/insights)?$/.exec(url.pathname);
    const id = m?.[2] ?? "";
    const missing = () =>
      graphError(res, 400, {
        message: `Unsupported ${req.method === "POST" ? "post" : "get"} request. Object with ID '${id}' does not exist, cannot be loaded due to missing permissions, or does not support this operation.`,
        code: 100,
        error_subcode: 33,
        type: "GraphMethodException",
      });
    if (!m) return missing();
    if (id.startsWith("act_")) {
      const currency = accounts.get(id);
      if (!currency || req.method !== "GET") return missing();
      return replyJson(res, 200, { currency, id }, usage(0));
    }
    const adSet = adSets.get(id);
    if (!adSet) return missing();
    if (m[3] && req.method === "GET") {
      const range = JSON.parse(url.searchParams.get("time_range") ?? "{}") as {
        since?: string;
        until?: string;
      };
      return replyJson(
        res,
        200,
        {
          data: [
            { spend: adSet.spend, date_start: range.since ?? "", date_stop: range.until ?? "" },
          ],
          paging: { cursors: { before: "MAZDZD", after: "MAZDZD" } },
        },
        usage(0),
      );
    }
    if (req.method !== "POST" || m[3]) return missing();
    for (const field of ["bid_amount", "daily_budget"] as const) {
      if (!(field in body)) continue;
      const v = Number(body[field]);
      if (!Number.isSafeInteger(v) || v < 0 || String(body[field]).includes("."))
        return graphError(res, 400, {
          message: `(#100) Param ${field} must be a non-negative integer`,
          code: 100,
        });
    }
    for (const field of ["bid_amount", "daily_budget"] as const)
      if (field in body) adSet[field] = Number(body[field]);
    replyJson(res, 200, { success: true }, usage(0));
  });
  return { ...http, requests, accounts, adSets, faults, tokens, usage: usageNow };
}
