import type { SendOutcome } from "../types.ts";
import type { ChannelContext } from "./channel-context.ts";

/** A failed outcome: what a channel returns when it gives up before or instead of sending. */
export type Failure = Extract<SendOutcome, { ok: false }>;

/** POSTs `body` as JSON through the context's {@link HttpPoster}, which never throws. */
export function postJson(ctx: ChannelContext, url: string, body: unknown): Promise<SendOutcome> {
  return ctx.http.post({
    url,
    headers: { "content-type": "application/json; charset=utf-8" },
    body: JSON.stringify(body),
    policy: ctx.policy,
    timeoutMs: ctx.timeoutMs,
  });
}

/** The excerpt as JSON, or undefined when it is not (or was cut at 1 KB). */
export function excerptJson(excerpt: string): Record<string, unknown> | undefined {
  try {
    const v: unknown = JSON.parse(excerpt);
    return typeof v === "object" && v !== null ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * `"retry_after": 1.5` in a JSON excerpt (Discord's and Telegram's rate-limit answers), as ms;
 * found by pattern so that a body cut at 1 KB still yields it.
 */
export function retryAfterField(excerpt: string): number | null {
  const m = /"retry_after"\s*:\s*(\d+(?:\.\d+)?)/.exec(excerpt);
  return m ? Math.ceil(Number(m[1]) * 1000) : null;
}
