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
} from "../schemas/common.ts";
import {
  CHAT_KINDS,
  chatDeliveryLog,
  createChatChannel,
  deleteChatChannel,
  getChatChannel,
  listChatChannels,
  testChatChannel,
  updateChatChannel,
} from "../services/channels.ts";
import { alertMutations } from "./alert-mutations.ts";
import { DELIVERY_STATUSES, deliverySchema, filterInput, filterOutput } from "./webhook-routes.ts";

/** Discord's webhook URLs (https://discord.com/developers/docs/resources/webhook). */
const DISCORD_URL =
  /^https:\/\/(discord\.com|discordapp\.com|ptb\.discord\.com|canary\.discord\.com)\/api\/webhooks\/\d{1,25}\/[A-Za-z0-9_-]{20,120}$/;
/** Slack's incoming webhook URLs (https://api.slack.com/messaging/webhooks). */
const SLACK_URL =
  /^https:\/\/hooks\.slack\.com\/services\/[A-Z0-9]{5,20}\/[A-Z0-9]{5,20}\/[A-Za-z0-9]{10,40}$/;

const settings = z.discriminatedUnion("kind", [
  z.strictObject({
    kind: z.literal("discord"),
    url: z
      .string()
      .regex(DISCORD_URL, "expected a Discord webhook URL (https://discord.com/api/webhooks/…)"),
    username: z.string().trim().min(1).max(80).optional(),
  }),
  z.strictObject({
    kind: z.literal("slack"),
    url: z
      .string()
      .regex(
        SLACK_URL,
        "expected a Slack incoming webhook URL (https://hooks.slack.com/services/…)",
      ),
  }),
  z.strictObject({
    kind: z.literal("telegram"),
    botToken: z
      .string()
      .regex(/^\d{1,20}:[A-Za-z0-9_-]{20,100}$/, "expected a Telegram bot token from @BotFather"),
    chatId: z.union([
      z.number().int(),
      z.string().regex(/^(-?\d{1,20}|@[A-Za-z0-9_]{4,64})$/, "expected a chat id or @channel"),
    ]),
    disableNotificationBelow: z.enum(SEVERITIES).optional(),
  }),
]);

const channelSchema = z
  .object({
    id: z.string(),
    kind: z.enum(CHAT_KINDS),
    name: z.string(),
    target: z.string().describe("Where it posts, without the secret part of the URL or token"),
    filter: filterOutput,
    enabled: z.boolean(),
    disabledReason: z.string().nullable(),
    failingSince: z.string().nullable(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .meta({ id: "ChatChannel" });

const channelId = z.object({
  id: prefixedId("chn", "a channel id"),
});
const withConflict = { ...errorResponses, 409: errorSchema } as const;

/**
 * A tenant's Discord, Slack and Telegram subscriptions: alerts matching the filter go to the
 * tenant's own chat, as the operator's configured channels do for the install.
 */
export function channelRoutes(app: ZodApp, deps: ApiDeps, config: ApiConfig): void {
  const mutating = alertMutations(app, config);
  const channelBefore = (req: FastifyRequest) =>
    getChatChannel(forTenant(deps, req), (req.params as { id: string }).id);

  app.post(
    "/channels",
    {
      ...mutating("channel.create"),
      schema: {
        tags: ["channels"],
        summary: "Subscribe a Discord, Slack or Telegram chat to alerts",
        body: z.strictObject({
          settings,
          name: z.string().trim().min(1).max(100).optional().describe("Default: the kind"),
          filter: filterInput.default({}),
        }),
        response: { 201: channelSchema, ...withConflict },
      },
    },
    async (req, reply) =>
      reply.code(201).send(await createChatChannel(forTenant(deps, req), config, req.body)),
  );

  app.get(
    "/channels",
    {
      schema: {
        tags: ["channels"],
        summary: "The tenant's chat channels, oldest first",
        response: { 200: z.object({ data: z.array(channelSchema) }), ...errorResponses },
      },
    },
    async (req) => listChatChannels(forTenant(deps, req)),
  );

  app.get(
    "/channels/:id",
    {
      schema: {
        tags: ["channels"],
        summary: "One chat channel",
        params: channelId,
        response: { 200: channelSchema, ...errorResponses },
      },
    },
    async (req) => getChatChannel(forTenant(deps, req), req.params.id),
  );

  app.patch(
    "/channels/:id",
    {
      ...mutating("channel.update", channelBefore),
      schema: {
        tags: ["channels"],
        summary: "Rename, refilter, or turn a chat channel on or off",
        params: channelId,
        body: z
          .strictObject({
            name: z.string().trim().min(1).max(100).optional(),
            filter: filterInput.optional(),
            enabled: z.boolean().optional(),
          })
          .refine((b) => Object.keys(b).length > 0, {
            message: "give at least one of name, filter, enabled",
          }),
        response: { 200: channelSchema, ...errorResponses },
      },
    },
    async (req) => updateChatChannel(forTenant(deps, req), req.params.id, req.body),
  );

  app.delete(
    "/channels/:id",
    {
      ...mutating("channel.delete", channelBefore),
      schema: {
        tags: ["channels"],
        summary: "Unsubscribe a chat channel",
        params: channelId,
        response: { 204: z.undefined().describe("Deleted"), ...errorResponses },
      },
    },
    async (req, reply) => {
      await deleteChatChannel(forTenant(deps, req), req.params.id);
      return reply.code(204).send();
    },
  );

  app.post(
    "/channels/:id/test",
    {
      ...mutating("channel.test"),
      schema: {
        tags: ["channels"],
        summary: "Send a test message",
        params: channelId,
        response: { 202: z.object({ deliveryId: z.string() }), ...withConflict },
      },
    },
    async (req, reply) =>
      reply.code(202).send(await testChatChannel(forTenant(deps, req), req.params.id)),
  );

  app.get(
    "/channels/:id/deliveries",
    {
      schema: {
        tags: ["channels"],
        summary: "The channel's delivery log, newest first, with every attempt",
        description: "How its test messages and alerts went: each attempt's outcome and status.",
        params: channelId,
        querystring: z.object({
          status: z.enum(DELIVERY_STATUSES).optional(),
          cursor: cursorParam.optional(),
          limit: limitParam(200, 50),
        }),
        response: { 200: pageSchema(deliverySchema), ...errorResponses },
      },
    },
    async (req) => chatDeliveryLog(forTenant(deps, req), req.params.id, req.query),
  );
}
