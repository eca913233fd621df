import { atLeast, SEVERITIES } from "@kamiyo/core";
import { z } from "zod";
import type { Alert, SendOutcome } from "../types.ts";
import type { ChannelContext } from "./channel-context.ts";
import { excerptJson, postJson, retryAfterField } from "./post.ts";
import {
  facts,
  findingLine,
  footer,
  headline,
  lead,
  prefix,
  RESOLVED_EMOJI,
  SEVERITY_EMOJI,
} from "./render.ts";

/** A Telegram chat reached through a bot. */
export const telegramConfig = z.object({
  /** "123456:ABC-…" from @BotFather. A secret: never logged. */
  botToken: z.string().regex(/^\d{1,20}:[A-Za-z0-9_-]{20,100}$/, "not a Telegram bot token"),
  /** A numeric chat id or "@channelusername". */
  chatId: z.union([z.number().int(), z.string().regex(/^(-?\d{1,20}|@[A-Za-z0-9_]{4,64})$/)]),
  apiBase: z.url({ protocol: /^https?$/ }).default("https://api.telegram.org"),
  /** Alerts below this severity arrive without a sound. */
  disableNotificationBelow: z.enum(SEVERITIES).optional(),
});
export type TelegramConfig = z.output<typeof telegramConfig>;

/** Longest message text, counted after entity parsing. */
export const TELEGRAM_MAX_TEXT = 4096;

/** The JSON body of `sendMessage`. */
export interface TelegramMessage {
  chat_id: number | string;
  text: string;
  parse_mode: "HTML";
  link_preview_options: { is_disabled: true };
  disable_notification: boolean;
}

/** Escapes text for Telegram's HTML parse mode: `&`, `<`, `>` (and `"` inside attributes). */
export function escapeTelegram(s: string, attribute = false): string {
  const text = s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
  return attribute ? text.replace(/"/g, "&quot;") : text;
}

type Tag = "" | "b" | "i" | "code";
/** A run of text in one style; lines are lists of runs. */
type Run = readonly [tag: Tag, text: string];

function html(tag: Tag, text: string): string {
  const t = escapeTelegram(text);
  return tag ? `<${tag}>${t}</${tag}>` : t;
}

/**
 * Renders lines of runs as HTML with at most `max` characters of visible text. When cut, the
 * cut is in raw text (before escaping) and ends in "…": an entity or a tag is never split.
 */
function render(lines: readonly (readonly Run[])[], max: number): string {
  const visible = lines.reduce((n, l) => n + l.reduce((m, [, t]) => m + t.length, 0), 0);
  const total = visible + Math.max(0, lines.length - 1);
  let budget = total <= max ? total : max - 1;
  const out: string[] = [];
  for (const [i, line] of lines.entries()) {
    if (i > 0) {
      if (budget < 1) break;
      out.push("\n");
      budget--;
    }
    for (const [tag, text] of line) {
      const kept = prefix(text, budget);
      if (kept !== "") out.push(html(tag, kept));
      budget -= kept.length;
    }
  }
  return total <= max ? out.join("") : `${out.join("").trimEnd()}…`;
}

/** The message text (HTML) of an alert. */
export function telegramText(alert: Alert): string {
  const { base, evidence } = facts(alert);
  const mark = alert.type === "finding.resolved" ? RESOLVED_EMOJI : SEVERITY_EMOJI[alert.severity];
  const lines: Run[][] = [
    [
      ["", `${mark} `],
      ["b", headline(alert)],
    ],
    [["", lead(alert)]],
    ...(alert.findings.length > 1
      ? alert.findings.map((f): Run[] => [["", `• ${findingLine(f)}`]])
      : []),
    [],
    ...base.map(([n, v]): Run[] => [
      ["b", `${n}: `],
      ["", v],
    ]),
    ...evidence.map(([n, v]): Run[] => [
      ["code", n],
      ["", `: ${v}`],
    ]),
    [],
    [["i", footer(alert)]],
  ];
  return render(lines, TELEGRAM_MAX_TEXT);
}

/** The `sendMessage` body of an alert. */
export function telegramMessage(alert: Alert, config: TelegramConfig): TelegramMessage {
  const floor = config.disableNotificationBelow;
  return {
    chat_id: config.chatId,
    text: telegramText(alert),
    parse_mode: "HTML",
    link_preview_options: { is_disabled: true },
    disable_notification: floor !== undefined && !atLeast(alert.severity, floor),
  };
}

/** `text` with the bot token (raw or URL-encoded) replaced: "bot<redacted>". */
function scrub(text: string, token: string): string {
  return text.replaceAll(token, "<redacted>").replaceAll(encodeURIComponent(token), "<redacted>");
}

/**
 * Sends the alert with the Bot API's `sendMessage`. A flood answer (429) is retried after its
 * `parameters.retry_after`; 400 (chat not found), 401/404 (bad token) and 403 (bot blocked or
 * kicked) are not. The token never appears in the outcome's error or excerpt.
 */
export async function sendTelegram(
  alert: Alert,
  config: TelegramConfig,
  ctx: ChannelContext,
): Promise<SendOutcome> {
  const url = `${config.apiBase.replace(/\/+$/, "")}/bot${config.botToken}/sendMessage`;
  const out = await postJson(ctx, url, telegramMessage(alert, config));
  const excerpt = scrub(out.excerpt, config.botToken);
  if (out.ok) return { ...out, excerpt };
  const answer = excerptJson(out.excerpt);
  const description = typeof answer?.description === "string" ? `: ${answer.description}` : "";
  const failure = {
    ...out,
    excerpt,
    error: scrub(`${out.error}${description}`, config.botToken),
  };
  const retryAfterMs = retryAfterField(out.excerpt);
  if (retryAfterMs !== null) return { ...failure, retry: true, retryAfterMs };
  const status = out.status ?? 0;
  if (status >= 400 && status < 500 && status !== 429 && status !== 408) {
    return { ...failure, retry: false };
  }
  return failure;
}
