import {
  invoiceJson,
  invoicesOf,
  PLAN_IDS,
  type PlanId,
  PRODUCT_IDS,
  type ProductId,
  subscriptionJson,
  subscriptionsOf,
  upcomingInvoice,
} from "@kamiyo/billing";
import { handleStripeEvent, type StripeBilling, verifyStripeEvent } from "@kamiyo/billing/stripe";
import { AppError } from "@kamiyo/core";
import type { FastifyRequest } from "fastify";
import { z } from "zod";
import type { ZodApp } from "../app-types.ts";
import type { ApiDeps } from "../deps.ts";
import { sendError } from "../errors.ts";
import type { PlanCache } from "../limits/plan-cache.ts";
import { forTenant } from "../request-deps.ts";
import { errorResponses } from "../schemas/common.ts";

const subscriptionSchema = z.object({
  product: z.enum(PRODUCT_IDS as [ProductId, ...ProductId[]]),
  plan: z.enum(PLAN_IDS as [PlanId, ...PlanId[]]),
  status: z.enum(["trialing", "active", "past_due", "suspended", "canceled"]),
  trialEndsAt: z.string().nullable(),
  currentPeriodStart: z.string(),
  currentPeriodEnd: z.string(),
  cancelAtPeriodEnd: z.boolean(),
});

const billingSchema = z
  .object({
    subscriptions: z.array(subscriptionSchema),
    stripe: z
      .boolean()
      .describe("Billing through Stripe is configured on this install (checkout, portal, changes)"),
  })
  .meta({ id: "Billing" });

const lineSchema = z.object({
  kind: z.enum(["fee", "overage", "correction", "outcome"]),
  product: z.enum(PRODUCT_IDS as [ProductId, ...ProductId[]]),
  plan: z.string(),
  description: z.string(),
  meter: z.string().nullable(),
  quantity: z.number(),
  amountCents: z.number().int(),
});
const invoiceSchema = z
  .object({
    id: z.string(),
    periodStart: z.string(),
    periodEnd: z.string(),
    status: z.enum(["open", "paid", "void"]),
    currency: z.literal("usd"),
    totalCents: z.number().int().describe("Integer cents"),
    lines: z.array(lineSchema),
    createdAt: z.string(),
    paidAt: z.string().nullable(),
  })
  .meta({ id: "Invoice" });

const upcomingSchema = z
  .object({
    periodStart: z.string(),
    periodEnd: z.string(),
    currency: z.literal("usd"),
    totalCents: z.number().int().describe("Integer cents"),
    lines: z.array(lineSchema),
    asOf: z.string().describe("The usage counted is up to this time"),
  })
  .meta({ id: "UpcomingInvoice" });

const paidPlan = z.object({
  plan: z
    .enum(PLAN_IDS as [PlanId, ...PlanId[]])
    .describe("A plan of the catalog with a monthly fee"),
});

/**
 * Billing: the tenant's subscriptions, checkout for a paid plan, plan changes with proration,
 * cancellation, Stripe's customer portal, the tenant's invoices, and Stripe's webhook (signed,
 * applied once per event). Changes need `billing:write` (owners); without STRIPE_SECRET_KEY they
 * answer 404.
 */
