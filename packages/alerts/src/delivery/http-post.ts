import { isIP } from "node:net";
import { parseRetryAfter } from "@kamiyo/core";
import { Agent, type Dispatcher, request } from "undici";
import { failure } from "../outcome.ts";
import type { SendOutcome } from "../types.ts";
import {
  blockedReason,
  guardedLookup,
  isLoopback,
  isSsrfError,
  type Resolver,
  unbracket,
} from "./ssrf.ts";

/**
 * Which addresses a request may reach: `guarded` only public unicast ones (tenant webhooks),
 * `guarded-allow-loopback` loopback as well (local development, tests), `trusted` anything
 * (fixed third-party APIs such as Slack's or Telegram's).
 */
export type PostPolicy = "guarded" | "guarded-allow-loopback" | "trusted";

/** Options of {@link HttpPoster}. */
export interface HttpPosterOptions {
  /** Default timeout of a request, headers and body, ms. Default 15 s. */
  timeoutMs?: number;
  userAgent?: string;
  /** Name resolution for guarded policies. Default: the system resolver (tests inject one). */
  resolve?: Resolver;
  /** Connections per origin. Default 32. */
  connections?: number;
}

/** One POST of {@link HttpPoster.post}. */
export interface PostRequest {
  url: string;
  headers: Record<string, string>;
  body: string;
  policy: PostPolicy;
  /** Default: the poster's timeout. */
  timeoutMs?: number;
}

/** Bytes of a response body kept for the delivery log. */
export const EXCERPT_BYTES = 1024;
/** Bytes of a response body read (and dropped) to keep the connection; more closes it. */
const DRAIN_BYTES = 64 * 1024;
const DEFAULT_USER_AGENT = "kamiyo-webhooks/0.1.0 (+https://github.com/kamiyo-ai)";

/**
 * Sends webhook POSTs over keep-alive connections (one undici Agent per policy), never following
 * redirects, with the SSRF guard checking IP literals before connecting and every resolved address
 * when connecting. Never throws: every result, failure included, is a {@link SendOutcome}.
 */
export class HttpPoster {
  readonly #agents = new Map<PostPolicy, Agent>();
  readonly #timeoutMs: number;
  readonly #userAgent: string;
  readonly #resolve: Resolver | undefined;
  readonly #connections: number;

  constructor(opts: HttpPosterOptions = {}) {
    this.#timeoutMs = opts.timeoutMs ?? 15_000;
    this.#userAgent = opts.userAgent ?? DEFAULT_USER_AGENT;
    this.#resolve = opts.resolve;
    this.#connections = opts.connections ?? 32;
  }

