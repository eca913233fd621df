import type Stripe from "stripe";
import { invalidParam, noSuch } from "./errors.ts";
import type { Params } from "./params.ts";

/**
 * A page of `items` as Stripe lists them: newest first, `limit` (1–100, default 10) at a time,
 * after `starting_after` or before `ending_before` (ids), with `created` filters (`created` or
 * `created[gte]`, `[gt]`, `[lte]`, `[lt]`).
 * @param items oldest first (creation order).
 * @param newestFirst false for lists in their own order (an invoice's lines).
 */
export function listOf<T extends { id: string; created?: number }>(
  items: readonly T[],
  params: Params,
  url: string,
  newestFirst = true,
): Stripe.ApiList<T> {
  const limit = params.int("limit") ?? 10;
  if (limit < 1 || limit > 100) {
    throw invalidParam("limit", `This value must be between 1 and 100 (it currently is ${limit}).`);
  }
  let newest = (newestFirst ? [...items].reverse() : [...items]).filter(createdFilter(params));
  const after = params.str("starting_after");
  const before = params.str("ending_before");
  if (after !== undefined && after !== "") {
    const i = newest.findIndex((x) => x.id === after);
    if (i < 0) throw noSuch("object", after, "starting_after");
    newest = newest.slice(i + 1);
  } else if (before !== undefined && before !== "") {
    const i = newest.findIndex((x) => x.id === before);
    if (i < 0) throw noSuch("object", before, "ending_before");
    newest = newest.slice(Math.max(0, i - limit), i);
    return { object: "list", data: newest, has_more: i - limit > 0, url };
  }
  return { object: "list", data: newest.slice(0, limit), has_more: newest.length > limit, url };
}

/** A list of everything in `items` (oldest first), as embedded lists are (`items`, `lines`). */
export function embeddedList<T>(items: T[], url: string): Stripe.ApiList<T> {
  return { object: "list", data: items, has_more: false, url };
}

function createdFilter(params: Params): (x: { created?: number }) => boolean {
  const exact = params.has("created") && typeof params.raw.created === "string";
  if (exact) {
    const at = params.int("created");
    return (x) => at === undefined || x.created === at;
  }
  const range = params.obj("created");
  if (range === undefined) return () => true;
  const gte = range.int("gte");
  const gt = range.int("gt");
  const lte = range.int("lte");
  const lt = range.int("lt");
  return (x) => {
    const c = x.created ?? 0;
    return (
      (gte === undefined || c >= gte) &&
      (gt === undefined || c > gt) &&
      (lte === undefined || c <= lte) &&
      (lt === undefined || c < lt)
    );
  };
}
