import { gzipSync } from "node:zlib";
import type { StreamKind } from "../streams/subjects.ts";
import type { AgentTransport, HeldMessage, SendResult } from "./transport.ts";

/** The ingest route of each stream the agent sends to. */
const ROUTES: Partial<Record<StreamKind, string>> = {
  "state.k8s.resource": "/rca/ingest/state",
  "events.normalized": "/rca/ingest/k8s-events",
};

/** A refusal worth sending again later (throttled, overloaded, unreachable), with the wait asked. */
export class RetryLater extends Error {
  readonly retryAfterMs: number | null;
  constructor(message: string, retryAfterMs: number | null) {
    super(message);
    this.name = "RetryLater";
    this.retryAfterMs = retryAfterMs;
  }
}

/**
 * The agent's way to the platform over HTTPS, for a platform without NATS or a network that only
 * lets HTTPS out: each stream's messages to its ingest route (`POST /rca/ingest/state`,
 * `/rca/ingest/k8s-events`) with the tenant's `ingest:write` key, gzip-compressed, one request per
 * stream per batch, each with a timeout. A 202 is taken (what the platform refused as malformed
 * is counted, not retried); a 400 or another 4xx for the whole body is counted as refused and
 * dropped (sending it again would not help); 429, 5xx, a timeout or a network failure throw (`RetryLater` with the
 * server's `Retry-After`), so the batch is sent again after backoff. 401/403 throw too: a
 * replaced key fixes them without losing what was held.
 */
export class HttpTransport implements AgentTransport {
  readonly target: string;
  readonly #key: string;
  readonly #timeoutMs: number;
  #connected = false;

  constructor(opts: { endpoint: string; key: string; timeoutMs?: number }) {
    this.target = opts.endpoint.replace(/\/$/, "");
    this.#key = opts.key;
    this.#timeoutMs = opts.timeoutMs ?? 10_000;
  }

  async send(batch: readonly HeldMessage[]): Promise<SendResult> {
    const byRoute = new Map<string, unknown[]>();
    let refused = 0;
    for (const m of batch) {
      const route = ROUTES[m.kind];
      if (!route) {
        refused += 1;
        continue;
      }
      const list = byRoute.get(route) ?? [];
      list.push(m.raw ?? m.message.body);
      byRoute.set(route, list);
    }
    let published = 0;
    let duplicates = 0;
    for (const [route, items] of byRoute) {
      const r = await this.#post(route, items);
      published += r.accepted;
      duplicates += r.duplicates;
      refused += r.refused;
    }
    return { published, duplicates, refused };
  }

  /**
   * POSTs `body` as JSON with the key, gzip-compressed unless `gzip` is false (the ingest routes
   * read gzip; a small report need not be); throws on what should be retried.
   */
  async post(route: string, body: unknown, gzip = true): Promise<Response> {
    let res: Response;
    const json = JSON.stringify(body);
    try {
      res = await fetch(`${this.target}${route}`, {
        method: "POST",
        headers: {
          authorization: `Bearer ${this.#key}`,
          "content-type": "application/json",
          ...(gzip ? { "content-encoding": "gzip" } : {}),
        },
        body: gzip ? gzipSync(json) : json,
        signal: AbortSignal.timeout(this.#timeoutMs),
      });
    } catch (err) {
      this.#connected = false;
      throw new RetryLater(`${route}: ${(err as Error).message}`, null);
    }
    this.#connected = true;
    if (res.status === 429 || res.status >= 500 || res.status === 401 || res.status === 403) {
      const retry = Number(res.headers.get("retry-after"));
      const message = await res
        .json()
        .then((b: { error?: { message?: string } }) => b.error?.message ?? "")
        .catch(() => "");
      throw new RetryLater(
        `${route}: ${res.status} ${message}`.trim(),
        Number.isFinite(retry) && retry > 0 ? retry * 1_000 : null,
      );
    }
    return res;
  }

  connected(): boolean {
    return this.#connected;
  }

  async close(): Promise<void> {}

  async #post(
    route: string,
    items: unknown[],
  ): Promise<{ accepted: number; duplicates: number; refused: number }> {
    const res = await this.post(route, items);
    if (!res.ok) {
      // Nothing in the body was usable (400), or it cannot be taken as it is: counted, dropped.
      await res.body?.cancel();
      return { accepted: 0, duplicates: 0, refused: items.length };
    }
    const body = (await res.json()) as {
      accepted: number;
      duplicates: number;
      refusedCount: number;
    };
    return { accepted: body.accepted, duplicates: body.duplicates, refused: body.refusedCount };
  }
}