export function billingRoutes(app: ZodApp, deps: ApiDeps, plans: PlanCache): void {
  const stripe = (): StripeBilling => {
    if (!deps.billing)
      throw new AppError(
        "not_found",
        "billing through Stripe is not configured on this install (STRIPE_SECRET_KEY)",
      );
    return deps.billing.service;
  };
  const state = async (req: FastifyRequest) => {
    const t = forTenant(deps, req);
    return {
      subscriptions: (await subscriptionsOf(t.db, t.tenantId)).map((s) =>
        subscriptionJson(s, deps.clock.now()),
      ),
      stripe: deps.billing != null,
    };
  };
  const write = (action: string) => ({ scope: "billing:write", audit: { action } }) as const;

  app.get(
    "/billing/subscription",
    {
      schema: {
        tags: ["billing"],
        summary: "The tenant's subscriptions: plan, status, trial and current period",
        response: { 200: billingSchema, ...errorResponses },
      },
    },
    async (req) => state(req),
  );

  app.post(
    "/billing/checkout",
    {
      config: write("billing.checkout"),
      schema: {
        tags: ["billing"],
        summary: "A Stripe Checkout page to subscribe to a paid plan (with the free trial)",
        body: paidPlan,
        response: { 200: z.object({ url: z.string() }), ...errorResponses },
      },
    },
    async (req) => stripe().checkout(req.ctx.tenantId, req.body.plan),
  );

  app.patch(
    "/billing/subscription",
    {
      config: write("billing.change"),
      schema: {
        tags: ["billing"],
        summary:
          "Move to a paid plan: upgrade or downgrade with proration, or start that product's subscription with the trial",
        body: paidPlan,
        response: { 200: billingSchema, ...errorResponses },
      },
    },
    async (req) => {
      await stripe().changePlan(req.ctx.tenantId, req.body.plan);
      plans.forget(req.ctx.tenantId);
      return state(req);
    },
  );

  app.delete(
    "/billing/subscription/:product",
    {
      config: write("billing.cancel"),
      schema: {
        tags: ["billing"],
        summary: "Cancel a product's paid subscription, now or at the end of the period",
        params: z.object({ product: z.enum(PRODUCT_IDS as [ProductId, ...ProductId[]]) }),
        querystring: z.object({
          atPeriodEnd: z
            .enum(["true", "false"])
            .default("true")
            .transform((v) => v === "true")
            .describe("true (default): keep it until the period ends; false: end it now"),
        }),
        response: { 200: billingSchema, ...errorResponses },
      },
    },
    async (req) => {
      await stripe().cancel(req.ctx.tenantId, req.params.product, req.query.atPeriodEnd);
      plans.forget(req.ctx.tenantId);
      return state(req);
    },
  );

  app.post(
    "/billing/portal",
    {
      config: write("billing.portal"),
      schema: {
        tags: ["billing"],
        summary: "A link to Stripe's customer portal (payment methods, invoices)",
        response: { 200: z.object({ url: z.string() }), ...errorResponses },
      },
    },
    async (req) => stripe().portal(req.ctx.tenantId),
  );

  app.get(
    "/invoices",
    {
      schema: {
        tags: ["billing"],
        summary: "The tenant's invoices, newest first: fees and usage overage, integer cents",
        response: { 200: z.object({ data: z.array(invoiceSchema) }), ...errorResponses },
      },
    },
    async (req) => {
      const t = forTenant(deps, req);
      return { data: (await invoicesOf(t.db, t.tenantId)).map(invoiceJson) };
    },
  );

  app.get(
    "/invoices/upcoming",
    {
      schema: {
        tags: ["billing"],
        summary:
          "The estimated bill of the current period from the usage so far: fees, overage past the plans' quotas and corrections, integer cents",
        querystring: z.object({
          product: z
            .enum(PRODUCT_IDS as [ProductId, ...ProductId[]])
            .optional()
            .describe("Only this product's lines and their total"),
        }),
        response: { 200: upcomingSchema, ...errorResponses },
      },
    },
    async (req) => {
      const t = forTenant(deps, req);
      const u = await upcomingInvoice(t.db, t.tenantId, deps.clock.now(), req.query.product);
      const iso = (ms: number) => new Date(ms).toISOString();
      return {
        periodStart: iso(u.periodStart),
        periodEnd: iso(u.periodEnd),
        currency: u.currency,
        totalCents: u.totalCents,
        lines: u.lines,
        asOf: iso(u.asOf),
      };
    },
  );

  // Stripe's webhook: the raw body, as signed, in a scope of its own.
  app.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser("*", { parseAs: "buffer" }, (_req, body, done) => done(null, body));
    (scope as unknown as ZodApp).post(
      "/billing/stripe/webhook",
      {
        config: { public: true },
        schema: {
          tags: ["billing"],
          summary: "Stripe's webhook (signed with STRIPE_WEBHOOK_SECRET; applied once per event)",
          response: {
            200: z.object({ received: z.literal(true), outcome: z.string() }),
            ...errorResponses,
          },
        },
      },
      async (req, reply) => {
        const billing = deps.billing;
        if (!billing?.webhookSecret)
          return sendError(reply, req, "not_found", "Stripe's webhook is not configured here");
        const raw = req.body as unknown;
        if (!Buffer.isBuffer(raw))
          return sendError(reply, req, "invalid_input", "expected the event as a JSON body");
        let event: ReturnType<typeof verifyStripeEvent>;
        try {
          const sig = req.headers["stripe-signature"];
          event = verifyStripeEvent(
            billing.service.stripe,
            raw,
            typeof sig === "string" ? sig : undefined,
            billing.webhookSecret,
          );
        } catch {
          return sendError(
            reply,
            req,
            "invalid_input",
            "the Stripe-Signature header does not verify this body (wrong secret, altered body or older than 5 minutes)",
          );
        }
        const done = await handleStripeEvent(
          {
            db: deps.db,
            stripe: billing.service.stripe,
            log: deps.log,
            now: () => deps.clock.now(),
          },
          event,
        );
        if (done.tenantId) plans.forget(done.tenantId);
        return { received: true as const, outcome: done.outcome };
      },
    );
  });
}
