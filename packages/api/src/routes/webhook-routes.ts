import { checkWebhookUrl } from "@kamiyo/alerts";
import { SEVERITIES } from "@kamiyo/core";
import type { FastifyRequest } from "fastify";
import { z } from "zod";
import type { ZodApp } from "../app-types.ts";
import type { ApiConfig } from "../config.ts";
import type { ApiDeps } from "../deps.ts";
import { forTenant } from "../request-deps.ts";
import {
  cursorParam,
  errorResponses,
  errorSchema,
  limitParam,
  pageSchema,
  prefixedId,
  timeParam,
} from "../schemas/common.ts";
import {
  endSilence,
  MAX_SILENCE_MINUTES,
  silencesPage,
  startSilence,
} from "../services/silences.ts";
import {
  createWebhook,
  deleteWebhook,
  deliveryLog,
  getWebhook,
  listWebhooks,
  replay,
  rotateSecret,
  testWebhook,
  updateWebhook,
} from "../services/webhooks.ts";
import { alertMutations } from "./alert-mutations.ts";

export const DELIVERY_STATUSES = ["pending", "delivered", "exhausted", "cancelled"] as const;
const ALERT_TYPES = [
  "finding.opened",
  "finding.escalated",
  "finding.resolved",
  "alerts.summary",
  "endpoint.disabled",
  "exploit.created",
  "exploit.updated",
  "webhook.test",
] as const;

const iso = z.string().describe("ISO 8601 time");
const detectorName = z
  .string()
  .regex(/^[a-z][a-z0-9-]{0,39}$/, "expected a detector name such as oracle");
const kindName = z
  .string()
  .regex(/^[a-z][a-z0-9-]{0,59}$/, "expected a finding kind such as deviation");
/** A coin, vault or account address (addresses compared in lower case, as findings store them). */
const subjectId = z
  .string()
  .min(1)
  .max(100)
  .transform((s) => (/^0x[0-9a-fA-F]{40}$/.test(s) ? s.toLowerCase() : s));
const label = z.string().trim().min(1).max(100);
const list = <T extends z.ZodType>(item: T) => z.array(item).min(1).max(100);

const filterShape = {
  minSeverity: z.enum(SEVERITIES).optional().describe("Only findings at least this severe"),
  detectors: list(detectorName).optional().describe("Only findings of these detectors"),
  kinds: list(kindName).optional().describe("Only findings of these kinds"),
  subjects: list(subjectId).optional().describe("Only findings about these coins, vaults or users"),
  chains: list(label).optional().describe("Exploit incidents on these chains"),
  protocols: list(label).optional().describe("Exploit incidents of these protocols"),
  categories: list(label).optional().describe("Exploit incidents of these categories"),
  minAmountUsd: z
    .number()
    .min(0)
    .max(1e15)
    .optional()
    .describe("Exploit incidents of at least this loss, USD"),
};
export const filterInput = z
  .strictObject(filterShape)
  .describe("Which alerts the endpoint receives; every field given must match. Empty: all");
export const filterOutput = z
  .object({
    ...filterShape,
    detectors: z.array(z.string()).optional(),
    kinds: z.array(z.string()).optional(),
    subjects: z.array(z.string()).optional(),
  })
  .meta({ id: "WebhookFilter" });

const webhookSchema = z
  .object({
    id: z.string(),
    url: z.string(),
    name: z.string(),
    description: z.string().nullable(),
    filter: filterOutput,
    enabled: z.boolean(),
    disabledReason: z
      .string()
      .nullable()
      .describe("Why it was disabled (410 Gone, failing for days, or by request)"),
    failingSince: iso.nullable().describe("Start of the current run of failed attempts"),
    secretPrefix: z.string().describe("The signing secret's first characters (whsec_…)"),
    previousSecretExpiresAt: iso
      .nullable()
      .describe("After a rotation: until when deliveries are also signed with the previous secret"),
    createdAt: iso,
    updatedAt: iso,
  })
  .meta({ id: "Webhook" });

const webhookWithSecret = webhookSchema
  .extend({
    secret: z
      .string()
      .describe("The signing secret (Standard Webhooks whsec_…): shown only now, store it"),
  })
  .meta({ id: "WebhookWithSecret" });

export const deliverySchema = z
  .object({
    id: z.string().describe("msg_…: the webhook-id header receivers see, the same on every retry"),
    status: z.enum(DELIVERY_STATUSES),
    alert: z.object({
      id: z.string(),
      type: z.enum(ALERT_TYPES),
      title: z.string(),
      severity: z.enum(SEVERITIES),
    }),
    nextAttemptAt: iso.nullable().describe("While pending: when it is next due"),
    lastError: z.string().nullable(),
    createdAt: iso,
    finishedAt: iso.nullable(),
    attempts: z.array(
      z.object({
        attempt: z.number().int(),
        startedAt: iso,
        latencyMs: z.number().int(),
        ok: z.boolean(),
        statusCode: z.number().int().nullable(),
        error: z.string().nullable(),
        excerpt: z.string().describe("The start of the response body (at most 1 KB)"),
      }),
    ),
  })
  .meta({ id: "Delivery" });

