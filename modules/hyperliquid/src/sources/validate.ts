import type { z } from "zod";

export type Parsed<T> = { ok: true; value: T } | { ok: false; error: string };

/**
 * Validates an outside payload. Unknown fields are tolerated (dropped); a missing or mistyped
 * required field gives an error naming its path, for counting and logging, never a throw.
 */
export function validate<S extends z.ZodType>(schema: S, value: unknown): Parsed<z.output<S>> {
  const res = schema.safeParse(value);
  if (res.success) return { ok: true, value: res.data };
  const issue = res.error.issues[0];
  const where = issue && issue.path.length > 0 ? issue.path.join(".") : "(root)";
  const more = res.error.issues.length > 1 ? ` (+${res.error.issues.length - 1} more)` : "";
  return { ok: false, error: `${where}: ${issue?.message ?? "invalid"}${more}` };
}
