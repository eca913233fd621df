import type { z } from "zod";
import { failure } from "../outcome.ts";
import type { Alert, ChannelKind, SendOutcome } from "../types.ts";
import type { ChannelContext } from "./channel-context.ts";
import { discordConfig, sendDiscord } from "./discord.ts";
import { emailConfig, sendEmail } from "./email.ts";
import { sendSlack, slackConfig } from "./slack.ts";
import { sendTelegram, telegramConfig } from "./telegram.ts";
import { sendWebhook, webhookConfig } from "./webhook.ts";

/** A channel plug-in: its settings' schema and how it sends an alert. */
export interface ChannelPlugin<C> {
  config: z.ZodType<C>;
  send(alert: Alert, config: C, ctx: ChannelContext): Promise<SendOutcome>;
}

/** Every channel kind's plug-in. Adding a channel adds a line here. */
export const channelPlugins: { [K in ChannelKind]: ChannelPlugin<never> } = {
  discord: plugin(discordConfig, sendDiscord),
  slack: plugin(slackConfig, sendSlack),
  telegram: plugin(telegramConfig, sendTelegram),
  email: plugin(emailConfig, sendEmail),
  webhook: plugin(webhookConfig, sendWebhook),
};

function plugin<C>(
  config: z.ZodType<C>,
  send: (alert: Alert, config: C, ctx: ChannelContext) => Promise<SendOutcome>,
): ChannelPlugin<never> {
  return { config, send } as unknown as ChannelPlugin<never>;
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
