import {
  EDITION_IDS,
  type EditionId,
  PLAN_IDS,
  type PlanId,
  PRODUCT_IDS,
  type ProductId,
  SUBSCRIPTION_STATUSES,
  type SubscriptionStatus,
  subscribe,
  subscriptionJson,
  subscriptionsOf,
} from "@kamiyo/billing";
import { AppError } from "@kamiyo/core";
import { tenantDb } from "@kamiyo/db";
import {
  type ApiKeyRecord,
  addMember,
  auditPage,
  changeMember,
  createApiKey,
  createTenant,
  getApiKey,
  getMember,
  getTenant,
  listApiKeys,
  listMembers,
  listTenants,
  type Member,
  type RequestContext,
  ROLES,
  rank,
  revokeApiKey,
  revokeUserSessions,
  rotateApiKey,
  SCOPES,
  setTenantStatus,
  type Tenant,
} from "@kamiyo/tenancy";
import type { FastifyRequest } from "fastify";
import { z } from "zod";
import type { ZodApp } from "../app-types.ts";
import type { Authenticator } from "../authenticate.ts";
import { decodeCursor, encodeCursor } from "../cursor.ts";
import type { ApiDeps } from "../deps.ts";
import type { PlanCache } from "../limits/plan-cache.ts";
import {
  cursorParam,
  errorResponses,
  errorSchema,
  limitParam,
  pageSchema,
  prefixedId,
  timeParam,
} from "../schemas/common.ts";

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
const isoSchema = z.string().describe("ISO 8601 time");

export const tenantSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    plan: z.enum(EDITION_IDS as [EditionId, ...EditionId[]]),
    status: z.enum(["active", "suspended"]),
    createdAt: isoSchema,
  })
  .meta({ id: "Tenant" });

const subscriptionSchema = z
  .object({
    product: z.enum(PRODUCT_IDS as [ProductId, ...ProductId[]]),
    plan: z.enum(PLAN_IDS as [PlanId, ...PlanId[]]),
    status: z.enum(SUBSCRIPTION_STATUSES as [SubscriptionStatus, ...SubscriptionStatus[]]),
    trialEndsAt: isoSchema.nullable(),
    currentPeriodStart: isoSchema,
    currentPeriodEnd: isoSchema,
    cancelAtPeriodEnd: z.boolean(),
  })
  .meta({ id: "Subscription" });

const apiKeySchema = z
  .object({
    id: z.string(),
    name: z.string(),
    prefix: z.string().describe("The key's first characters (kmy_live_…), to tell keys apart"),
    role: z.enum(ROLES),
    scopes: z.array(z.enum(SCOPES)).describe("Narrow the role; empty: all the role allows"),
    createdBy: z.string(),
    createdAt: isoSchema,
    expiresAt: isoSchema.nullable(),
    revokedAt: isoSchema.nullable(),
    lastUsedAt: isoSchema.nullable().describe("Recorded at most once a minute"),
    replacedBy: z.string().nullable().describe("After a rotation: the key that replaced it"),
  })
  .meta({ id: "ApiKey" });
const newKeySchema = apiKeySchema
  .extend({ key: z.string().describe("The key itself: shown only now, store it") })
  .meta({ id: "NewApiKey" });

const auditSchema = z
  .object({
    id: z.string(),
    at: isoSchema,
    actor: z.string().describe("The API key (key_…) or `local` that made the change"),
    action: z.string().describe("<resource>.<verb>, e.g. webhook.update"),
    target: z.string(),
    requestId: z.string().nullable(),
    beforeHash: z.string().nullable().describe("SHA-256 of the resource's JSON before"),
    afterHash: z.string().nullable().describe("SHA-256 of the resource's JSON after"),
  })
  .meta({ id: "AuditEntry" });

const memberSchema = z
  .object({
    userId: z.string(),
    email: z.string(),
    name: z.string().nullable(),
    role: z.enum(ROLES),
    createdAt: isoSchema,
  })
  .meta({ id: "Member" });

const memberId = z.object({
  id: prefixedId("usr", "a user id"),
});

function memberJson(m: Member) {
  return { ...m, createdAt: iso(m.createdAt) as string };
}

const keyId = z.object({
  id: prefixedId("key", "an API key id"),
});
const tenantId = z.object({
  id: prefixedId("ten", "a tenant id", 1),
});

export function tenantJson(t: Tenant) {
  return {
    id: t.id,
    name: t.name,
    plan: t.plan,
    status: t.status,
    createdAt: iso(t.createdAt) as string,
  };
}

function keyJson(k: ApiKeyRecord) {
  return {
    id: k.id,
    name: k.name,
    prefix: k.prefix,
    role: k.role,
    scopes: k.scopes,
    createdBy: k.createdBy,
    createdAt: iso(k.createdAt) as string,
    expiresAt: iso(k.expiresAt),
    revokedAt: iso(k.revokedAt),
    lastUsedAt: iso(k.lastUsedAt),
    replacedBy: k.replacedBy,
  };
}

