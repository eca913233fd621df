import { z } from "zod";
import type { Alert, SendOutcome } from "../types.ts";
import type { ChannelContext } from "./channel-context.ts";
import { postJson } from "./post.ts";
import {
  facts,
  findingLine,
  footer,
  headline,
  lead,
  RESOLVED_EMOJI,
  SEVERITY_EMOJI,
  truncate,
  utc,
} from "./render.ts";

/** A Slack channel: its incoming webhook URL (https://hooks.slack.com/services/…). */
export const slackConfig = z.object({ url: z.url({ protocol: /^https?$/ }) });
export type SlackConfig = z.output<typeof slackConfig>;

/** Block Kit limits. */
export const SLACK_LIMITS = { header: 150, section: 3000, fields: 10, field: 2000 } as const;

/**
 * Slack's error codes that mean the webhook itself is gone (removed, disabled, archived channel
 * or workspace): the channel is disabled rather than retried.
 */
const GONE_CODES = new Set([
  "no_service",
  "no_team",
  "team_disabled",
  "channel_not_found",
  "channel_is_archived",
  "invalid_token",
]);

interface MrkdwnText {
  type: "mrkdwn";
  text: string;
}

/** The JSON body of a Slack incoming-webhook message. */
export interface SlackMessage {
  /** Fallback for notifications and clients without blocks. */
  text: string;
  blocks: [
    { type: "header"; text: { type: "plain_text"; text: string; emoji: true } },
    { type: "section"; text: MrkdwnText; fields?: MrkdwnText[] },
    { type: "context"; elements: [MrkdwnText] },
  ];
}

/** Escapes the three characters Slack's text formatting reserves: `&`, `<`, `>`. */
export function escapeSlack(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

function mrkdwn(text: string, max: number): MrkdwnText {
  return { type: "mrkdwn", text: truncate(text, max, true) };
}

/**
 * The Block Kit message of an alert: a header, a section with the lead, the grouped findings or
 * the evidence and up to 10 fields, and a context line with the alert id.
 */
export function slackMessage(alert: Alert): SlackMessage {
  const { base, evidence } = facts(alert);
  const all = [...base, ...evidence];
  const inFields = all.slice(0, SLACK_LIMITS.fields);
  const rest = all.slice(SLACK_LIMITS.fields);
  const mark = alert.type === "finding.resolved" ? RESOLVED_EMOJI : SEVERITY_EMOJI[alert.severity];
  const title = headline(alert);
  const lines = [
    escapeSlack(lead(alert)),
    ...(alert.findings.length > 1
      ? alert.findings.map((f) => `• ${escapeSlack(findingLine(f))}`)
      : []),
    ...rest.map(([n, v]) => `*${escapeSlack(n)}*: ${escapeSlack(v)}`),
  ];
  const section: SlackMessage["blocks"][1] = {
    type: "section",
    text: mrkdwn(lines.join("\n"), SLACK_LIMITS.section),
  };
  if (inFields.length > 0) {
    section.fields = inFields.map(([n, v]) =>
      mrkdwn(`*${escapeSlack(n)}*\n${escapeSlack(v)}`, SLACK_LIMITS.field),
    );
  }
  return {
    text: truncate(escapeSlack(`${mark} ${title}`), SLACK_LIMITS.section, true),
    blocks: [
      {
        type: "header",
        text: {
          type: "plain_text",
          text: truncate(`${mark} ${title}`, SLACK_LIMITS.header),
          emoji: true,
        },
      },
      section,
      {
        type: "context",
        elements: [mrkdwn(escapeSlack(`${footer(alert)} · ${utc(alert.createdAt)}`), 2000)],
      },
    ],
  };
}

/**
 * Posts to the Slack incoming webhook. Slack answers 200 "ok", or a status with a plain-text
 * code: 429 is retried (after Retry-After); 404 `no_service` and the other codes meaning the
 * webhook is gone ({@link GONE_CODES}) disable the channel; any other 4xx (`invalid_payload`,
 * `action_prohibited`) is not retried, since the same message would fail again.
 */
export async function sendSlack(
  alert: Alert,
  config: SlackConfig,
  ctx: ChannelContext,
): Promise<SendOutcome> {
  const out = await postJson(ctx, config.url, slackMessage(alert));
  if (out.ok || out.status === null) return out;
  const code = out.excerpt.trim().slice(0, 100);
  const error = code ? `${out.error}: ${code}` : out.error;
  if (GONE_CODES.has(code) || out.status === 410) {
    return { ...out, error, retry: false, gone: true };
  }
  if (out.status >= 400 && out.status < 500 && out.status !== 429 && out.status !== 408) {
    return { ...out, error, retry: false };
  }
  return { ...out, error };
}
