import { AsyncLocalStorage } from "node:async_hooks";
import type { PlatformUsage } from "../platform.ts";

/** A header's JSON, or undefined when absent or malformed. */
function json(value: unknown): unknown {
  if (typeof value !== "string" || value === "") return undefined;
  try {
    return JSON.parse(value);
  } catch {
    return undefined;
  }
}

const pct = (v: unknown): number => {
  const n = Number(v);
  return Number.isFinite(n) && n > 0 ? n : 0;
};

/**
 * How much of its rate limits an answer says the calls used, from Meta's usage headers (lower
 * case, as Node gives them):
 * - `x-business-use-case-usage`: `{"<business id>": [{"type": "ads_management", "call_count",
 *   "total_cputime", "total_time", "estimated_time_to_regain_access" (minutes)}]}`;
 * - `x-ad-account-usage`: `{"acc_id_util_pct", "reset_time_duration" (seconds)}`;
 * - `x-app-usage`: `{"call_count", "total_cputime", "total_time"}`.
 * The percent is the highest of them; the reset the window of the ad account's, or the wait the
 * business use case announces. Null without any of them.
 */
export function metaUsageOf(headers: Record<string, unknown>): PlatformUsage | null {
  let percent = -1;
  let resetMs: number | null = null;
  const buc = json(headers["x-business-use-case-usage"]);
  if (buc && typeof buc === "object")
    for (const entries of Object.values(buc))
      if (Array.isArray(entries))
        for (const e of entries as Record<string, unknown>[]) {
          percent = Math.max(percent, pct(e.call_count), pct(e.total_cputime), pct(e.total_time));
          const minutes = pct(e.estimated_time_to_regain_access);
          if (minutes > 0) resetMs = Math.max(resetMs ?? 0, minutes * 60_000);
        }
  const account = json(headers["x-ad-account-usage"]) as Record<string, unknown> | undefined;
  if (account && typeof account === "object") {
    percent = Math.max(percent, pct(account.acc_id_util_pct));
    const seconds = pct(account.reset_time_duration);
    if (seconds > 0) resetMs = Math.max(resetMs ?? 0, seconds * 1_000);
  }
  const app = json(headers["x-app-usage"]) as Record<string, unknown> | undefined;
  if (app && typeof app === "object")
    percent = Math.max(percent, pct(app.call_count), pct(app.total_cputime), pct(app.total_time));
  return percent < 0 ? null : { percent, resetMs };
}

/**
 * The usage reported by every answer to the Graph API calls made inside {@link withMetaUsage}:
 * one SyncFlow operation may make several (an account's currency, then the change).
 */
const seen = new AsyncLocalStorage<PlatformUsage[]>();

/** Notes an answer's usage headers for the operation in progress (the SDK's `call`). */
export function noteMetaUsage(headers: Record<string, unknown>): void {
  const usage = metaUsageOf(headers);
  if (usage) seen.getStore()?.push(usage);
}

/**
 * Runs `fn` (Graph API calls through the SDK) and returns its value with the highest usage its
 * answers reported, if any.
 */
export async function withMetaUsage<T extends object>(
  fn: () => Promise<T>,
): Promise<T & { usage?: PlatformUsage }> {
  const usages: PlatformUsage[] = [];
  const value = await seen.run(usages, fn);
  const top = usages.reduce<PlatformUsage | null>(
    (a, u) => (a === null || u.percent > a.percent ? u : a),
    null,
  );
  return top ? { ...value, usage: top } : value;
}
