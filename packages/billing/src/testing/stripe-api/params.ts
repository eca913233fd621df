import { invalidParam, missingParam } from "./errors.ts";
import type { FormObject, FormValue } from "./form.ts";

/**
 * Typed reads of a decoded request's parameters, each failing the way Stripe does (400 with the
 * parameter's full name, e.g. `items[0][price]`).
 */
export class Params {
  readonly raw: FormObject;
  private readonly prefix: string;

  constructor(raw: FormObject, prefix = "") {
    this.raw = raw;
    this.prefix = prefix;
  }

  /** The full name of `key` for error messages: `items[0][price]`. */
  name(key: string): string {
    return this.prefix === "" ? key : `${this.prefix}[${key}]`;
  }

  has(key: string): boolean {
    return this.raw[key] !== undefined;
  }

  /** True when `key` is sent as the empty string, Stripe's "unset this". */
  isEmpty(key: string): boolean {
    return this.raw[key] === "";
  }

  keys(): string[] {
    return Object.keys(this.raw);
  }

  str(key: string): string | undefined {
    const v = this.raw[key];
    if (v === undefined) return undefined;
    if (typeof v !== "string")
      throw invalidParam(this.name(key), `Invalid string: ${this.name(key)}`);
    return v;
  }

  required(key: string): string {
    const v = this.str(key);
    if (v === undefined || v === "") throw missingParam(this.name(key));
    return v;
  }

  int(key: string): number | undefined {
    const v = this.str(key);
    if (v === undefined || v === "") return undefined;
    if (!/^-?\d+$/.test(v)) {
      throw invalidParam(this.name(key), `Invalid integer: ${v}`, "parameter_invalid_integer");
    }
    return Number(v);
  }

  requiredInt(key: string): number {
    const v = this.int(key);
    if (v === undefined) throw missingParam(this.name(key));
    return v;
  }

  bool(key: string): boolean | undefined {
    const v = this.str(key);
    if (v === undefined || v === "") return undefined;
    if (v !== "true" && v !== "false") throw invalidParam(this.name(key), `Invalid boolean: ${v}`);
    return v === "true";
  }

  /** A string that must be one of `values`. */
  oneOf<T extends string>(key: string, values: readonly T[]): T | undefined {
    const v = this.str(key);
    if (v === undefined || v === "") return undefined;
    const found = values.find((x) => x === v);
    if (found === undefined) {
      throw invalidParam(
        this.name(key),
        `Invalid ${this.name(key)}: must be one of ${values.join(", ")}`,
      );
    }
    return found;
  }

  /** A hash parameter (`recurring[interval]=…`), or undefined when absent or sent empty. */
  obj(key: string): Params | undefined {
    const v = this.raw[key];
    if (v === undefined || v === "") return undefined;
    if (typeof v === "string" || Array.isArray(v)) {
      throw invalidParam(this.name(key), `Invalid object: ${this.name(key)}`);
    }
    return new Params(v, this.name(key));
  }

  /** An array of hashes (`items[0][price]=…`). */
  list(key: string): Params[] {
    const v = this.raw[key];
    if (v === undefined || v === "") return [];
    if (!Array.isArray(v)) throw invalidParam(this.name(key), `Invalid array: ${this.name(key)}`);
    return v.map((item, i) => {
      if (typeof item === "string" || Array.isArray(item)) {
        throw invalidParam(`${this.name(key)}[${i}]`, `Invalid object: ${this.name(key)}[${i}]`);
      }
      return new Params(item, `${this.name(key)}[${i}]`);
    });
  }

  /** An array of strings (`expand[]=…`, `lookup_keys[]=…`). */
  strings(key: string): string[] {
    const v = this.raw[key];
    if (v === undefined || v === "") return [];
    const items: FormValue[] = Array.isArray(v) ? v : [v];
    return items.map((item, i) => {
      if (typeof item !== "string") {
        throw invalidParam(`${this.name(key)}[${i}]`, `Invalid string: ${this.name(key)}[${i}]`);
      }
      return item;
    });
  }

  /**
   * A metadata hash. `undefined` when absent; `null` when sent empty (clear all); otherwise the
   * keys to set, where an empty value removes the key.
   */
  metadata(key = "metadata"): Record<string, string> | null | undefined {
    const v = this.raw[key];
    if (v === undefined) return undefined;
    if (v === "") return null;
    if (typeof v === "string" || Array.isArray(v)) {
      throw invalidParam(this.name(key), `Invalid object: ${this.name(key)}`);
    }
    const out: Record<string, string> = {};
    for (const [k, value] of Object.entries(v)) {
      if (typeof value !== "string") {
        throw invalidParam(`${this.name(key)}[${k}]`, "Metadata values must be strings.");
      }
      out[k] = value;
    }
    return out;
  }
}

/** Applies a metadata update (from `Params.metadata`) to `current`, as Stripe merges metadata. */
export function mergeMetadata(
  current: Record<string, string>,
  update: Record<string, string> | null | undefined,
): Record<string, string> {
  if (update === undefined) return current;
  if (update === null) return {};
  const out = { ...current };
  for (const [k, v] of Object.entries(update)) {
    if (v === "") delete out[k];
    else out[k] = v;
  }
  return out;
}
