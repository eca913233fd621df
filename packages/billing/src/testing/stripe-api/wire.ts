import { randomBytes } from "node:crypto";
import Stripe from "stripe";

/** A JSON value as it travels on the wire. */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/**
 * The object as Stripe sends it: a deep copy through JSON, so `Decimal` fields become the decimal
 * strings of the API (`"2000"`) and later changes to the stored object do not show.
 */
export function toWire(value: unknown): Json {
  return JSON.parse(JSON.stringify(value)) as Json;
}

/** A decimal field (`unit_amount_decimal`, `quantity_decimal`) as the SDK types it. */
export function decimal(value: number | string): Stripe.Decimal {
  return Stripe.Decimal.from(String(value));
}

const ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/** A Stripe-style id: `prefix_` and 24 random base-62 characters (`cus_…`, `sub_…`). */
export function newId(prefix: string, length = 24): string {
  const bytes = randomBytes(length);
  let out = "";
  for (const b of bytes) out += ALPHABET[b % ALPHABET.length];
  return `${prefix}_${out}`;
}

/** The id of an expandable field, whether it holds the id or the object. */
export function idOf(value: string | { id: string } | null | undefined): string | null {
  if (value === null || value === undefined) return null;
  return typeof value === "string" ? value : value.id;
}

/** Seconds in a day. */
export const DAY = 86_400;

/** Seconds in an hour. */
export const HOUR = 3_600;
