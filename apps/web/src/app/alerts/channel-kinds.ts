import type { ChannelKind } from "./alert-types.ts";

/** One setting of a channel kind, as `POST /channels`' `settings` names it. */
export interface SettingField {
  key: string;
  label: string;
  /** `secret`: typed once and never shown again (the API gives back only where it posts). */
  input: "secret-url" | "secret" | "text" | "severity";
  required: boolean;
  placeholder?: string;
  hint?: string;
}

/**
 * The settings each chat kind takes (`settings` in packages/api's channel routes): the vendor's
 * own address, never a host of the tenant's choosing.
 */
export const CHANNEL_SETTINGS: Record<ChannelKind, { label: string; fields: SettingField[] }> = {
  discord: {
    label: "Discord",
    fields: [
      {
        key: "url",
        label: "Discord webhook URL",
        input: "secret-url",
        required: true,
        placeholder: "https://discord.com/api/webhooks/…",
        hint: "Server settings → Integrations → Webhooks. It holds the webhook's token.",
      },
      { key: "username", label: "Post as (optional)", input: "text", required: false },
    ],
  },
  slack: {
    label: "Slack",
    fields: [
      {
        key: "url",
        label: "Slack incoming webhook URL",
        input: "secret-url",
        required: true,
        placeholder: "https://hooks.slack.com/services/…",
        hint: "From a Slack app's Incoming Webhooks. It holds the webhook's token.",
      },
    ],
  },
  telegram: {
    label: "Telegram",
    fields: [
      {
        key: "botToken",
        label: "Bot token",
        input: "secret",
        required: true,
        placeholder: "123456:ABC…",
        hint: "From @BotFather; the bot must be a member of the chat.",
      },
      {
        key: "chatId",
        label: "Chat id or @channel",
        input: "text",
        required: true,
        placeholder: "-1001234567890",
      },
      {
        key: "disableNotificationBelow",
        label: "Silent below (optional)",
        input: "severity",
        required: false,
        hint: "Alerts less severe arrive without a sound.",
      },
    ],
  },
};
