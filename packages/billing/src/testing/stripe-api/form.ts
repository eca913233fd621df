import { invalidParam, type StripeApiError } from "./errors.ts";

/** A decoded form value: Stripe's bracket notation nests objects and arrays of strings. */
export type FormValue = string | FormValue[] | FormObject;

/** A decoded form: parameter name to value. */
export interface FormObject {
  [key: string]: FormValue;
}

/**
 * Decodes an `application/x-www-form-urlencoded` body or query string in Stripe's bracket
 * notation: `items[0][price]=p` is `{ items: [{ price: "p" }] }`, `metadata[plan]=pro` is
 * `{ metadata: { plan: "pro" } }`, `expand[]=a&expand[]=b` is `{ expand: ["a", "b"] }`. Every
 * leaf is a string (an empty string is how Stripe's clients send "unset").
 * @throws StripeApiError (400) when a name is used both as a value and as a container.
 */
export function decodeForm(text: string): FormObject {
  const root: FormObject = Object.create(null);
  for (const pair of text.split("&")) {
    if (pair === "") continue;
    const eq = pair.indexOf("=");
    const name = decode(eq < 0 ? pair : pair.slice(0, eq));
    const value = eq < 0 ? "" : decode(pair.slice(eq + 1));
    assign(root, pathOf(name), value, name);
  }
  return toArrays(root) as FormObject;
}

function decode(s: string): string {
  try {
    return decodeURIComponent(s.replace(/\+/g, " "));
  } catch {
    return s;
  }
}

/** `items[0][price]` → `["items", "0", "price"]`; `expand[]` → `["expand", ""]`. */
function pathOf(name: string): string[] {
  const open = name.indexOf("[");
  if (open < 0) return [name];
  const path = [name.slice(0, open)];
  for (const m of name.slice(open).matchAll(/\[([^\]]*)\]/g)) path.push(m[1] ?? "");
  return path;
}

function assign(root: FormObject, path: string[], value: string, name: string): void {
  let node = root;
  for (let i = 0; i < path.length; i++) {
    const segment = path[i] ?? "";
    const key = segment === "" ? String(Object.keys(node).length) : segment;
    if (i === path.length - 1) {
      if (typeof node[key] === "object") throw conflict(name);
      node[key] = value;
      return;
    }
    const next = node[key];
    if (next === undefined) {
      const child: FormObject = Object.create(null);
      node[key] = child;
      node = child;
    } else if (typeof next === "string" || Array.isArray(next)) {
      throw conflict(name);
    } else {
      node = next;
    }
  }
}

function conflict(name: string): StripeApiError {
  return invalidParam(name, `Invalid value for ${name}: it is given both as a value and a hash.`);
}

/** Objects whose keys are all indexes (`0`, `1`, …) become arrays, in index order. */
function toArrays(value: FormValue): FormValue {
  if (typeof value === "string" || Array.isArray(value)) return value;
  const keys = Object.keys(value);
  for (const k of keys) value[k] = toArrays(value[k] ?? "");
  if (keys.length > 0 && keys.every((k) => /^\d+$/.test(k))) {
    return keys
      .map((k) => [Number(k), value[k] ?? ""] as const)
      .sort((a, b) => a[0] - b[0])
      .map(([, v]) => v);
  }
  return value;
}