/** A key may not hand out more than it holds: a new key's role is at most the caller's. */
function checkGrantable(ctx: RequestContext, role: (typeof ROLES)[number]): void {
  if (rank(role) > rank(ctx.role))
    throw new AppError("forbidden", `a ${ctx.role} key cannot create a key with the role ${role}`);
}

const withConflict = { ...errorResponses, 409: errorSchema } as const;

/**
 * The caller's tenant, its API keys and audit log; the operator's `/admin/tenants`. Keys are
 * read and written as the tenant (row-level security); tenants are created on the platform's
 * connection, which only an operator key reaches.
 */
export function tenantRoutes(
  app: ZodApp,
  deps: ApiDeps,
  caches: { auth: Authenticator; plans: PlanCache },
): void {
  const { auth, plans } = caches;
  const db = (req: FastifyRequest) => tenantDb(deps.requestDb ?? deps.db, req.ctx.tenantId);

  app.get(
    "/tenants/me",
    {
      schema: {
        tags: ["tenants"],
        summary: "The caller's tenant, its subscriptions, and the calling key's role and scopes",
        response: {
          200: z.object({
            tenant: tenantSchema,
            subscriptions: z.array(subscriptionSchema),
            actor: z.string(),
            role: z.enum(ROLES),
            scopes: z.array(z.enum(SCOPES)),
          }),
          ...errorResponses,
        },
      },
    },
    async (req) => {
      const t = await getTenant(db(req), req.ctx.tenantId);
      if (!t) throw new AppError("not_found", "this key's tenant no longer exists");
      const now = deps.clock.now();
      return {
        tenant: tenantJson(t),
        subscriptions: (await subscriptionsOf(db(req), t.id)).map((x) => subscriptionJson(x, now)),
        actor: req.ctx.actor,
        role: req.ctx.role,
        scopes: [...req.ctx.scopes],
      };
    },
  );

  app.get(
    "/api-keys",
    {
      config: { scope: "keys:read" },
      schema: {
        tags: ["tenants"],
        summary: "The tenant's API keys, newest first (revoked ones included)",
        response: { 200: z.object({ data: z.array(apiKeySchema) }), ...errorResponses },
      },
    },
    async (req) => ({ data: (await listApiKeys(db(req), req.ctx.tenantId)).map(keyJson) }),
  );

  app.post(
    "/api-keys",
    {
      config: { scope: "keys:write", audit: { action: "api_key.create" } },
      schema: {
        tags: ["tenants"],
        summary: "Create an API key",
        description: "The key is in this response only. Its role is at most the caller's.",
        body: z.strictObject({
          name: z.string().trim().min(1).max(100),
          role: z.enum(ROLES).default("member"),
          scopes: z.array(z.enum(SCOPES)).max(SCOPES.length).default([]),
          mode: z.enum(["live", "test"]).default("live").describe("kmy_live_ or kmy_test_ key"),
          expiresAt: timeParam.optional().describe("When it stops working (ISO 8601)"),
        }),
        response: { 201: newKeySchema, ...errorResponses },
      },
    },
    async (req, reply) => {
      checkGrantable(req.ctx, req.body.role);
      const now = deps.clock.now();
      if (req.body.expiresAt !== undefined && req.body.expiresAt <= now)
        throw new AppError("invalid_input", 'body "expiresAt": must be in the future');
      const { record, key } = await createApiKey(db(req), {
        tenantId: req.ctx.tenantId,
        name: req.body.name,
        role: req.body.role,
        scopes: req.body.scopes,
        mode: req.body.mode,
        createdBy: req.ctx.actor,
        nowMs: now,
        expiresAt: req.body.expiresAt ?? null,
      });
      return reply.code(201).send({ ...keyJson(record), key });
    },
  );

  const keyBefore = async (req: FastifyRequest) =>
    getApiKey(db(req), req.ctx.tenantId, (req.params as { id: string }).id).then(
      (k) => k && keyJson(k),
    );

  app.delete(
    "/api-keys/:id",
    {
      config: { scope: "keys:write", audit: { action: "api_key.revoke", before: keyBefore } },
      schema: {
        tags: ["tenants"],
        summary: "Revoke an API key (at once, for good)",
        params: keyId,
        response: { 200: apiKeySchema, ...errorResponses },
      },
    },
    async (req) => {
      const k = await revokeApiKey(db(req), req.ctx.tenantId, req.params.id, deps.clock.now());
      if (!k) throw new AppError("not_found", `no API key ${req.params.id}`);
      auth.forget();
      return keyJson(k);
    },
  );

  app.post(
    "/api-keys/:id/rotate",
    {
      config: { scope: "keys:write", audit: { action: "api_key.rotate", before: keyBefore } },
      schema: {
        tags: ["tenants"],
        summary: "Replace an API key with a new one",
        description:
          "The new key (same name, role and scopes) is in this response only. The old key keeps working for `graceSeconds` (0: stops at once).",
        params: keyId,
        body: z
          .strictObject({
            graceSeconds: z
              .number()
              .int()
              .min(0)
              .max(7 * 86_400)
              .default(0),
          })
          .nullish(),
        response: { 200: newKeySchema.extend({ replaces: apiKeySchema }), ...withConflict },
      },
    },
    async (req) => {
      const { old, record, key } = await db(req).transaction((tx) =>
        rotateApiKey(tx, req.ctx.tenantId, req.params.id, {
          nowMs: deps.clock.now(),
          graceMs: (req.body?.graceSeconds ?? 0) * 1000,
          actor: req.ctx.actor,
        }),
      );
      auth.forget();
      return { ...keyJson(record), key, replaces: keyJson(old) };
    },
  );

  app.get(
    "/members",
    {
      schema: {
        tags: ["tenants"],
        summary: "The tenant's members and their roles, oldest first",
        response: { 200: z.object({ data: z.array(memberSchema) }), ...errorResponses },
      },
    },
    async (req) => ({ data: (await listMembers(db(req), req.ctx.tenantId)).map(memberJson) }),
  );

  app.post(
    "/members",
    {
      config: { scope: "members:write", audit: { action: "member.add" } },
      schema: {
        tags: ["tenants"],
        summary: "Add a person to the tenant with a role",
        description: "The role is at most the caller's. One person may belong to several tenants.",
        body: z.strictObject({
          email: z.string().trim().min(3).max(254),
          name: z.string().trim().min(1).max(100).optional(),
          role: z.enum(ROLES).default("member"),
        }),
        response: { 201: memberSchema, ...withConflict },
      },
    },
    async (req, reply) => {
      checkGrantable(req.ctx, req.body.role);
      const m = await addMember(deps.db, db(req), {
        tenantId: req.ctx.tenantId,
        email: req.body.email,
        name: req.body.name,
        role: req.body.role,
        nowMs: deps.clock.now(),
      });
      return reply.code(201).send(memberJson(m));
    },
  );

  const memberBefore = async (req: FastifyRequest) =>
    getMember(db(req), req.ctx.tenantId, (req.params as { id: string }).id).then(
      (m) => m && memberJson(m),
    );
  /** A key may change only members whose role it could have granted. */
  const changeable = async (req: FastifyRequest, id: string) => {
    const m = await getMember(db(req), req.ctx.tenantId, id);
    if (!m) throw new AppError("not_found", `no member ${id}`);
    checkGrantable(req.ctx, m.role);
  };

  app.patch(
    "/members/:id",
    {
      config: { scope: "members:write", audit: { action: "member.update", before: memberBefore } },
      schema: {
        tags: ["tenants"],
        summary: "Change a member's role",
        description: "Not above the caller's; the last owner stays an owner.",
        params: memberId,
        body: z.strictObject({ role: z.enum(ROLES) }),
        response: { 200: memberSchema, ...withConflict },
      },
    },
    async (req) => {
      await changeable(req, req.params.id);
      checkGrantable(req.ctx, req.body.role);
      const m = await db(req).transaction((tx) =>
        changeMember(tx, req.ctx.tenantId, req.params.id, req.body.role),
      );
      // A signed-in member's sessions take the new role at once in this process.
      auth.forget();
      return memberJson(m as Member);
    },
  );

  app.delete(
    "/members/:id",
    {
      config: { scope: "members:write", audit: { action: "member.remove", before: memberBefore } },
      schema: {
        tags: ["tenants"],
        summary: "Remove a member from the tenant",
        params: memberId,
        response: { 204: z.undefined().describe("Removed"), ...withConflict },
      },
    },
    async (req, reply) => {
      await changeable(req, req.params.id);
      await db(req).transaction(async (tx) => {
        await changeMember(tx, req.ctx.tenantId, req.params.id, null);
        // Their sessions in this tenant end with the membership (and stay ended if re-added).
        await revokeUserSessions(tx, {
          userId: req.params.id,
          tenantId: req.ctx.tenantId,
          nowMs: deps.clock.now(),
        });
      });
      auth.forget();
      return reply.code(204).send();
    },
  );

  app.get(
    "/audit-log",
    {
      config: { scope: "audit:read" },
      schema: {
        tags: ["tenants"],
        summary: "The tenant's audit log, newest first",
        description: "Every change made through the API: who, what, when, in which request.",
        querystring: z.object({
          since: timeParam.optional(),
          cursor: cursorParam.optional(),
          limit: limitParam(1000, 100),
        }),
        response: { 200: pageSchema(auditSchema), ...errorResponses },
      },
    },
    async (req) => {
      const entries = await auditPage(db(req), req.ctx.tenantId, {
        before: req.query.cursor ? decodeCursor(req.query.cursor) : undefined,
        since: req.query.since,
        limit: req.query.limit + 1,
      });
      const page = entries.slice(0, req.query.limit);
      const last = page.at(-1);
      return {
        data: page.map((e) => ({ ...e, at: iso(e.at) as string })),
        nextCursor:
          entries.length > req.query.limit && last
            ? encodeCursor({ at: last.at, id: last.id })
            : null,
      };
    },
  );

  app.get(
    "/audit-log/export",
    {
      config: { scope: "audit:read" },
      schema: {
        tags: ["tenants"],
        summary: "The whole audit log as NDJSON, newest first",
        description:
          "One JSON entry per line (`application/x-ndjson`), the same fields as `/audit-log`; `since` bounds it.",
        querystring: z.object({ since: timeParam.optional() }),
        response: {
          200: z.string().describe("NDJSON: one AuditEntry per line"),
          ...errorResponses,
        },
      },
    },
    async (req, reply) => {
      const lines: string[] = [];
      let before: { at: number; id: string } | undefined;
      for (;;) {
        const page = await auditPage(db(req), req.ctx.tenantId, {
          before,
          since: req.query.since,
          limit: 1_000,
        });
        for (const e of page) lines.push(JSON.stringify({ ...e, at: iso(e.at) }));
        const last = page.at(-1);
        if (page.length < 1_000 || !last) break;
        before = { at: last.at, id: last.id };
      }
      reply.header("content-disposition", 'attachment; filename="audit-log.ndjson"');
      return reply.type("application/x-ndjson").send(lines.map((l) => `${l}\n`).join(""));
    },
  );

  app.get(
    "/admin/tenants",
    {
      config: { operator: true },
      schema: {
        tags: ["admin"],
        summary: "Every tenant (platform operator only)",
        response: { 200: z.object({ data: z.array(tenantSchema) }), ...errorResponses },
      },
    },
    async () => ({ data: (await listTenants(deps.db)).map(tenantJson) }),
  );

  app.post(
    "/admin/tenants",
    {
      config: { operator: true, scope: "keys:write", audit: { action: "tenant.create" } },
      schema: {
        tags: ["admin"],
        summary: "Create a tenant and its owner key (platform operator only)",
        body: z.strictObject({
          name: z.string().trim().min(1).max(100),
          plan: z
            .enum(PLAN_IDS as [PlanId, ...PlanId[]])
            .default("open_source")
            .describe(
              "A plan of the catalog: an edition, or another product's plan (the tenant then also has open_source)",
            ),
          ownerEmail: z
            .string()
            .trim()
            .min(3)
            .max(254)
            .optional()
            .describe("Its first member, an owner"),
        }),
        response: {
          201: z.object({ tenant: tenantSchema, apiKey: z.string() }),
          ...errorResponses,
        },
      },
    },
    async (req, reply) => {
      const { tenant, key } = await createTenant(deps.db, {
        name: req.body.name,
        plan: req.body.plan,
        ownerEmail: req.body.ownerEmail,
        actor: req.ctx.actor,
        nowMs: deps.clock.now(),
      });
      return reply.code(201).send({ tenant: tenantJson(tenant), apiKey: key });
    },
  );

  app.patch(
    "/admin/tenants/:id",
    {
      config: { operator: true, scope: "keys:write", audit: { action: "tenant.update" } },
      schema: {
        tags: ["admin"],
        summary: "Suspend or reactivate a tenant, or move it to a plan (platform operator only)",
        description:
          "A suspended tenant's keys answer 401 until it is reactivated. A plan moves the subscription of the plan's product (an edition moves the tenant's platform edition).",
        params: tenantId,
        body: z
          .strictObject({
            status: z.enum(["active", "suspended"]).optional(),
            plan: z.enum(PLAN_IDS as [PlanId, ...PlanId[]]).optional(),
          })
          .refine((b) => b.status !== undefined || b.plan !== undefined, {
            message: "give status, plan or both",
          }),
        response: { 200: tenantSchema, ...errorResponses },
      },
    },
    async (req) => {
      const id = req.params.id;
      const t = await deps.db.transaction(async (tx) => {
        if (!(await getTenant(tx, id))) return null;
        if (req.body.plan)
          await subscribe(tx, { tenantId: id, planId: req.body.plan, nowMs: deps.clock.now() });
        if (req.body.status) await setTenantStatus(tx, id, req.body.status);
        return getTenant(tx, id);
      });
      if (!t) throw new AppError("not_found", `no tenant ${id}`);
      auth.forget();
      plans.forget(id);
      return tenantJson(t);
    },
  );
}