  #agent(policy: PostPolicy): Agent {
    let agent = this.#agents.get(policy);
    if (!agent) {
      const lookup =
        policy === "trusted"
          ? undefined
          : guardedLookup({
              allowLoopback: policy === "guarded-allow-loopback",
              ...(this.#resolve ? { resolve: this.#resolve } : {}),
            });
      agent = new Agent({
        connections: this.#connections,
        keepAliveTimeout: 30_000,
        connect: lookup ? { lookup, timeout: this.#timeoutMs } : { timeout: this.#timeoutMs },
      });
      this.#agents.set(policy, agent);
    }
    return agent;
  }

  /** POSTs `req.body` once and describes the result. */
  async post(req: PostRequest): Promise<SendOutcome> {
    const timeoutMs = req.timeoutMs ?? this.#timeoutMs;
    const start = performance.now();
    const elapsed = () => Math.round(performance.now() - start);
    const fail = (
      error: string,
      retry: boolean,
      status: number | null = null,
      excerpt = "",
    ): SendOutcome => failure(error, { retry, status, excerpt, latencyMs: elapsed() });

    const url = URL.parse(req.url);
    if (!url || (url.protocol !== "https:" && url.protocol !== "http:")) {
      return fail(`not an http(s) URL: ${req.url}`, false);
    }
    const host = unbracket(url.hostname);
    if (req.policy !== "trusted" && isIP(host) !== 0) {
      const loopbackOk = req.policy === "guarded-allow-loopback" && isLoopback(host);
      const reason = loopbackOk ? null : blockedReason(host);
      if (reason) return fail(`refused: ${reason}`, false);
    }

    const signal = AbortSignal.timeout(timeoutMs);
    let status: number | null = null;
    try {
      const res = await request(url, {
        dispatcher: this.#agent(req.policy),
        method: "POST",
        headers: { "user-agent": this.#userAgent, ...req.headers },
        body: req.body,
        signal,
        headersTimeout: timeoutMs,
        bodyTimeout: timeoutMs,
      });
      status = res.statusCode;
      const excerpt = await readExcerpt(res.body);
      return outcome(status, res.headers, excerpt, elapsed());
    } catch (err) {
      if (isSsrfError(err)) return fail((err as Error).message, false);
      // A request undici will never send (a header value with a line break, say).
      if ((err as { code?: unknown } | null)?.code === "UND_ERR_INVALID_ARG") {
        return fail(describeError(err), false);
      }
      if (signal.aborted || isTimeout(err)) {
        return fail(`no response within ${timeoutMs} ms`, true, status);
      }
      return fail(describeError(err), true, status);
    }
  }

  /** Closes every connection. */
  async close(): Promise<void> {
    const agents = [...this.#agents.values()];
    this.#agents.clear();
    await Promise.all(agents.map((a) => a.close()));
  }
}

function outcome(
  status: number,
  headers: Dispatcher.ResponseData["headers"],
  excerpt: string,
  latencyMs: number,
): SendOutcome {
  if (status >= 200 && status < 300) return { ok: true, status, latencyMs, excerpt };
  const failure = {
    ok: false as const,
    retry: true,
    gone: false,
    status,
    latencyMs,
    excerpt,
    retryAfterMs: null,
  };
  if (status === 410) return { ...failure, retry: false, gone: true, error: "HTTP 410 Gone" };
  if (status >= 300 && status < 400) {
    const location = header(headers, "location");
    return { ...failure, error: `HTTP ${status}: redirect to ${location ?? "?"} not followed` };
  }
  const retryAfterMs =
    status === 429 || status >= 500
      ? parseRetryAfter(header(headers, "retry-after"), Date.now())
      : null;
  return { ...failure, error: `HTTP ${status}`, retryAfterMs };
}

function header(headers: Dispatcher.ResponseData["headers"], name: string): string | null {
  const v = headers[name];
  return (Array.isArray(v) ? v[0] : v) ?? null;
}

/**
 * The first {@link EXCERPT_BYTES} of a body as text. The rest is read and dropped so the
 * connection can be reused, up to {@link DRAIN_BYTES}; beyond that the connection is closed.
 * @throws the stream's error (a timeout or a reset) when the body does not complete.
 */
function readExcerpt(body: Dispatcher.ResponseData["body"]): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let kept = 0;
    let read = 0;
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      const text = Buffer.concat(chunks).subarray(0, EXCERPT_BYTES);
      resolve(new TextDecoder().decode(text));
    };
    body.on("data", (chunk: Buffer) => {
      read += chunk.length;
      if (kept < EXCERPT_BYTES) {
        chunks.push(chunk);
        kept += chunk.length;
      }
      if (read > DRAIN_BYTES) {
        finish();
        body.destroy();
      }
    });
    body.on("end", finish);
    body.on("error", (err) => {
      if (done) return;
      done = true;
      reject(err);
    });
  });
}

function isTimeout(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return (
    code === "UND_ERR_HEADERS_TIMEOUT" ||
    code === "UND_ERR_BODY_TIMEOUT" ||
    code === "UND_ERR_CONNECT_TIMEOUT" ||
    code === "ETIMEDOUT" ||
    (err instanceof Error && err.name === "TimeoutError")
  );
}

const CODE_TEXT: Record<string, string> = {
  ECONNREFUSED: "connection refused",
  ECONNRESET: "connection reset",
  ENOTFOUND: "host not found",
  EAI_AGAIN: "name resolution failed (temporary)",
  EHOSTUNREACH: "host unreachable",
  ENETUNREACH: "network unreachable",
  UND_ERR_SOCKET: "connection closed by the server",
};

function describeError(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const code = (err as NodeJS.ErrnoException).code;
  const text = code ? CODE_TEXT[code] : undefined;
  if (text) return `${text} (${code})`;
  return code ? `${err.message} (${code})` : err.message;
}
