import { type ApiDeps, cursorParam, errorResponses, limitParam, type ZodApp } from "@kamiyo/api";
import { AppError } from "@kamiyo/core";
import { z } from "zod";
import {
  createCampaign,
  createClient,
  getCampaign,
  listCampaigns,
  listClients,
  type ShieldCampaign,
  type ShieldClient,
  setKillSwitch,
  updateCampaign,
  updateClient,
} from "../policy/accounts-store.ts";
import { checkInput } from "../policy/check-input.ts";
import type { Decision } from "../policy/decision.ts";
import { listDecisions } from "../policy/decisions.ts";
import { REASON_CODES } from "../policy/evaluate.ts";
import { PERIODS } from "../policy/periods.ts";
import type { PolicyChecker } from "../policy/policy-checker.ts";
import { accountId, micros, policyDocument } from "../policy/policy-document.ts";
import { listPolicies, savePolicy } from "../policy/policy-store.ts";
import { RELEASE_REASONS, releaseInput } from "../policy/release.ts";

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
const name = z.string().min(1).max(200);
const killSwitchSchema = z.object({
  killed: z.boolean(),
  killReason: z.string().nullable(),
  killedAt: z.string().nullable(),
});
const clientSchema = z.object({
  id: z.string(),
  name: z.string(),
  ...killSwitchSchema.shape,
  createdAt: z.string(),
  updatedAt: z.string(),
});
const campaignSchema = clientSchema.extend({
  clientId: z.string(),
  budgetMicros: z.number().int().describe("Budget of one period, micros"),
  period: z.enum(PERIODS).describe("day, ISO week (from Monday) or calendar month, UTC"),
  periodStart: z.string().describe("The current period's start"),
  spentMicros: z.number().int().describe("What allowed bids reserved in the current period"),
});
const policySchema = z.object({
  version: z.number().int(),
  active: z.boolean(),
  document: z.record(z.string(), z.unknown()),
  createdAt: z.string(),
  createdBy: z.string(),
});
const decisionSchema = z.object({
  decisionId: z.string(),
  verdict: z.enum(["allow", "deny"]),
  reasons: z.array(z.object({ code: z.enum(REASON_CODES), message: z.string() })),
  policyVersion: z.number().int(),
  clientId: z.string(),
  campaignId: z.string(),
  bidMicros: z.number().int(),
  predictedLtvMicros: z.number().int().nullable(),
  ltvModelVersion: z.number().int().nullable(),
  spentMicros: z.number().int().describe("Reserved in the period before this bid"),
  budgetMicros: z.number().int(),
  period: z.enum(PERIODS),
  periodStart: z.string(),
  at: z.string(),
  auditSeq: z.number().int().describe("The decision's record in the tenant's audit trail"),
  checkId: z.string().optional().describe("Your id for the check, when you gave one"),
});
const releaseSchema = z.object({
  decisionId: z.string(),
  decisionSeq: z.number().int().describe("The decision's record in the audit trail"),
  auditSeq: z.number().int().describe("The release's own record in the audit trail"),
  clientId: z.string(),
  campaignId: z.string(),
  periodStart: z.string(),
  releasedMicros: z.number().int(),
  reason: z.enum(RELEASE_REASONS),
  at: z.string(),
});
const idParams = z.object({ id: accountId });
/** The most checks one batch request carries. */
const MAX_BATCH = 1_000;
/** A check's own refusals, answered in its place in a batch (others fail the request). */
const DECIDED_ERRORS: ReadonlySet<string> = new Set(["not_found", "conflict", "invalid_input"]);
const killBody = z.strictObject({
  on: z.boolean().describe("true stops every bid; false lets them be checked again"),
  reason: z.string().min(1).max(500).optional(),
});

const clientJson = (c: ShieldClient) => ({
  ...c,
  killedAt: iso(c.killedAt),
  createdAt: iso(c.createdAt) as string,
  updatedAt: iso(c.updatedAt) as string,
});
const campaignJson = (c: ShieldCampaign) => ({
  ...clientJson(c),
  clientId: c.clientId,
  budgetMicros: c.budgetMicros,
  period: c.period,
  periodStart: iso(c.periodStart) as string,
  spentMicros: c.spentMicros,
});
const decisionJson = (d: Decision) => ({ ...d, reasons: [...d.reasons] });

/**
 * SyncShield over HTTP: the tenant's policy versions, its clients and campaigns (budgets, kill
 * switches), the check every bid passes (`POST /shield/checks`, through the process's
 * {@link PolicyChecker}: group commit) and the decisions read back from the audit trail.
 * Changing policies, budgets and kill switches needs `shield:write`; checking, `shield:check`
 * (what a bidder's key holds); reading, `read`.
 */
