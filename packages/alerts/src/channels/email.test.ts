import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type ParsedMail, simpleParser } from "mailparser";
import { SMTPServer, type SMTPServerOptions, type SMTPServerSession } from "smtp-server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Alert } from "../types.ts";
import { type EmailConfig, emailConfig, emailMessage, Mailer, sendEmail } from "./email.ts";
import {
  alertOf,
  disabledAlert,
  ETH_BACKSTOP,
  EULER,
  exploitAlert,
  finding,
  HLP_LOSS,
  JELLY_DEVIATION,
  summaryAlert,
} from "./fixtures/alerts.ts";
import { testContext } from "./fixtures/fake-service.ts";

const USER = "kamiyo";
const PASS = "s3cret-Pass!";

interface Delivered {
  mail: ParsedMail;
  session: SMTPServerSession;
}

interface Smtp {
  port: number;
  delivered: Delivered[];
  connections: number;
  close: () => Promise<void>;
}

type SmtpError = Error & { responseCode: number };

function smtpError(responseCode: number, message: string): SmtpError {
  return Object.assign(new Error(message), { responseCode });
}

/** A real SMTP server on 127.0.0.1; every message it accepts is parsed. */
async function startSmtp(options: SMTPServerOptions): Promise<Smtp> {
  const smtp: Smtp = { port: 0, delivered: [], connections: 0, close: async () => {} };
  const server = new SMTPServer({
    authMethods: ["PLAIN", "LOGIN"],
    onAuth(auth, _session, cb) {
      if (auth.username === USER && auth.password === PASS) cb(null, { user: USER });
      else cb(smtpError(535, "5.7.8 Authentication credentials invalid"));
    },
    onConnect(_session, cb) {
      smtp.connections++;
      cb();
    },
    onData(stream, session, cb) {
      simpleParser(stream).then((mail) => {
        smtp.delivered.push({ mail, session: { ...session } });
        cb(null, "OK: queued as 4Fq2");
      }, cb);
    },
    logger: false,
    ...options,
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  smtp.port = (server.server.address() as { port: number }).port;
  smtp.close = () => new Promise((resolve) => server.close(() => resolve()));
  return smtp;
}

describe("emailMessage", () => {
  it("renders subject, text and HTML of a finding", () => {
    const alert = alertOf("finding.opened", [JELLY_DEVIATION]);
    const m = emailMessage(alert);
    expect(m.subject).toBe("[Kamiyo] CRITICAL: JELLY mark is 52.31% above Binance for 94 s");
    expect(m.text.split("\n").slice(0, 6)).toEqual([
      "CRITICAL: JELLY mark is 52.31% above Binance for 94 s",
      "",
      "New critical finding.",
      "",
      "Subject: asset JELLY",
      "Detector: oracle / deviation",
    ]);
    expect(m.text).toContain("markPx: 0.04482\n");
    expect(m.text).toContain(`-- Kamiyo · ${alert.id} · 2025-03-26 14:48:45 UTC`);
    expect(m.html).toContain("border-left:6px solid #E74C3C");
    expect(m.html).toContain(
      '<th style="padding:3px 16px 3px 0;vertical-align:top;text-align:left">pair</th>',
    );
  });

  it("escapes every interpolated value in HTML and keeps the subject on one short line", () => {
    const title = `<script>alert("x")</script> & 'JELLY'\r\nBcc: victim@example.com ${"x".repeat(300)}`;
    const f = finding({ id: "fnd_x", title, evidence: { "<k>": "<img src=x onerror=alert(1)>" } });
    const m = emailMessage(alertOf("finding.opened", [f]), "[Ops <prod>]");
    expect(m.html).not.toMatch(/<script|<img|<k>/);
    expect(m.html).toContain(
      "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;JELLY&#39;",
    );
    expect(m.html).toContain("&lt;img src=x onerror=alert(1)&gt;");
    expect(m.subject).not.toMatch(/[\r\n]/);
    expect(m.subject.length).toBeLessThanOrEqual(150);
    expect(m.subject).toMatch(
      /^\[Ops <prod>\] CRITICAL: <script>alert\("x"\)<\/script> & 'JELLY' Bcc: .*…$/,
    );
  });

  it("reads grouped, resolved, summary and disabled alerts", () => {
    const grouped = emailMessage(alertOf("finding.opened", [ETH_BACKSTOP, HLP_LOSS]));
    expect(grouped.text).toContain(
      "\n- CRITICAL · Hyperliquidity Provider (HLP) lost $4.0M in 24 h\n",
    );
    expect(grouped.html).toContain(
      "<li>CRITICAL · HLP liquidator absorbed $306.8M of ETH long positions (1 backstop liquidation)</li>",
    );
    const resolved = emailMessage(
      alertOf("finding.resolved", [{ ...HLP_LOSS, status: "resolved" }]),
    );
    expect(resolved.subject).toBe(
      "[Kamiyo] Resolved: Hyperliquidity Provider (HLP) lost $4.0M in 24 h",
    );
    expect(resolved.html).toContain("#2ECC71");
    expect(emailMessage(summaryAlert()).text).toContain(
      "Held back: 17 (2 critical, 11 high, 4 medium)",
    );
    const disabled = emailMessage(disabledAlert());
    expect(disabled.text).toContain("Reason: no successful delivery for 24 h (last: HTTP 503)");
    expect(disabled.html + disabled.text).not.toContain("secret-token");
  });

  it("renders an exploit incident in text and escaped HTML", () => {
    const alert = exploitAlert();
    const m = emailMessage(alert);
    expect(m.subject).toBe(
      "[Kamiyo] CRITICAL: Euler Finance: $197M lost on Ethereum (Protocol Logic)",
    );
    expect(m.text).toContain(
      [
        "New critical exploit incident, reported by 3 sources.",
        "",
        "Protocol: Euler Finance (also Euler)",
        "Date: 2023-03-13",
        "Chains: Ethereum",
        "Loss: $197M",
        "Returned: $177M",
        "Classification: Protocol Logic / Donation attack",
        "Sources: 3 (defihacklabs-explorer, rekt, slowmist)",
        "Transaction: 0xc310a0af…2d6b111d (+1 more)",
        "Incident: exp_20230313_eulerfinance",
      ].join("\n"),
    );
    expect(m.html).toContain("border-left:6px solid #E74C3C");
    expect(m.html).toContain(
      '<th style="padding:3px 16px 3px 0;vertical-align:top;text-align:left">Loss</th><td style="padding:3px 16px 3px 0;vertical-align:top;text-align:left">$197M</td>',
    );
    const evil = emailMessage(
      exploitAlert(
        { ...EULER, protocol: `<script>x</script>\r\nBcc: a@b.c ${"y".repeat(300)}` },
        "exploit.updated",
      ),
    );
    expect(evil.html).not.toContain("<script");
    expect(evil.html).toContain("&lt;script&gt;x&lt;/script&gt; Bcc: a@b.c");
    expect(evil.subject).not.toMatch(/[\r\n]/);
    expect(evil.subject.length).toBeLessThanOrEqual(150);
    expect(evil.subject).toMatch(/^\[Kamiyo\] CRITICAL: Updated: <script>x<\/script> Bcc: /);
  });

  it("validates its config", () => {
    const c = emailConfig.parse({
      host: "smtp.example.com",
      from: "Kamiyo <alerts@example.com>",
      to: ["ops@example.com"],
    });
    expect(c).toMatchObject({
      port: 587,
      requireTls: true,
      tlsRejectUnauthorized: true,
      subjectPrefix: "[Kamiyo]",
    });
    expect(emailConfig.safeParse({ ...c, to: [] }).success).toBe(false);
    expect(emailConfig.safeParse({ ...c, to: ["not an address"] }).success).toBe(false);
    expect(
      emailConfig.safeParse({ ...c, from: "a@example.com\r\nBcc: x@example.com" }).success,
    ).toBe(false);
    expect(emailConfig.safeParse({ ...c, subjectPrefix: "[K]\nBcc: x" }).success).toBe(false);
  });
});

describe("sendEmail (real SMTP)", () => {
  let dir: string;
  let tls: { key: Buffer; cert: Buffer };
  let starttls: Smtp;
  const mailer = new Mailer();
  const ctx = testContext({ mailer, timeoutMs: 3_000, deliveryId: "dlv_test0042" });
  const alertWithScript: Alert = alertOf("finding.opened", [
    finding({ id: "fnd_s", title: "JELLY <script>alert(1)</script> & more" }),
  ]);

  function config(port: number, over: Partial<EmailConfig> = {}): EmailConfig {
    return emailConfig.parse({
      host: "127.0.0.1",
      port,
      user: USER,
      pass: PASS,
      from: "Kamiyo Alerts <alerts@kamiyo.example>",
      to: ["ops@example.com", "oncall@example.com"],
      tlsRejectUnauthorized: false,
      ...over,
    });
  }

  beforeAll(async () => {
    // A throwaway self-signed certificate for this run only.
    dir = mkdtempSync(join(tmpdir(), "kamiyo-smtp-"));
    execFileSync(
      "openssl",
      [
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        join(dir, "key.pem"),
        "-out",
        join(dir, "cert.pem"),
        "-subj",
        "/CN=localhost",
        "-days",
        "1",
      ],
      { stdio: "ignore" },
    );
    tls = { key: readFileSync(join(dir, "key.pem")), cert: readFileSync(join(dir, "cert.pem")) };
    starttls = await startSmtp({ ...tls });
  });

  afterAll(async () => {
    mailer.close();
    await starttls.close();
    await ctx.http.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("delivers over STARTTLS with AUTH, and the message parses back", async () => {
    const out = await sendEmail(alertWithScript, config(starttls.port), ctx);
    expect(out).toMatchObject({ ok: true, status: null });
    expect(out.excerpt).toMatch(/^250 OK: queued as 4Fq2/);
    const got = starttls.delivered.at(-1);
    expect(got?.session.secure).toBe(true);
    expect(got?.session.user).toBe(USER);
    const mail = got?.mail;
    const expected = emailMessage(alertWithScript);
    expect(mail?.subject).toBe(expected.subject);
    expect(mail?.text).toBe(expected.text);
    expect(mail?.html).toBe(expected.html);
    expect(mail?.html).toContain("JELLY &lt;script&gt;alert(1)&lt;/script&gt; &amp; more");
    expect(mail?.html).not.toContain("<script>");
    expect(mail?.from?.value).toEqual([
      { name: "Kamiyo Alerts", address: "alerts@kamiyo.example" },
    ]);
    const to = Array.isArray(mail?.to) ? mail.to : [mail?.to];
    expect(to.flatMap((a) => a?.value.map((v) => v.address))).toEqual([
      "ops@example.com",
      "oncall@example.com",
    ]);
    expect(mail?.messageId).toBe("<dlv_test0042@kamiyo.example>");
    expect(mail?.headers.get("x-kamiyo-alert-id")).toBe(alertWithScript.id);
  });

  it("reuses one pooled connection for the same settings", async () => {
    const before = starttls.connections;
    for (let i = 0; i < 3; i++) {
      expect(await sendEmail(alertWithScript, config(starttls.port), ctx)).toMatchObject({
        ok: true,
      });
    }
    expect(starttls.connections - before).toBeLessThanOrEqual(1);
  });

  it("does not retry a wrong password (535), and never shows it", async () => {
    const pass = "wrong-Pa55word";
    const out = await sendEmail(alertWithScript, config(starttls.port, { pass }), ctx);
    expect(out).toMatchObject({ ok: false, retry: false, gone: false, status: null });
    expect(out.ok || out.error).toMatch(/^EAUTH: Invalid login: 535 /);
    expect(JSON.stringify(out)).not.toContain(pass);
    expect(JSON.stringify(out)).not.toContain(Buffer.from(pass).toString("base64"));
  });

  it("refuses the self-signed certificate when verifying, without retry", async () => {
    const out = await sendEmail(
      alertWithScript,
      config(starttls.port, { tlsRejectUnauthorized: true }),
      ctx,
    );
    expect(out).toMatchObject({ ok: false, retry: false });
    expect(out.ok || out.error).toMatch(/self-signed certificate/);
  });

  it("with requireTls, fails against a server without STARTTLS; without, sends in clear", async () => {
    const plain = await startSmtp({ disabledCommands: ["STARTTLS"], authOptional: true });
    try {
      const noAuth = { user: undefined, pass: undefined };
      const out = await sendEmail(alertWithScript, config(plain.port, noAuth), ctx);
      expect(out).toMatchObject({ ok: false, retry: false });
      expect(out.ok || out.error).toMatch(/^ETLS: /);
      expect(plain.delivered).toHaveLength(0);
      const clear = await sendEmail(
        alertWithScript,
        config(plain.port, { ...noAuth, requireTls: false }),
        ctx,
      );
      expect(clear).toMatchObject({ ok: true });
      expect(plain.delivered.at(-1)?.session.secure).toBe(false);
    } finally {
      mailer.close();
      await plain.close();
    }
  });

  it("with requireTls, still upgrades a server that hides STARTTLS (hideSTARTTLS)", async () => {
    const hidden = await startSmtp({ ...tls, hideSTARTTLS: true });
    try {
      const out = await sendEmail(alertWithScript, config(hidden.port), ctx);
      expect(out).toMatchObject({ ok: true });
      expect(hidden.delivered.at(-1)?.session.secure).toBe(true);
    } finally {
      mailer.close();
      await hidden.close();
    }
  });

  it("retries 451 (at RCPT or DATA) and not 550", async () => {
    const answers: Record<string, SmtpError | null> = { rcpt: null, data: null };
    const picky = await startSmtp({
      ...tls,
      onRcptTo(_address, _session, cb) {
        cb(answers.rcpt);
      },
      onData(stream, _session, cb) {
        stream.resume();
        stream.on("end", () => cb(answers.data));
      },
    });
    try {
      const send = () => sendEmail(alertWithScript, config(picky.port), ctx);
      answers.rcpt = smtpError(451, "4.3.0 Temporary local problem, try later");
      const rcpt451 = await send();
      expect(rcpt451).toMatchObject({ ok: false, retry: true, status: null });
      expect(rcpt451.excerpt).toMatch(/^451 4\.3\.0 Temporary local problem/);
      answers.rcpt = smtpError(550, "5.1.1 Mailbox unavailable");
      const rcpt550 = await send();
      expect(rcpt550).toMatchObject({ ok: false, retry: false });
      expect(rcpt550.excerpt).toMatch(/^550 5\.1\.1 Mailbox unavailable/);
      answers.rcpt = null;
      answers.data = smtpError(451, "4.7.1 Greylisted, try again in 5 minutes");
      expect(await send()).toMatchObject({ ok: false, retry: true });
      answers.data = smtpError(554, "5.7.1 Message rejected as spam");
      expect(await send()).toMatchObject({ ok: false, retry: false });
    } finally {
      mailer.close();
      await picky.close();
    }
  });

  it("retries an unreachable port and a server that never greets", async () => {
    const sockets: Socket[] = [];
    const silent = createServer((socket) => void sockets.push(socket));
    await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
    const silentPort = (silent.address() as { port: number }).port;
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const closedPort = (closed.address() as { port: number }).port;
    await new Promise((resolve) => closed.close(resolve));
    try {
      const refused = await sendEmail(alertWithScript, config(closedPort), ctx);
      expect(refused).toMatchObject({ ok: false, retry: true, status: null });
      expect(refused.ok || refused.error).toMatch(/ECONNREFUSED/);
      const quick = { ...ctx, timeoutMs: 300 };
      const mute = await sendEmail(alertWithScript, config(silentPort), quick);
      expect(mute).toMatchObject({ ok: false, retry: true });
      expect(mute.ok || mute.error).toMatch(/^ETIMEDOUT: /);
    } finally {
      mailer.close();
      for (const socket of sockets) socket.destroy();
      silent.close();
    }
  });

  it("applies the SSRF policy to the SMTP host", async () => {
    const guarded = await sendEmail(alertWithScript, config(starttls.port), {
      ...ctx,
      policy: "guarded",
    });
    expect(guarded).toMatchObject({ ok: false, retry: false });
    expect(guarded.ok || guarded.error).toBe("refused 127.0.0.1: 127.0.0.1 is a loopback address");
    const named = await sendEmail(alertWithScript, config(starttls.port, { host: "localhost" }), {
      ...ctx,
      policy: "guarded",
    });
    expect(named).toMatchObject({ ok: false, retry: false });
    const loopbackOk = await sendEmail(
      alertWithScript,
      config(starttls.port, { host: "localhost" }),
      {
        ...ctx,
        policy: "guarded-allow-loopback",
      },
    );
    expect(loopbackOk).toMatchObject({ ok: true });
  });
});
