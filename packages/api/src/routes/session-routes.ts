import { AppError } from "@kamiyo/core";
import { tenantDb } from "@kamiyo/db";
import {
  checkPassword,
  createSession,
  DUMMY_PASSWORD_HASH,
  findSessionGrant,
  findSignIn,
  getMember,
  getPasswordHash,
  getTenant,
  hashPassword,
  looksLikeSessionToken,
  MAX_PASSWORD_LENGTH,
  ROLES,
  recordAudit,
  revokeSession,
  revokeUserSessions,
  SESSION_ABSOLUTE_MS,
  SESSION_IDLE_MS,
  setPasswordHash,
  type Tenant,
  verifyPassword,
} from "@kamiyo/tenancy";
import type { FastifyReply, FastifyRequest } from "fastify";
import { z } from "zod";
import type { FailureLimiter } from "../access.ts";
import type { ZodApp } from "../app-types.ts";
import type { Authenticator } from "../authenticate.ts";
import { fromSameOrigin, readCookie, SESSION_COOKIE, setSessionCookie } from "../cookie.ts";
import type { ApiDeps } from "../deps.ts";
import { sendError } from "../errors.ts";
import { errorResponses, prefixedId } from "../schemas/common.ts";
import { tenantJson, tenantSchema } from "./tenant-routes.ts";

const WRONG = "the email address or password is not right";
/** Longer than any password taken (checkPassword says so), short enough to bound hashing work. */
const passwordField = z
  .string()
  .min(1)
  .max(4 * MAX_PASSWORD_LENGTH);

/**
 * Signing in with email and password (`POST /auth/session`: a session cookie), signing out
 * (`DELETE /auth/session`) and changing one's own password (`POST /auth/password`).
 * Sign-in and sign-out are open routes: they read the cookie themselves, refuse a request from
 * another site (a foreign `Origin` or `Referer`), and write their own audit entries.
 */
