import { errorResponses, type ZodApp } from "@kamiyo/api";
import { AppError } from "@kamiyo/core";
import type { FastifyReply } from "fastify";
import { z } from "zod";
import { accountId, micros } from "../policy/policy-document.ts";
import type { Bidder } from "../syncflow/bidder.ts";
import { BidStoppedError, MissingCredentialsError, PlatformError } from "../syncflow/platform.ts";

const objectId = z.string().regex(/^[0-9]{1,20}$/, "expected the platform's numeric id");

const target = z.discriminatedUnion("kind", [
  z.strictObject({ kind: z.literal("ad_group_cpc"), adGroupId: objectId }),
  z.strictObject({ kind: z.literal("keyword_cpc"), adGroupId: objectId, criterionId: objectId }),
  z.strictObject({ kind: z.literal("campaign_budget"), budgetId: objectId }),
  z.strictObject({ kind: z.literal("ad_set_bid"), adSetId: objectId }),
  z.strictObject({ kind: z.literal("ad_set_daily_budget"), adSetId: objectId }),
]);
const feature = z.number().min(0).max(1e9);

const bidBody = z
  .strictObject({
    clientId: accountId,
    campaignId: accountId,
    platform: z.enum(["google_ads", "meta"]),
    account: z
      .string()
      .regex(
        /^([0-9]{10}|act_[0-9]{1,20})$/,
        "expected a Google Ads customer id (10 digits) or a Meta ad account id (act_…)",
      ),
    target,
    amountMicros: micros.describe("The amount to set, micros of the account's currency"),
    predictedLtvMicros: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER).optional(),
    customer: z
      .strictObject({
        frequency: feature,
        recency: feature,
        T: feature,
        monetaryValue: feature,
      })
      .optional(),
  })
  .refine((b) => b.predictedLtvMicros === undefined || b.customer === undefined, {
    message: "give predictedLtvMicros or customer, not both",
    path: ["customer"],
  });

const outcomeSchema = z.discriminatedUnion("status", [
  z.object({
    status: z.literal("sent"),
    decisionId: z.string(),
    externalId: z.string().describe("The platform's name for what was changed"),
    auditSeq: z.number().int().describe("The bid's record in the audit trail"),
  }),
  z.object({
    status: z.literal("denied"),
    decisionId: z.string(),
    reasons: z.array(z.string()),
  }),
]);

/** A platform's refusal or failure as the API's error (Retry-After when the platform said when). */
function platformFailure(err: PlatformError, reply: FastifyReply): AppError {
  if (err.retryAfterMs !== undefined)
    reply.header("retry-after", Math.max(1, Math.ceil(err.retryAfterMs / 1000)));
  const reservation =
    err.reservation === "released"
      ? "; its reservation was given back"
      : err.reservation === "kept"
        ? "; its reservation is kept (the platform may have applied it): release it with POST /shield/releases once you know it did not"
        : "";
  const why = `${err.message}${reservation}`;
  if (err.kind === "rate_limited") return new AppError("rate_limited", why);
  if (err.kind === "rejected") return new AppError("upstream_rejected", why);
  return new AppError("upstream_unavailable", why, { retryable: err.retryable });
}

/**
 * SyncFlow over HTTP: `POST /shield/bids` checks a bid with the policy check and, when allowed,
 * sends it to its ad platform through the process's {@link Bidder} (its account's lane: breaker,
 * timeout, retries, pace) and answers once the platform accepted it and its `bid` record is in the
 * audit trail.
 */
export function bidRoutes(app: ZodApp, bidder: Bidder): void {
  app.post(
    "/shield/bids",
    {
      // Each decision and each bid sent is in the tenant's Shield audit trail.
      config: { scope: "shield:check", audit: false },
      schema: {
        tags: ["shield"],
        summary: "Place a bid: the policy check, then the ad platform, then the audit trail",
        description:
          "Denied: 200 with the reasons, nothing sent. Sent: 200 once the platform accepted the amount and the bid is recorded. 429 (with Retry-After) when the platform's rate limit or the account's queue holds it back; 503 when the platform failed or its circuit is open; 409 when a kill switch turned on while the allowed bid waited in its account's queue (not sent, its reservation given back); 400 for a platform this tenant has no credentials for (GET /shield/platforms).",
        body: bidBody,
        response: { 200: outcomeSchema, ...errorResponses },
      },
    },
    async (req, reply) => {
      try {
        const outcome = await bidder.submit(req.ctx.tenantId, req.body);
        return outcome.status === "sent"
          ? outcome
          : {
              status: "denied" as const,
              decisionId: outcome.decisionId,
              reasons: [...outcome.reasons],
            };
      } catch (err) {
        if (err instanceof PlatformError) throw platformFailure(err, reply);
        if (err instanceof BidStoppedError)
          throw new AppError(
            "conflict",
            `${err.message}; its reservation ${err.reservation === "released" ? "was given back" : "is kept: release it with POST /shield/releases"}`,
          );
        if (err instanceof MissingCredentialsError)
          throw new AppError("invalid_input", `body "platform": ${err.message}`);
        // A bid the platform cannot take as it is ("amountMicros: … not a whole number of …").
        if (err instanceof RangeError) {
          const [, field, why] = /^(\w+): (.*)$/s.exec(err.message) ?? [];
          throw new AppError(
            "invalid_input",
            field ? `body "${field}": ${why}` : `body: ${err.message}`,
          );
        }
        throw err;
      }
    },
  );
}
