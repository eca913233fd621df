import { createHash } from "node:crypto";
import { lookup } from "node:dns/promises";
import { isIP } from "node:net";
import type { Severity } from "@kamiyo/core";
import nodemailer, {
  type NodemailerError,
  type SendMailOptions,
  type SMTPPoolSentMessageInfo,
  type Transporter,
} from "nodemailer";
import { z } from "zod";
import type { PostPolicy } from "../delivery/http-post.ts";
import { blockedReason, isLoopback } from "../delivery/ssrf.ts";
import type { Alert, SendOutcome } from "../types.ts";
import type { ChannelContext } from "./channel-context.ts";
import { facts, findingLine, footer, headline, lead, oneLine, truncate, utc } from "./render.ts";

const address = z.email();

/** "alerts@example.com" or "Kamiyo Alerts <alerts@example.com>", on one line. */
function isMailbox(v: string): boolean {
  const m = /^[^<>\r\n]*<([^<>\s]+)>$/.exec(v.trim());
  return address.safeParse(m ? m[1] : v).success;
}

/** An SMTP server and the addresses an alert goes to. */
export const emailConfig = z.object({
  host: z.string().min(1).max(253),
  port: z.number().int().min(1).max(65_535).default(587),
  /** Implicit TLS (SMTPS). Unset: true on port 465 only. */
  secure: z.boolean().optional(),
  /** When not `secure`: refuse to send unless STARTTLS upgrades the connection. */
  requireTls: z.boolean().default(true),
  user: z.string().min(1).max(256).optional(),
  /** A secret: never in errors or logs. */
  pass: z.string().max(1024).optional(),
  from: z.string().max(320).refine(isMailbox, "not an email address"),
  to: z.array(address).min(1).max(50),
  tlsRejectUnauthorized: z.boolean().default(true),
  subjectPrefix: z
    .string()
    .max(40)
    .regex(/^[^\r\n]*$/)
    .default("[Kamiyo]"),
});
export type EmailConfig = z.output<typeof emailConfig>;

/** A rendered email. */
export interface EmailMessage {
  subject: string;
  text: string;
  html: string;
}

const MAX_SUBJECT = 150;
const COLOR: Record<Severity, string> = {
  critical: "#E74C3C",
  high: "#E67E22",
  medium: "#F1C40F",
  low: "#3498DB",
  info: "#95A5A6",
};

/** Escapes text for HTML content and attribute values. */
export function escapeHtml(s: string): string {
  return s
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&#39;");
}

/** The subject (one line, ≤ 150 characters), plain-text and HTML bodies of an alert. */
export function emailMessage(alert: Alert, subjectPrefix = "[Kamiyo]"): EmailMessage {
  const { base, evidence } = facts(alert);
  const rows = [...base, ...evidence];
  const grouped = alert.findings.length > 1 ? alert.findings.map(findingLine) : [];
  const title = headline(alert);
  const signature = `${footer(alert)} · ${utc(alert.createdAt)}`;
  const text = [
    title,
    "",
    lead(alert),
    ...(grouped.length > 0 ? ["", ...grouped.map((l) => `- ${l}`)] : []),
    ...(rows.length > 0 ? ["", ...rows.map(([n, v]) => `${n}: ${v}`)] : []),
    "",
    `-- ${signature}`,
    "",
  ].join("\n");
  const h = escapeHtml;
  const color = alert.type === "finding.resolved" ? "#2ECC71" : COLOR[alert.severity];
  const cell = "padding:3px 16px 3px 0;vertical-align:top;text-align:left";
  const html = [
    '<!doctype html><html><body style="margin:0;padding:16px;background:#f4f4f5;font-family:-apple-system,Segoe UI,Helvetica,Arial,sans-serif;color:#1f2328">',
    `<div style="max-width:640px;margin:0 auto;background:#fff;border-left:6px solid ${color};padding:16px 20px">`,
    `<h1 style="font-size:18px;margin:0 0 8px">${h(title)}</h1>`,
    `<p style="margin:0 0 12px">${h(lead(alert))}</p>`,
    grouped.length > 0 ? `<ul>${grouped.map((l) => `<li>${h(l)}</li>`).join("")}</ul>` : "",
    rows.length > 0
      ? `<table style="border-collapse:collapse;font-size:14px">${rows
          .map(
            ([n, v]) => `<tr><th style="${cell}">${h(n)}</th><td style="${cell}">${h(v)}</td></tr>`,
          )
          .join("")}</table>`
      : "",
    `<p style="margin:16px 0 0;color:#6e7781;font-size:12px">${h(signature)}</p>`,
    "</div></body></html>",
  ].join("");
  const subject = truncate(oneLine(`${oneLine(subjectPrefix)} ${title}`), MAX_SUBJECT);
  return { subject, text, html };
}