export function sessionRoutes(
  app: ZodApp,
  deps: ApiDeps,
  caches: { auth: Authenticator; failures: FailureLimiter },
): void {
  const { auth, failures } = caches;
  const requestDb = deps.requestDb ?? deps.db;
  /** Counts a failure; answers 429 when past the budget, else `fallback`. */
  const failed = async (req: FastifyRequest, reply: FastifyReply, fallback: () => FastifyReply) => {
    const counted = await failures(req);
    return !counted.isAllowed && counted.isExceeded
      ? tooMany(req, reply, counted.ttlInSeconds)
      : fallback();
  };
  const foreign = (req: FastifyRequest, reply: FastifyReply) =>
    sendError(
      reply,
      req,
      "forbidden",
      "this request comes from another site (its Origin or Referer is not this host)",
    );

  app.post(
    "/auth/session",
    {
      config: { public: true },
      schema: {
        tags: ["auth"],
        summary: "Sign in with email and password",
        description: `Sets the session cookie \`${SESSION_COOKIE}\` (HttpOnly, SameSite=Strict, Secure over https). A session ends when signed out, ${SESSION_IDLE_MS / 3_600_000} hours after its last use, ${SESSION_ABSOLUTE_MS / 86_400_000} days after sign-in, when the membership is removed or when the password changes. A wrong address and a wrong password get the same answer; failures count against the failed-authentication limit of the client's address.`,
        body: z.strictObject({
          email: z.string().min(1).max(254),
          password: passwordField,
          tenant: prefixedId("ten", "a tenant id", 1)
            .optional()
            .describe("The tenant to sign in to; needed only by a person in several"),
        }),
        response: {
          200: z.object({
            user: z.object({ id: z.string(), email: z.string() }),
            tenant: tenantSchema,
            role: z.enum(ROLES),
            expiresAt: z.string().describe("The session's absolute end (ISO 8601)"),
            idleTimeoutSeconds: z.number().int().describe("It also ends when unused this long"),
          }),
          ...errorResponses,
        },
      },
    },
    async (req, reply) => {
      // A browser always says where a sign-in form was; another site's must not sign it in.
      if ((req.headers.origin ?? req.headers.referer) !== undefined && !fromSameOrigin(req))
        return foreign(req, reply);
      // Past the budget, no password is checked at all: a right guess must look like a wrong one.
      const budget = await failures(req, { increment: false });
      if (!budget.isAllowed && budget.isExceeded) return tooMany(req, reply, budget.ttlInSeconds);
      const person = await findSignIn(requestDb, req.body.email.trim().toLowerCase());
      // Unknown addresses and people without a password verify a dummy hash: the same time.
      const right = await verifyPassword(
        person?.passwordHash ?? DUMMY_PASSWORD_HASH,
        req.body.password,
      );
      if (!person?.passwordHash || !right) {
        deps.log.info({ requestId: req.id, ip: req.ip }, "sign-in refused");
        return failed(req, reply, () => sendError(reply, req, "unauthorized", WRONG));
      }
      const active = person.memberships.filter((m) => m.tenantActive);
      const chosen = req.body.tenant
        ? active.find((m) => m.tenantId === req.body.tenant)
        : active.length === 1
          ? active[0]
          : undefined;
      if (!chosen) {
        if (req.body.tenant)
          throw new AppError(
            "forbidden",
            `you are not a member of an active tenant ${req.body.tenant}`,
          );
        if (active.length === 0)
          throw new AppError("forbidden", "you are not a member of any active tenant");
        throw new AppError(
          "invalid_input",
          `you belong to several tenants: give "tenant", one of ${active.map((m) => `${m.tenantId} (${m.tenantName})`).join(", ")}`,
        );
      }
      const now = deps.clock.now();
      const { record, token, tenant } = await tenantDb(requestDb, chosen.tenantId).transaction(
        async (tx) => {
          const made = await createSession(tx, {
            tenantId: chosen.tenantId,
            userId: person.userId,
            nowMs: now,
          });
          await recordAudit(tx, {
            tenantId: chosen.tenantId,
            actor: person.userId,
            action: "session.create",
            target: made.record.id,
            requestId: req.id,
            before: null,
            after: sessionAudit(made.record),
            nowMs: now,
          });
          return { ...made, tenant: (await getTenant(tx, chosen.tenantId)) as Tenant };
        },
      );
      deps.log.info(
        { requestId: req.id, userId: person.userId, tenantId: tenant.id, sessionId: record.id },
        "signed in",
      );
      setSessionCookie(req, reply, token, SESSION_ABSOLUTE_MS);
      return {
        user: { id: person.userId, email: person.email },
        tenant: tenantJson(tenant),
        role: chosen.role,
        expiresAt: new Date(record.expiresAt).toISOString(),
        idleTimeoutSeconds: SESSION_IDLE_MS / 1000,
      };
    },
  );

  app.delete(
    "/auth/session",
    {
      config: { public: true },
      schema: {
        tags: ["auth"],
        summary: "Sign out: end the cookie's session and clear the cookie",
        description: "Answers 204 whether or not the cookie named a live session.",
        response: { 204: z.undefined().describe("Signed out"), ...errorResponses },
      },
    },
    async (req, reply) => {
      const token = readCookie(req, SESSION_COOKIE);
      if (token !== undefined && !fromSameOrigin(req)) return foreign(req, reply);
      const grant =
        token && looksLikeSessionToken(token) ? await findSessionGrant(requestDb, token) : null;
      if (grant && grant.revokedAt === null) {
        const now = deps.clock.now();
        await tenantDb(requestDb, grant.tenantId).transaction(async (tx) => {
          if (!(await revokeSession(tx, grant.tenantId, grant.id, now))) return;
          await recordAudit(tx, {
            tenantId: grant.tenantId,
            actor: grant.userId,
            action: "session.revoke",
            target: grant.id,
            requestId: req.id,
            before: { id: grant.id, revokedAt: null },
            after: { id: grant.id, revokedAt: new Date(now).toISOString() },
            nowMs: now,
          });
        });
        auth.forget();
        deps.log.info({ requestId: req.id, sessionId: grant.id }, "signed out");
      }
      setSessionCookie(req, reply, "", 0);
      return reply.code(204).send();
    },
  );

  app.post(
    "/auth/password",
    {
      config: { scope: "read", audit: { action: "user.password_change" } },
      schema: {
        tags: ["auth"],
        summary: "Change the signed-in person's password",
        description:
          "Only a person signed in with the session cookie has a password (an API key has none). The current password is required; every other session of the person, in every tenant, ends. The new password needs at least 12 characters and is refused, with the reason, when it is a common one or made of the person's address.",
        body: z.strictObject({
          currentPassword: passwordField.optional(),
          newPassword: passwordField,
        }),
        response: {
          200: z.object({
            id: z.string().describe("The person (usr_…)"),
            passwordChangedAt: z.string(),
            sessionsEnded: z.number().int().describe("Other sessions of the person ended"),
          }),
          ...errorResponses,
        },
      },
    },
    async (req, reply) => {
      if (!req.sessionId)
        throw new AppError(
          "forbidden",
          "only a person signed in with email and password can change their password; an API key has none",
        );
      const userId = req.ctx.actor;
      const current = await getPasswordHash(deps.db, userId);
      if (current !== null) {
        const given = req.body.currentPassword;
        if (given === undefined || !(await verifyPassword(current, given)))
          return failed(req, reply, () =>
            sendError(reply, req, "forbidden", "the current password is not right"),
          );
      }
      const me = await getMember(tenantDb(requestDb, req.ctx.tenantId), req.ctx.tenantId, userId);
      checkPassword(req.body.newPassword, { email: me?.email });
      const hash = await hashPassword(req.body.newPassword);
      const now = deps.clock.now();
      const ended = await deps.db.transaction(async (tx) => {
        await setPasswordHash(tx, userId, hash, now);
        return revokeUserSessions(tx, { userId, except: req.sessionId ?? undefined, nowMs: now });
      });
      auth.forget();
      return { id: userId, passwordChangedAt: new Date(now).toISOString(), sessionsEnded: ended };
    },
  );
}

function tooMany(req: FastifyRequest, reply: FastifyReply, seconds: number) {
  reply.header("retry-after", seconds);
  return sendError(
    reply,
    req,
    "rate_limited",
    `too many failed authentications from this address; retry in ${seconds} s`,
  );
}

function sessionAudit(s: { id: string; userId: string; createdAt: number; expiresAt: number }) {
  return {
    id: s.id,
    userId: s.userId,
    createdAt: new Date(s.createdAt).toISOString(),
    expiresAt: new Date(s.expiresAt).toISOString(),
  };
}
