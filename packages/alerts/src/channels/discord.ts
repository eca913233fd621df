import type { Severity } from "@kamiyo/core";
import { z } from "zod";
import type { Alert, SendOutcome } from "../types.ts";
import type { ChannelContext } from "./channel-context.ts";
import { excerptJson, postJson, retryAfterField } from "./post.ts";
import { facts, findingLine, footer, headline, lead, truncate } from "./render.ts";

/** A Discord channel: its webhook URL (https://discord.com/api/webhooks/…). */
export const discordConfig = z.object({
  url: z.url({ protocol: /^https?$/ }),
  /** Overrides the webhook's default name. */
  username: z.string().min(1).max(80).optional(),
});
export type DiscordConfig = z.output<typeof discordConfig>;

/** Discord's documented limits of a message and an embed. */
export const DISCORD_LIMITS = {
  content: 2000,
  title: 256,
  description: 4096,
  fields: 25,
  fieldName: 256,
  fieldValue: 1024,
  footer: 2048,
  /** Title, description, field names and values, footer and author together. */
  embedTotal: 6000,
} as const;

const COLOR: Record<Severity, number> = {
  critical: 0xe74c3c,
  high: 0xe67e22,
  medium: 0xf1c40f,
  low: 0x3498db,
  info: 0x95a5a6,
};
const RESOLVED_COLOR = 0x2ecc71;
/** Longest value shown side by side with others. */
const INLINE_MAX = 40;

export interface DiscordField {
  name: string;
  value: string;
  inline: boolean;
}

export interface DiscordEmbed {
  title: string;
  description?: string;
  color: number;
  fields: DiscordField[];
  timestamp: string;
  footer: { text: string };
}

/** The JSON body of a Discord webhook execution. */
export interface DiscordMessage {
  username?: string;
  content?: string;
  embeds: [DiscordEmbed];
  allowed_mentions: { parse: [] };
}

/**
 * Backslash-escapes Discord markdown: emphasis, code, spoilers, quotes, headings, masked links
 * (`[`), and `<`, which starts mentions and timestamps.
 */
export function escapeDiscord(s: string): string {
  return s.replace(/[\\*_~`|<>[\]#]/g, "\\$&");
}

function embedSize(e: DiscordEmbed): number {
  return (
    e.title.length +
    (e.description?.length ?? 0) +
    e.footer.text.length +
    e.fields.reduce((n, f) => n + f.name.length + f.value.length, 0)
  );
}

/**
 * Cuts an embed to {@link DISCORD_LIMITS.embedTotal}: evidence fields go first, from the last,
 * then the description shrinks, then the remaining fields go.
 */
function fit(e: DiscordEmbed, baseFields: number): void {
  const over = () => embedSize(e) - DISCORD_LIMITS.embedTotal;
  while (over() > 0 && e.fields.length > baseFields) e.fields.pop();
  if (over() > 0 && e.description) {
    e.description = truncate(e.description, e.description.length - over());
    if (e.description === "") delete e.description;
  }
  while (over() > 0 && e.fields.length > 0) e.fields.pop();
}

function field(name: string, value: string): DiscordField {
  const v = escapeDiscord(value);
  return {
    name: truncate(name, DISCORD_LIMITS.fieldName),
    value: truncate(v === "" ? "—" : v, DISCORD_LIMITS.fieldValue),
    inline: v.length <= INLINE_MAX,
  };
}

/** The webhook body of an alert: one embed coloured by severity (green when resolved). */
export function discordMessage(alert: Alert): DiscordMessage {
  const { base, evidence } = facts(alert);
  const grouped = alert.findings.length > 1 ? alert.findings.map((f) => `• ${findingLine(f)}`) : [];
  const description = [escapeDiscord(lead(alert)), ...grouped.map(escapeDiscord)].join("\n");
  const baseFields = base.slice(0, DISCORD_LIMITS.fields).map(([n, v]) => field(n, v));
  const embed: DiscordEmbed = {
    title: truncate(headline(alert), DISCORD_LIMITS.title),
    description: truncate(description, DISCORD_LIMITS.description),
    color: alert.type === "finding.resolved" ? RESOLVED_COLOR : COLOR[alert.severity],
    fields: [...baseFields, ...evidence.map(([n, v]) => field(n, v))].slice(
      0,
      DISCORD_LIMITS.fields,
    ),
    timestamp: new Date(alert.createdAt).toISOString(),
    footer: { text: truncate(footer(alert), DISCORD_LIMITS.footer) },
  };
  fit(embed, baseFields.length);
  return {
    content: truncate(escapeDiscord(headline(alert)), 200),
    embeds: [embed],
    allowed_mentions: { parse: [] },
  };
}

/** What a Discord channel posts: the message, under the configured name if there is one. */
export function discordBody(alert: Alert, config: DiscordConfig): DiscordMessage {
  const message = discordMessage(alert);
  return config.username ? { ...message, username: config.username } : message;
}

/**
 * Executes the Discord webhook. A 429 without Retry-After takes its delay from the body's
 * `retry_after` (seconds); a 404 "Unknown Webhook" (code 10015, the webhook was deleted) is gone.
 */
export async function sendDiscord(
  alert: Alert,
  config: DiscordConfig,
  ctx: ChannelContext,
): Promise<SendOutcome> {
  const out = await postJson(ctx, config.url, discordBody(alert, config));
  if (out.ok) return out;
  if (out.status === 429 && out.retryAfterMs === null) {
    return { ...out, retryAfterMs: retryAfterField(out.excerpt) };
  }
  if (out.status === 404 && excerptJson(out.excerpt)?.code === 10015) {
    return { ...out, retry: false, gone: true, error: `${out.error}: Unknown Webhook` };
  }
  return out;
}