export function policyRoutes(app: ZodApp, deps: ApiDeps, checker: PolicyChecker): void {
  const db = deps.requestDb ?? deps.db;
  const now = () => deps.clock.now();
  const write = (action: string) => ({ scope: "shield:write" as const, audit: { action } });

  /** `PUT /shield/{clients|campaigns}/:id/kill-switch`: one route per kind of account. */
  const killSwitchRoute = (kind: "client" | "campaign", summary: string) =>
    app.put(
      `/shield/${kind}s/:id/kill-switch`,
      {
        config: write(`shield.${kind}.kill_switch`),
        schema: {
          tags: ["shield"],
          summary,
          params: idParams,
          body: killBody,
          response: { 200: killSwitchSchema.extend({ id: z.string() }), ...errorResponses },
        },
      },
      async (req) => {
        const sw = await setKillSwitch(
          db,
          req.ctx.tenantId,
          { kind, id: req.params.id },
          req.body,
          now(),
        );
        return { ...sw, killedAt: iso(sw.killedAt) };
      },
    );

  app.get(
    "/shield/policy",
    {
      schema: {
        tags: ["shield"],
        summary: "The tenant's policy versions, newest first (one active)",
        querystring: z.object({ limit: limitParam(100, 20) }),
        response: { 200: z.object({ data: z.array(policySchema) }), ...errorResponses },
      },
    },
    async (req) => {
      const versions = await listPolicies(db, req.ctx.tenantId, { limit: req.query.limit });
      return {
        data: versions.map((p) => ({ ...p, createdAt: iso(p.createdAt) as string })),
      };
    },
  );

  app.put(
    "/shield/policy",
    {
      config: write("shield.policy.save"),
      schema: {
        tags: ["shield"],
        summary: "Save a policy as the tenant's next version, active unless ?activate=false",
        description:
          "The document is validated first: a field that is wrong is answered 400 naming its path.",
        querystring: z.object({ activate: z.enum(["true", "false"]).default("true") }),
        body: policyDocument,
        response: { 201: policySchema, ...errorResponses },
      },
    },
    async (req, reply) => {
      const saved = await savePolicy(db, req.ctx.tenantId, req.body, {
        createdBy: req.ctx.actor,
        nowMs: now(),
        activate: req.query.activate === "true",
      });
      return reply.code(201).send({ ...saved, createdAt: iso(saved.createdAt) as string });
    },
  );

  app.get(
    "/shield/clients",
    {
      schema: {
        tags: ["shield"],
        summary: "The tenant's clients, by id",
        response: { 200: z.object({ data: z.array(clientSchema) }), ...errorResponses },
      },
    },
    async (req) => ({ data: (await listClients(db, req.ctx.tenantId)).map(clientJson) }),
  );

  app.post(
    "/shield/clients",
    {
      config: write("shield.client.create"),
      schema: {
        tags: ["shield"],
        summary: "Add a client (an advertiser the tenant bids for); 409 when the id is taken",
        body: z.strictObject({ id: accountId, name }),
        response: { 201: clientSchema, ...errorResponses, 409: errorResponses[400] },
      },
    },
    async (req, reply) =>
      reply.code(201).send(clientJson(await createClient(db, req.ctx.tenantId, req.body, now()))),
  );

  app.patch(
    "/shield/clients/:id",
    {
      config: write("shield.client.update"),
      schema: {
        tags: ["shield"],
        summary: "Rename a client",
        params: idParams,
        body: z.strictObject({ name }),
        response: { 200: clientSchema, ...errorResponses },
      },
    },
    async (req) =>
      clientJson(await updateClient(db, req.ctx.tenantId, req.params.id, req.body, now())),
  );

  killSwitchRoute(
    "client",
    "Turn a client's kill switch on (every bid of its campaigns denied) or off",
  );

  app.get(
    "/shield/campaigns",
    {
      schema: {
        tags: ["shield"],
        summary: "The tenant's campaigns with their budgets and this period's spend",
        querystring: z.object({ client: accountId.optional().describe("Of one client") }),
        response: { 200: z.object({ data: z.array(campaignSchema) }), ...errorResponses },
      },
    },
    async (req) => ({
      data: (await listCampaigns(db, req.ctx.tenantId, now(), { clientId: req.query.client })).map(
        campaignJson,
      ),
    }),
  );

  app.post(
    "/shield/campaigns",
    {
      config: write("shield.campaign.create"),
      schema: {
        tags: ["shield"],
        summary: "Add a campaign of a client with its budget per period; 409 when the id is taken",
        body: z.strictObject({
          id: accountId,
          clientId: accountId,
          name,
          budgetMicros: micros.describe("Budget of one period, micros"),
          period: z.enum(PERIODS),
        }),
        response: { 201: campaignSchema, ...errorResponses, 409: errorResponses[400] },
      },
    },
    async (req, reply) =>
      reply
        .code(201)
        .send(campaignJson(await createCampaign(db, req.ctx.tenantId, req.body, now()))),
  );

  app.get(
    "/shield/campaigns/:id",
    {
      schema: {
        tags: ["shield"],
        summary: "A campaign, its budget and this period's spend",
        params: idParams,
        response: { 200: campaignSchema, ...errorResponses },
      },
    },
    async (req) => {
      const c = await getCampaign(db, req.ctx.tenantId, req.params.id, now());
      if (!c) throw new AppError("not_found", `no campaign ${req.params.id}`);
      return campaignJson(c);
    },
  );

  app.patch(
    "/shield/campaigns/:id",
    {
      config: write("shield.campaign.update"),
      schema: {
        tags: ["shield"],
        summary: "Change a campaign's name, budget or period (spend stays with its period)",
        params: idParams,
        body: z.strictObject({
          name: name.optional(),
          budgetMicros: micros.optional(),
          period: z.enum(PERIODS).optional(),
        }),
        response: { 200: campaignSchema, ...errorResponses },
      },
    },
    async (req) =>
      campaignJson(await updateCampaign(db, req.ctx.tenantId, req.params.id, req.body, now())),
  );

  killSwitchRoute("campaign", "Turn a campaign's kill switch on (every bid denied) or off");

  app.post(
    "/shield/checks",
    {
      // Each decision is in the tenant's Shield audit trail; the platform's log would double it.
      config: { scope: "shield:check", audit: false },
      schema: {
        tags: ["shield"],
        summary: "Check a bid against the tenant's policy: allow or deny, with every reason",
        description:
          "An allowed bid's amount is reserved against its campaign's spend for the period, and every decision is appended to the audit trail in the same transaction; the answer comes after that commit. 404: no such campaign of that client; 409: no active policy (or a customer summary without an active LTV model).",
        body: checkInput,
        response: { 200: decisionSchema, ...errorResponses, 409: errorResponses[400] },
      },
    },
    async (req) => decisionJson(await checker.check(req.ctx.tenantId, req.body)),
  );

  app.post(
    "/shield/checks/batch",
    {
      config: { scope: "shield:check", audit: false },
      schema: {
        tags: ["shield"],
        summary:
          "Check up to 1,000 bids in one request: each answered as POST /shield/checks would",
        description:
          "For a bidder deciding many bids at once (a pacing tick, an auction's candidates): the checks join the same group commit as single ones and are answered in order, each with its decision or the error that check alone would get (404 unknown campaign, 409 no policy or a reused checkId). A bad item refuses the request with 400 naming it (`checks.3.bidMicros`), deciding none. If the database fails, the request fails and some of its checks may have been decided: give each a checkId, so the retried batch answers those with the decisions made.",
        body: z.strictObject({ checks: z.array(checkInput).min(1).max(MAX_BATCH) }),
        response: {
          200: z.object({
            results: z.array(
              z.union([
                z.strictObject({ decision: decisionSchema }),
                z.strictObject({ error: z.object({ code: z.string(), message: z.string() }) }),
              ]),
            ),
          }),
          ...errorResponses,
        },
      },
    },
    async (req) => {
      const settled = await Promise.allSettled(
        req.body.checks.map((c) => checker.check(req.ctx.tenantId, c)),
      );
      return {
        results: settled.map((r) => {
          if (r.status === "fulfilled") return { decision: decisionJson(r.value) };
          if (r.reason instanceof AppError && DECIDED_ERRORS.has(r.reason.code))
            return { error: { code: r.reason.code, message: r.reason.message } };
          throw r.reason;
        }),
      };
    },
  );

  app.post(
    "/shield/releases",
    {
      // The release is in the tenant's Shield audit trail.
      config: { scope: "shield:check", audit: false },
      schema: {
        tags: ["shield"],
        summary:
          "Give back what an allowed decision reserved: the bid was not sent, lost, or cost less",
        description:
          "Lowers the campaign's spend for the decision's period by all it reserved (or `micros` of it) and appends a `release` record, in one transaction; at most once per decision. 201 with the release; 200 with the same release when asked again with the same amount and reason. 404: no such decision at that audit seq; 409: a denied decision, or one released already otherwise.",
        body: releaseInput,
        response: {
          200: releaseSchema,
          201: releaseSchema,
          ...errorResponses,
          409: errorResponses[400],
        },
      },
    },
    async (req, reply) => {
      const { release, replayed } = await checker.release(req.ctx.tenantId, req.body);
      return reply.code(replayed ? 200 : 201).send(release);
    },
  );

  app.get(
    "/shield/decisions",
    {
      schema: {
        tags: ["shield"],
        summary: "The tenant's decisions, newest first, from its audit trail",
        querystring: z.object({
          campaign: accountId.optional(),
          verdict: z.enum(["allow", "deny"]).optional(),
          cursor: cursorParam.regex(/^[0-9]{1,16}$/, "expected a page's nextCursor").optional(),
          limit: limitParam(500, 100),
        }),
        response: {
          200: z.object({ data: z.array(decisionSchema), nextCursor: z.string().nullable() }),
          ...errorResponses,
        },
      },
    },
    async (req) => {
      const page = await listDecisions(db, req.ctx.tenantId, {
        limit: req.query.limit,
        before: req.query.cursor ? Number(req.query.cursor) : undefined,
        campaignId: req.query.campaign,
        verdict: req.query.verdict,
      });
      return {
        data: page.items.map(decisionJson),
        nextCursor: page.nextCursor === null ? null : String(page.nextCursor),
      };
    },
  );
}
