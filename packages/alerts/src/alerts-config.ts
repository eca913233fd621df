import { SEVERITIES } from "@kamiyo/core";
import { z } from "zod";
import type { AlertingOptions } from "./alerting.ts";
import { DEFAULT_RETRY_SCHEDULE_MS } from "./delivery/retry-schedule.ts";
import { routingConfig } from "./routing/routing-config.ts";
import { type Channel, newChannel } from "./store/channels.ts";

/** Alerting settings (environment prefix ALERTS_): routing, delivery, and the operator's channels. */
export const alertsConfig = routingConfig.extend({
  enabled: z.boolean().default(true).describe("Route findings to alerts and deliver them"),
  minSeverity: z
    .enum(SEVERITIES)
    .default("high")
    .describe("Lowest severity sent to the channels configured here (user webhooks set their own)"),
  discordUrl: z
    .url()
    .optional()
    .describe("Discord webhook URL (contains its token: keep it secret)"),
  slackUrl: z.url().optional().describe("Slack incoming-webhook URL (secret)"),
  telegramBotToken: z.string().min(1).optional().describe("Telegram bot token (secret)"),
  telegramChatId: z.string().min(1).optional().describe("Telegram chat id to post to"),
  emailHost: z.string().min(1).optional().describe("SMTP server for email alerts"),
  emailPort: z
    .number()
    .int()
    .min(1)
    .max(65_535)
    .default(587)
    .describe("SMTP port (465: implicit TLS)"),
  emailUser: z.string().min(1).optional().describe("SMTP user"),
  emailPass: z.string().min(1).optional().describe("SMTP password (secret)"),
  emailFrom: z.string().min(3).optional().describe("Sender address of email alerts"),
  emailTo: z
    .array(z.string().min(3))
    .default([])
    .describe("Recipients of email alerts (comma-separated)"),
  webhookUrl: z.url().optional().describe("A signed webhook endpoint of the operator"),
  webhookSecret: z
    .string()
    .regex(/^whsec_[A-Za-z0-9+/=]+$/, "expected whsec_ followed by base64")
    .optional()
    .describe("Its signing secret (whsec_…; secret)"),
  retryScheduleMs: z
    .array(z.coerce.number().int().min(1_000))
    .min(1)
    .default([...DEFAULT_RETRY_SCHEDULE_MS])
    .describe("Delays before each retry, ms (comma-separated)"),
  timeoutMs: z
    .number()
    .int()
    .min(1_000)
    .max(60_000)
    .default(15_000)
    .describe("Timeout of one attempt, ms"),
  disableAfterMs: z
    .number()
    .int()
    .min(60_000)
    .default(3 * 24 * 3_600_000)
    .describe("A channel failing without a success this long is disabled and its owner told, ms"),
  workerBatchSize: z
    .number()
    .int()
    .min(1)
    .max(1_000)
    .default(200)
    .describe("Deliveries a worker claims at once (one claim and one write transaction per batch)"),
  workerConcurrency: z
    .number()
    .int()
    .min(1)
    .max(1_000)
    .default(64)
    .describe("Deliveries in flight at once"),
  pollMs: z
    .number()
    .int()
    .min(10)
    .default(500)
    .describe(
      "How often the outbox is checked when idle, ms (new alerts in this process wake it at once)",
    ),
});

export type AlertsConfig = z.output<typeof alertsConfig>;

/** The channels the operator configured, as rows with stable ids (`chn_config_<kind>`). */
export function configuredChannels(c: AlertsConfig, tenantId: string, nowMs: number): Channel[] {
  const filter = { minSeverity: c.minSeverity };
  const channel = (
    kind: Channel["kind"],
    name: string,
    config: Record<string, unknown>,
    secret: string | null = null,
  ): Channel =>
    newChannel({
      tenantId,
      id: `chn_config_${kind}`,
      kind,
      name,
      origin: "config",
      config,
      filter,
      secret,
      nowMs,
    });
  const out: Channel[] = [];
  if (c.discordUrl) out.push(channel("discord", "Discord", { url: c.discordUrl }));
  if (c.slackUrl) out.push(channel("slack", "Slack", { url: c.slackUrl }));
  if (c.telegramBotToken && c.telegramChatId)
    out.push(
      channel("telegram", "Telegram", { botToken: c.telegramBotToken, chatId: c.telegramChatId }),
    );
  if (c.emailHost && c.emailFrom && c.emailTo.length > 0)
    out.push(
      channel("email", "Email", {
        host: c.emailHost,
        port: c.emailPort,
        user: c.emailUser,
        pass: c.emailPass,
        from: c.emailFrom,
        to: c.emailTo,
      }),
    );
  if (c.webhookUrl)
    out.push(channel("webhook", "Webhook", { url: c.webhookUrl }, c.webhookSecret ?? null));
  return out;
}

/** The delivery worker's settings from the configuration. */
export function deliveryOptions(
  c: AlertsConfig,
  opts: { allowLoopbackHttp: boolean },
): AlertingOptions["delivery"] {
  return {
    batchSize: c.workerBatchSize,
    concurrency: c.workerConcurrency,
    // An attempt can take the whole timeout; the lease outlasts it twice over.
    leaseMs: 2 * c.timeoutMs + 5_000,
    pollMs: c.pollMs,
    retrySchedule: c.retryScheduleMs,
    disableAfterMs: c.disableAfterMs,
    timeoutMs: c.timeoutMs,
    allowLoopbackHttp: opts.allowLoopbackHttp,
  };
}
