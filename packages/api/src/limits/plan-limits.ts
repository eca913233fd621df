import type { Plan } from "@kamiyo/billing";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { ApiConfig } from "../config.ts";
import { sendError } from "../errors.ts";
import { withRouteHook } from "../route-hooks.ts";
import type { ApiCallMeter } from "./api-call-meter.ts";
import type { LimitStore } from "./limit-store.ts";
import type { PlanCache } from "./plan-cache.ts";

const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;

/** One window's count against its limit. */
interface Window {
  limit: number;
  remaining: number;
  /** Seconds until the window ends. */
  resetS: number;
  windowS: number;
  exceeded: boolean;
  /** What a refusal says, given the seconds to wait. */
  refusal: (retryS: number) => { code: "rate_limited" | "quota_exceeded"; message: string };
}

/**
 * The plan's limits on every authenticated route, after authentication:
 * - a route of a product (`config.product`) is governed by the tenant's plan of that product, or
 *   else its platform edition (`Entitlements.governing`); a suspended subscription is answered
 *   402, no plan in force 403;
 * - requests a minute: the plan's `requestsPerMinute` for the tenant, else the install's
 *   `API_RATE_LIMIT_PER_KEY` per key (`API_RATE_LIMIT_PER_IP` per address without one);
 * - API calls a UTC day: the plan's `apiCallsPerDay` for the tenant and product, counted only on
 *   product routes (account routes such as `/usage` and `/billing` never use up a quota);
 * - `RateLimit-Limit`, `RateLimit-Remaining` and `RateLimit-Reset` describe the window nearest to
 *   its end of budget, `RateLimit-Policy` every window; a refusal is 429 with `Retry-After` and a
 *   message naming the limit and the plan;
 * - each call a product route admits is metered (`api_calls`, under the governing plan's product).
 * Counters live in `store` (Redis shared by replicas, or memory). With `API_PLAN_LIMITS=false`
 * only the install's rates apply. Add before the routes.
 */
export function limitRequests(
  app: FastifyInstance,
  deps: {
    config: ApiConfig;
    store: LimitStore;
    plans: PlanCache;
    meter: ApiCallMeter;
    now: () => number;
  },
): void {
  const { config, store, plans, meter, now } = deps;
  app.addHook("onRoute", (route) => {
    if (route.config?.public !== true) withRouteHook(route, "preHandler", check);
  });

  // Counted synchronously in memory (awaited only when Redis answers): this runs on every request.
  // `untilMs`: how long a new window lasts from now; `windowS`: the policy's window, as announced.
  const count = (
    key: string,
    untilMs: number,
    windowS: number,
    limit: number,
    refusal: Window["refusal"],
  ): Window | Promise<Window> => {
    const windowOf = ({ current, ttl }: { current: number; ttl: number }): Window => ({
      limit,
      remaining: Math.max(0, limit - current),
      resetS: Math.max(1, Math.ceil(ttl / 1000)),
      windowS,
      exceeded: current > limit,
      refusal,
    });
    const taken = store.take(key, untilMs);
    return taken instanceof Promise ? taken.then(windowOf) : windowOf(taken);
  };

  function perMinute(req: FastifyRequest, plan: Plan | null): Window | Promise<Window> | null {
    const rpm = plan?.limits.requestsPerMinute ?? null;
    if (plan && rpm !== null)
      return count(`rpm:${req.ctx.tenantId}:${plan.product}`, MINUTE_MS, 60, rpm, (s) => ({
        code: "rate_limited",
        message: `rate limit of ${rpm} requests a minute of the ${plan.id} plan exceeded; retry in ${s} s`,
      }));
    if (req.routeOptions.config?.rateLimit === false) return null;
    const keyed = req.apiKeyId !== null;
    const max = keyed ? config.rateLimitPerKey : config.rateLimitPerIp;
    const key = keyed ? `rpm:key:${req.apiKeyId}` : `rpm:ip:${req.ip}`;
    return count(key, MINUTE_MS, 60, max, (s) => ({
      code: "rate_limited",
      message: `rate limit of ${max} requests a minute exceeded; retry in ${s} s`,
    }));
  }

  function perDay(req: FastifyRequest, plan: Plan | null): Window | Promise<Window> | null {
    const quota = plan?.limits.apiCallsPerDay ?? null;
    if (!plan || quota === null) return null;
    const t = now();
    const dayEnd = Math.floor(t / DAY_MS) * DAY_MS + DAY_MS;
    const day = new Date(dayEnd - DAY_MS).toISOString().slice(0, 10);
    const key = `day:${req.ctx.tenantId}:${plan.product}:${day}`;
    return count(key, dayEnd - t, DAY_MS / 1000, quota, (s) => ({
      code: "quota_exceeded",
      message: `daily quota of ${quota} API calls of the ${plan.id} plan used up; it resets at 00:00 UTC, in ${s} s (a higher plan raises it)`,
    }));
  }

  async function check(req: FastifyRequest, reply: FastifyReply) {
    // The docs routes are marked open after this hook saw them: asked again per request.
    if (req.routeOptions.config?.public) return;
    const product = config.planLimits ? (req.routeOptions.config?.product ?? null) : null;
    const entitled = plans.cached(req.ctx.tenantId) ?? (await plans.of(req.ctx.tenantId));
    let plan: Plan | null = null;
    if (product) {
      plan = entitled.governing(product);
      const own = entitled.subscription(product);
      const edition = entitled.subscription("platform");
      const suspended =
        own?.status === "suspended"
          ? own
          : !plan && edition?.status === "suspended"
            ? edition
            : null;
      if (suspended)
        return sendError(
          reply,
          req,
          "payment_required",
          `the ${suspended.plan.id} subscription is suspended after failed payments: pay the open invoice to restore access (GET /billing/subscription); your data are kept`,
        );
      if (!plan)
        return sendError(
          reply,
          req,
          "forbidden",
          `this tenant has no ${product} plan in force; subscribe to one to use this route`,
        );
    }
    const m = perMinute(req, plan);
    const minute = m instanceof Promise ? await m : m;
    if (minute?.exceeded) return refuse(req, reply, minute, [minute]);
    const d = perDay(req, plan);
    const day = d instanceof Promise ? await d : d;
    const windows = [minute, day].filter((w): w is Window => w !== null);
    if (day?.exceeded) return refuse(req, reply, day, windows);
    describe(reply, windows);
    if (plan) meter.count(req.ctx.tenantId, plan.product);
  }
}

/** RateLimit-* of the window nearest to its end of budget, and RateLimit-Policy of them all. */
function describe(reply: FastifyReply, windows: readonly Window[]): void {
  if (windows.length === 0) return;
  const nearest = windows.reduce((a, b) =>
    b.remaining < a.remaining || (b.remaining === a.remaining && b.resetS > a.resetS) ? b : a,
  );
  reply.header("ratelimit-limit", nearest.limit);
  reply.header("ratelimit-remaining", nearest.remaining);
  reply.header("ratelimit-reset", nearest.resetS);
  reply.header("ratelimit-policy", windows.map((w) => `${w.limit};w=${w.windowS}`).join(", "));
}

function refuse(
  req: FastifyRequest,
  reply: FastifyReply,
  refused: Window,
  windows: readonly Window[],
): FastifyReply {
  describe(reply, windows);
  reply.header("ratelimit-limit", refused.limit);
  reply.header("ratelimit-remaining", 0);
  reply.header("ratelimit-reset", refused.resetS);
  reply.header("retry-after", refused.resetS);
  const { code, message } = refused.refusal(refused.resetS);
  return sendError(reply, req, code, message);
}
