import type { z } from "zod";

/** How a setting is written as an environment variable. */
export type FieldKind = "number" | "boolean" | "string" | "list" | "json" | "all-or-list";

/** One setting of a config object schema. */
export interface FieldInfo {
  key: string;
  kind: FieldKind;
  description: string;
  defaultValue: unknown;
}

interface Def {
  type: string;
  innerType?: z.ZodType;
  in?: z.ZodType;
  element?: z.ZodType;
  options?: z.ZodType[];
  defaultValue?: unknown;
  shape?: Record<string, z.ZodType>;
}

function defOf(s: z.ZodType): Def {
  return (s as unknown as { _zod: { def: Def } })._zod.def;
}

/** The settings of a zod object schema, from its shape, defaults and descriptions. */
export function fieldsOf(schema: z.ZodType): FieldInfo[] {
  const shape = defOf(schema).shape;
  if (!shape) throw new Error("expected an object schema");
  return Object.entries(shape).map(([key, field]) => {
    let s: z.ZodType = field;
    let defaultValue: unknown;
    for (;;) {
      const d = defOf(s);
      if ((d.type === "default" || d.type === "prefault") && d.innerType) {
        defaultValue ??= d.defaultValue;
        s = d.innerType;
      } else if ((d.type === "optional" || d.type === "nullable") && d.innerType) {
        s = d.innerType;
      } else if (d.type === "pipe" && d.in) {
        s = d.in;
      } else break;
    }
    return { key, kind: kindOf(s), description: field.description ?? "", defaultValue };
  });
}

function kindOf(s: z.ZodType): FieldKind {
  const d = defOf(s);
  switch (d.type) {
    case "number":
      return "number";
    case "boolean":
      return "boolean";
    case "array":
      return d.element && defOf(d.element).type === "object" ? "json" : "list";
    case "union":
      return d.options?.some((o) => defOf(o).type === "array") ? "all-or-list" : "string";
    case "object":
      return "json";
    default:
      return "string";
  }
}

/**
 * Converts an environment string to the setting's type.
 * @returns the value, or an error message naming what was expected.
 */
export function coerce(
  kind: FieldKind,
  text: string,
): { ok: true; value: unknown } | { ok: false; error: string } {
  const t = text.trim();
  switch (kind) {
    case "number": {
      const n = Number(t);
      return t !== "" && Number.isFinite(n)
        ? { ok: true, value: n }
        : { ok: false, error: `expected a number, got "${text}"` };
    }
    case "boolean":
      if (/^(true|1|yes|on)$/i.test(t)) return { ok: true, value: true };
      if (/^(false|0|no|off)$/i.test(t)) return { ok: true, value: false };
      return { ok: false, error: `expected true or false, got "${text}"` };
    case "list":
      return { ok: true, value: splitList(t) };
    case "all-or-list":
      return { ok: true, value: t === "all" ? "all" : splitList(t) };
    case "json":
      try {
        return { ok: true, value: JSON.parse(t) };
      } catch {
        return { ok: false, error: "expected JSON" };
      }
    default:
      return { ok: true, value: t };
  }
}

function splitList(t: string): string[] {
  return t
    .split(",")
    .map((x) => x.trim())
    .filter((x) => x !== "");
}