const matchersShape = {
  detector: detectorName.optional(),
  kind: kindName.optional(),
  subject: subjectId.optional().describe("Coin, vault or account address"),
  severity: z.array(z.enum(SEVERITIES)).min(1).max(5).optional().describe("Any of these"),
};

const silenceSchema = z
  .object({
    id: z.string(),
    matchers: z.object({
      ...matchersShape,
      detector: z.string().optional(),
      kind: z.string().optional(),
      subject: z.string().optional(),
    }),
    comment: z.string(),
    createdBy: z.string().describe("The API key id that made it, or api"),
    startsAt: iso,
    endsAt: iso,
    createdAt: iso,
    active: z.boolean(),
  })
  .meta({ id: "Silence" });

const webhookId = z.object({
  id: prefixedId("chn", "a webhook id"),
});
const deliveryParams = webhookId.extend({
  deliveryId: prefixedId("msg", "a delivery id"),
});
const silenceId = z.object({
  id: prefixedId("sil", "a silence id"),
});

const withConflict = { ...errorResponses, 409: errorSchema } as const;

export function webhookRoutes(app: ZodApp, deps: ApiDeps, config: ApiConfig): void {
  const mutating = alertMutations(app, config);
  const webhookBefore = (req: FastifyRequest) =>
    getWebhook(forTenant(deps, req), (req.params as { id: string }).id);
  /** Checked, then stored as the URL parser writes it (WHATWG: lower-case host, no default port). */
  const url = z
    .string()
    .superRefine((text, ctx) => {
      const problem = checkWebhookUrl(text, {
        allowLoopbackHttp: config.webhooksAllowLoopbackHttp,
      });
      if (problem) ctx.addIssue({ code: "custom", message: problem });
    })
    .transform((text) => {
      const u = new URL(text);
      u.hash = "";
      return u.href;
    });

  app.post(
    "/webhooks",
    {
      ...mutating("webhook.create"),
      schema: {
        tags: ["webhooks"],
        summary: "Create a webhook endpoint",
        description:
          "Deliveries are signed per Standard Webhooks with the returned `secret`, shown only in this response. The URL must be https to a public address.",
        body: z.strictObject({
          url: url.describe("https URL to a public host"),
          name: label.optional().describe("Default: the URL's host"),
          description: z.string().max(500).optional(),
          filter: filterInput.default({}),
        }),
        response: { 201: webhookWithSecret, ...withConflict },
      },
    },
    async (req, reply) =>
      reply.code(201).send(await createWebhook(forTenant(deps, req), config, req.body)),
  );

  app.get(
    "/webhooks",
    {
      schema: {
        tags: ["webhooks"],
        summary: "Webhook endpoints, oldest first",
        response: { 200: z.object({ data: z.array(webhookSchema) }), ...errorResponses },
      },
    },
    async (req) => listWebhooks(forTenant(deps, req)),
  );

  app.get(
    "/webhooks/:id",
    {
      schema: {
        tags: ["webhooks"],
        summary: "One webhook endpoint",
        params: webhookId,
        response: { 200: webhookSchema, ...errorResponses },
      },
    },
    async (req) => getWebhook(forTenant(deps, req), req.params.id),
  );

  app.patch(
    "/webhooks/:id",
    {
      ...mutating("webhook.update", webhookBefore),
      schema: {
        tags: ["webhooks"],
        summary: "Change a webhook endpoint",
        description:
          "`filter` replaces the whole filter. Setting `enabled` to true re-enables an endpoint disabled for failing, clearing its failure record.",
        params: webhookId,
        body: z
          .strictObject({
            url: url.optional(),
            name: label.optional(),
            description: z.string().max(500).nullable().optional(),
            filter: filterInput.optional(),
            enabled: z.boolean().optional(),
          })
          .refine((b) => Object.keys(b).length > 0, {
            message: "give at least one of url, name, description, filter, enabled",
          }),
        response: { 200: webhookSchema, ...errorResponses },
      },
    },
    async (req) => updateWebhook(forTenant(deps, req), config, req.params.id, req.body),
  );

  app.delete(
    "/webhooks/:id",
    {
      ...mutating("webhook.delete", webhookBefore),
      schema: {
        tags: ["webhooks"],
        summary: "Delete a webhook endpoint and its delivery log",
        params: webhookId,
        response: { 204: z.undefined().describe("Deleted"), ...errorResponses },
      },
    },
    async (req, reply) => {
      await deleteWebhook(forTenant(deps, req), req.params.id);
      return reply.code(204).send();
    },
  );

  app.post(
    "/webhooks/:id/rotate-secret",
    {
      ...mutating("webhook.rotate_secret", webhookBefore),
      schema: {
        tags: ["webhooks"],
        summary: "Replace the signing secret",
        description:
          "Returns the new secret. Until `overlapHours` have passed, deliveries also carry a signature by the previous secret, so receivers can switch without losing messages.",
        params: webhookId,
        body: z
          .strictObject({
            overlapHours: z
              .number()
              .min(0)
              .max(168)
              .default(24)
              .describe("How long the previous secret stays valid (0–168 h, default 24)"),
          })
          .nullish(),
        response: { 200: webhookWithSecret, ...errorResponses },
      },
    },
    async (req) => rotateSecret(forTenant(deps, req), req.params.id, req.body?.overlapHours ?? 24),
  );

  app.post(
    "/webhooks/:id/test",
    {
      ...mutating("webhook.test"),
      schema: {
        tags: ["webhooks"],
        summary: "Send a webhook.test event",
        description: "Queues one delivery; follow it in the delivery log.",
        params: webhookId,
        response: { 202: z.object({ deliveryId: z.string() }), ...withConflict },
      },
    },
    async (req, reply) =>
      reply.code(202).send(await testWebhook(forTenant(deps, req), req.params.id)),
  );

  app.get(
    "/webhooks/:id/deliveries",
    {
      schema: {
        tags: ["webhooks"],
        summary: "The endpoint's delivery log, newest first, with every attempt",
        params: webhookId,
        querystring: z.object({
          status: z.enum(DELIVERY_STATUSES).optional(),
          cursor: cursorParam.optional(),
          limit: limitParam(200, 50),
        }),
        response: { 200: pageSchema(deliverySchema), ...errorResponses },
      },
    },
    async (req) => deliveryLog(forTenant(deps, req), req.params.id, req.query),
  );

  app.post(
    "/webhooks/:id/deliveries/:deliveryId/replay",
    {
      ...mutating("delivery.replay"),
      schema: {
        tags: ["webhooks"],
        summary: "Send an exhausted or cancelled delivery again",
        description:
          "Due now, with its retry schedule restarted. 409 when it is still pending or was delivered.",
        params: deliveryParams,
        response: {
          202: z.object({ deliveryId: z.string(), status: z.enum(DELIVERY_STATUSES) }),
          ...withConflict,
        },
      },
    },
    async (req, reply) =>
      reply
        .code(202)
        .send(await replay(forTenant(deps, req), req.params.id, req.params.deliveryId)),
  );

  app.post(
    "/silences",
    {
      ...mutating("silence.create"),
      schema: {
        tags: ["silences"],
        summary: "Silence alerts for a while",
        description:
          "Findings matching every matcher given raise no alert until the silence ends (an episode silenced is not announced late). Give `durationMinutes` or `endsAt`.",
        body: z
          .strictObject({
            matchers: z.strictObject(matchersShape).refine((m) => Object.keys(m).length > 0, {
              message: "give at least one of detector, kind, subject, severity",
            }),
            comment: z.string().trim().min(1).max(500),
            durationMinutes: z
              .number()
              .int()
              .min(1)
              .max(MAX_SILENCE_MINUTES)
              .optional()
              .describe(`Minutes from now (1–${MAX_SILENCE_MINUTES})`),
            endsAt: timeParam.optional().describe("When it ends (ISO 8601), within 30 days"),
          })
          .refine((b) => (b.durationMinutes === undefined) !== (b.endsAt === undefined), {
            message: "give either durationMinutes or endsAt",
            path: ["durationMinutes"],
          }),
        response: { 201: silenceSchema, ...errorResponses },
      },
    },
    async (req, reply) =>
      reply.code(201).send(await startSilence(forTenant(deps, req), req.body, req.ctx.actor)),
  );

  app.get(
    "/silences",
    {
      schema: {
        tags: ["silences"],
        summary: "Silences, newest first",
        querystring: z.object({
          active: z
            .enum(["true", "false"])
            .transform((v) => v === "true")
            .optional()
            .describe("true: only those in force now; false: only those not in force"),
          cursor: cursorParam.optional(),
          limit: limitParam(500, 100),
        }),
        response: { 200: pageSchema(silenceSchema), ...errorResponses },
      },
    },
    async (req) => silencesPage(forTenant(deps, req), req.query),
  );

  app.delete(
    "/silences/:id",
    {
      ...mutating("silence.end"),
      schema: {
        tags: ["silences"],
        summary: "End a silence now",
        params: silenceId,
        response: { 204: z.undefined().describe("Ended"), ...errorResponses },
      },
    },
    async (req, reply) => {
      await endSilence(forTenant(deps, req), req.params.id);
      return reply.code(204).send();
    },
  );
}
