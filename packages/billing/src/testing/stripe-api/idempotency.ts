import { StripeApiError } from "./errors.ts";
import type { FormValue } from "./form.ts";

/** A response kept for an idempotency key. */
export interface SavedResponse {
  status: number;
  body: string;
}

/**
 * Stripe's idempotency: the first response to a POST with an `Idempotency-Key` is saved, and the
 * same key with the same endpoint and parameters gets it again; with anything else it is a 400
 * `idempotency_error`. Responses to requests that fail validation are not saved, as at Stripe.
 */
export class IdempotencyKeys {
  private readonly saved = new Map<string, SavedResponse & { fingerprint: string }>();

  /**
   * The saved response for `key`, or undefined for a new key.
   * @throws StripeApiError 400 `idempotency_error` when the key was used with other parameters.
   */
  replay(key: string, fingerprint: string): SavedResponse | undefined {
    const found = this.saved.get(key);
    if (found === undefined) return undefined;
    if (found.fingerprint !== fingerprint) {
      throw new StripeApiError(
        400,
        "idempotency_error",
        `Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '${key}' if you meant to execute a different request.`,
      );
    }
    return found;
  }

  save(key: string, fingerprint: string, response: SavedResponse): void {
    this.saved.set(key, { ...response, fingerprint });
  }
}

/** What identifies a request for idempotency: method, path and parameters (key order aside). */
export function fingerprintOf(method: string, path: string, params: FormValue): string {
  return `${method} ${path} ${canonical(params)}`;
}

function canonical(value: FormValue): string {
  if (typeof value === "string") return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`;
  const keys = Object.keys(value).sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonical(value[k] ?? "")}`).join(",")}}`;
}
