import { AppError } from "@kamiyo/core";
import type { z } from "zod";
import { failure } from "../outcome.ts";
import type { Alert, ChannelKind, SendOutcome } from "../types.ts";
import type { ChannelContext } from "./channel-context.ts";
import { discordBody, discordConfig, sendDiscord } from "./discord.ts";
import { emailBody, emailConfig, sendEmail } from "./email.ts";
import { sendSlack, slackConfig, slackMessage } from "./slack.ts";
import { sendTelegram, telegramConfig, telegramMessage } from "./telegram.ts";
import { sendWebhook, webhookConfig, webhookPayload } from "./webhook.ts";

/** A channel plug-in: its settings' schema, how it sends an alert, and what it sends. */
export interface ChannelPlugin<C> {
  config: z.ZodType<C>;
  send(alert: Alert, config: C, ctx: ChannelContext): Promise<SendOutcome>;
  /**
   * The body `send` delivers, built by the same function `send` uses (the JSON a webhook-style
   * channel posts; an email's sender, recipients, subject and bodies), without sending anything.
   */
  render(alert: Alert, config: C): unknown;
  /**
   * The settings that are secrets (a Slack webhook URL, a bot token, an SMTP password): sealed
   * at rest with the install's key ring, never shown back by the API.
   */
  secretSettings: readonly string[];
}

/** Every channel kind's plug-in. Adding a channel adds a line here. */
export const channelPlugins: { [K in ChannelKind]: ChannelPlugin<never> } = {
  discord: plugin(discordConfig, sendDiscord, discordBody, ["url"]),
  slack: plugin(slackConfig, sendSlack, slackMessage, ["url"]),
  telegram: plugin(telegramConfig, sendTelegram, telegramMessage, ["botToken"]),
  email: plugin(emailConfig, sendEmail, emailBody, ["pass"]),
  // The webhook's signing secrets are columns of their own (sealed the same way).
  webhook: plugin(webhookConfig, sendWebhook, webhookPayload, []),
};

function plugin<C>(
  config: z.ZodType<C>,
  send: (alert: Alert, config: C, ctx: ChannelContext) => Promise<SendOutcome>,
  render: (alert: Alert, config: C) => unknown,
  secretSettings: readonly (keyof C & string)[],
): ChannelPlugin<never> {
  return { config, send, render, secretSettings } as unknown as ChannelPlugin<never>;
}

/**
 * The body a channel of `kind` with these stored settings would deliver for `alert` (what a
 * replay's `--alerts-out` writes). Sends nothing.
 * @throws AppError `invalid_input` when the settings do not validate.
 */
export function renderThrough(kind: ChannelKind, settings: unknown, alert: Alert): unknown {
  const p = channelPlugins[kind] as unknown as ChannelPlugin<unknown>;
  const parsed = p.config.safeParse(settings);
  if (!parsed.success)
    throw new AppError(
      "invalid_input",
      `invalid ${kind} channel settings: ${parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}`,
    );
  return p.render(alert, parsed.data);
}

/**
 * Sends an alert through the plug-in of `kind`, validating the stored settings first: settings
 * that no longer validate are a failure retrying cannot fix.
 */
export async function sendThrough(
  kind: ChannelKind,
  settings: unknown,
  alert: Alert,
  ctx: ChannelContext,
): Promise<SendOutcome> {
  const p = channelPlugins[kind] as unknown as ChannelPlugin<unknown>;
  const parsed = p.config.safeParse(settings);
  if (!parsed.success)
    return failure(
      `invalid ${kind} channel settings: ${parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}`,
      { retry: false },
    );
  return p.send(alert, parsed.data, ctx);
}