/** What an email channel sends: sender, recipients, subject and both bodies. */
export function emailBody(
  alert: Alert,
  config: EmailConfig,
): EmailMessage & { from: string; to: string[] } {
  return { from: config.from, to: config.to, ...emailMessage(alert, config.subjectPrefix) };
}

/** Where a transport connects: an address (or the configured name) and the TLS server name. */
export interface SmtpTarget {
  host: string;
  servername?: string;
}

/**
 * One pooled nodemailer transport per distinct SMTP connection setting (keyed by a hash of the
 * target, port, TLS options, credentials and timeout), the least recently used closed beyond
 * `maxTransports`. Every wait on the
 * server (connecting, the greeting, each reply) is bounded by the attempt's timeout.
 */
export class Mailer {
  readonly #transports = new Map<string, Transporter<SMTPPoolSentMessageInfo>>();
  readonly #maxTransports: number;

  constructor(opts: { maxTransports?: number } = {}) {
    this.#maxTransports = opts.maxTransports ?? 64;
  }

  #transport(config: EmailConfig, target: SmtpTarget, timeoutMs: number) {
    const secure = config.secure ?? config.port === 465;
    const key = createHash("sha256")
      .update(
        JSON.stringify([
          target,
          config.port,
          secure,
          config.requireTls,
          config.user,
          config.pass,
          config.tlsRejectUnauthorized,
          timeoutMs,
        ]),
      )
      .digest("hex");
    let t = this.#transports.get(key);
    if (t) {
      this.#transports.delete(key);
    } else {
      t = nodemailer.createTransport({
        pool: true,
        host: target.host,
        port: config.port,
        secure,
        requireTLS: !secure && config.requireTls,
        ...(config.user ? { auth: { user: config.user, pass: config.pass ?? "" } } : {}),
        tls: {
          rejectUnauthorized: config.tlsRejectUnauthorized,
          ...(target.servername ? { servername: target.servername } : {}),
        },
        connectionTimeout: timeoutMs,
        greetingTimeout: timeoutMs,
        socketTimeout: timeoutMs,
        dnsTimeout: timeoutMs,
        maxConnections: 2,
        idleTimeout: 60_000,
        disableFileAccess: true,
        disableUrlAccess: true,
      });
    }
    this.#transports.set(key, t);
    for (const [k, old] of this.#transports) {
      if (this.#transports.size <= this.#maxTransports) break;
      this.#transports.delete(k);
      old.close();
    }
    return t;
  }

  /**
   * Sends one message, abandoned after twice `timeoutMs` overall (a server trickling its replies
   * defeats the per-wait timeouts). @throws nodemailer's error.
   */
  send(
    config: EmailConfig,
    target: SmtpTarget,
    mail: SendMailOptions,
    timeoutMs: number,
  ): Promise<SMTPPoolSentMessageInfo> {
    return this.#transport(config, target, timeoutMs).sendMail({
      ...mail,
      signal: AbortSignal.timeout(2 * timeoutMs),
    });
  }

  /** Closes every transport (idle connections at once, busy ones after their message). */
  close(): void {
    for (const t of this.#transports.values()) t.close();
    this.#transports.clear();
  }
}

/**
 * The address to connect to under `policy` (the HTTP channels' SSRF policy applies to SMTP hosts
 * too): guarded policies resolve the name and refuse it when any address is not public, then
 * connect to the vetted address. @returns a refusal message, or the target.
 */
async function vet(host: string, policy: PostPolicy): Promise<SmtpTarget | string> {
  if (policy === "trusted") return { host };
  const literal = isIP(host) !== 0;
  const found = literal ? [{ address: host }] : await lookup(host, { all: true });
  for (const { address: a } of found) {
    if (policy === "guarded-allow-loopback" && isLoopback(a)) continue;
    const reason = blockedReason(a);
    if (reason) return `refused ${host}: ${reason}`;
  }
  const first = found[0];
  if (!first) return `no address found for ${host}`;
  return literal ? { host } : { host: first.address, servername: host };
}

/** Codes of failures that the same message and settings would meet again. */
const PERMANENT_CODES = new Set([
  "ECONFIG",
  "ENOAUTH",
  "EAUTH",
  "ETLS",
  "EENVELOPE",
  "EREQUIRETLS",
]);
/** Node's codes of a server certificate that does not verify (self-signed, expired, wrong name). */
const CERTIFICATE_CODE = /CERT|SELF_SIGNED|UNABLE_TO_(VERIFY|GET_ISSUER)|ALTNAME/;

/**
 * Retry for an SMTP reply per its class (4xx transient, 5xx permanent but 503, as nodemailer's
 * `permanent` says); without a reply, for connection failures and timeouts, not for bad settings
 * (missing credentials, STARTTLS refused, a certificate that does not verify, invalid addresses).
 */
function retryable(err: NodemailerError): boolean {
  if (typeof err.responseCode === "number") {
    return err.permanent === undefined ? err.responseCode < 500 : !err.permanent;
  }
  if (CERTIFICATE_CODE.test(err.originalCode ?? "")) return false;
  return !PERMANENT_CODES.has(err.code ?? "");
}

function scrubber(config: EmailConfig): (s: string) => string {
  const pass = config.pass;
  if (!pass) return (s) => s;
  const secrets = [
    pass,
    Buffer.from(pass).toString("base64"),
    Buffer.from(`\0${config.user ?? ""}\0${pass}`).toString("base64"),
  ];
  return (s) => secrets.reduce((text, secret) => text.replaceAll(secret, "<redacted>"), s);
}

/**
 * Sends the alert by SMTP. Success: `status` null and the server's final reply as the excerpt
 * ("250 OK: queued"). A 4xx reply, a connection failure or a timeout is retried; a 5xx reply
 * (550 mailbox unavailable, 535 bad credentials) or bad settings are not. The password never
 * appears in the outcome.
 */
export async function sendEmail(
  alert: Alert,
  config: EmailConfig,
  ctx: ChannelContext,
): Promise<SendOutcome> {
  const start = performance.now();
  const elapsed = () => Math.round(performance.now() - start);
  const scrub = scrubber(config);
  const fail = (error: string, retry: boolean, excerpt = ""): SendOutcome => ({
    ok: false,
    retry,
    gone: false,
    status: null,
    latencyMs: elapsed(),
    error: scrub(error),
    excerpt: scrub(excerpt).slice(0, 1024),
    retryAfterMs: null,
  });
  let target: SmtpTarget | string;
  try {
    target = await vet(config.host, ctx.policy);
  } catch (err) {
    return fail(`cannot resolve ${config.host}: ${(err as Error).message}`, true);
  }
  if (typeof target === "string") return fail(target, false);
  const domain = /@([^@>\s]+)>?\s*$/.exec(config.from)?.[1] ?? "kamiyo.invalid";
  try {
    const info = await ctx.mailer.send(
      config,
      target,
      {
        ...emailBody(alert, config),
        messageId: `<${ctx.deliveryId.replace(/[^A-Za-z0-9._-]/g, "_")}@${domain}>`,
        headers: { "X-Kamiyo-Alert-Id": alert.id, "X-Kamiyo-Delivery-Id": ctx.deliveryId },
      },
      ctx.timeoutMs,
    );
    const rejected = info.rejected.length > 0 ? ` (refused: ${info.rejected.join(", ")})` : "";
    return {
      ok: true,
      status: null,
      latencyMs: elapsed(),
      excerpt: scrub(`${info.response}${rejected}`).slice(0, 1024),
    };
  } catch (e) {
    const err = e as NodemailerError;
    const code = err.code ? `${err.code}: ` : "";
    return fail(`${code}${err.message}`, retryable(err), err.response ?? "");
  }
}
