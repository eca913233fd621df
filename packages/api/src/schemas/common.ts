import { type Finding, SEVERITIES } from "@kamiyo/core";
import { z } from "zod";

const EARLIEST = Date.UTC(2000, 0, 1);
const LATEST = Date.UTC(2200, 0, 1);

/** A time as ISO 8601 or epoch milliseconds between 2000 and 2200, output as epoch ms. */
export const timeParam = z
  .string()
  .transform((text, ctx) => {
    const ms = /^\d{1,15}$/.test(text) ? Number(text) : Date.parse(text);
    if (!Number.isFinite(ms)) {
      ctx.addIssue({ code: "custom", message: "expected an ISO 8601 time or epoch milliseconds" });
      return z.NEVER;
    }
    if (ms < EARLIEST || ms >= LATEST) {
      ctx.addIssue({
        code: "custom",
        message: "expected a time between 2000-01-01 and 2200-01-01",
      });
      return z.NEVER;
    }
    return ms;
  })
  .describe("ISO 8601 time or epoch milliseconds (2000–2199)");

/** A comma-separated list of allowed values. */
export function listParam<const T extends readonly [string, ...string[]]>(values: T, what: string) {
  return z
    .string()
    .transform((text, ctx) => {
      const items = text
        .split(",")
        .map((s) => s.trim())
        .filter(Boolean);
      const bad = items.filter((i) => !(values as readonly string[]).includes(i));
      if (items.length === 0 || bad.length > 0) {
        ctx.addIssue({
          code: "custom",
          message: `expected ${what} from ${values.join(", ")}, comma-separated${bad.length ? `; got ${bad.join(", ")}` : ""}`,
        });
        return z.NEVER;
      }
      return [...new Set(items)] as T[number][];
    })
    .describe(`Comma-separated ${what}: ${values.join(", ")}`);
}

export const severityParam = listParam(SEVERITIES, "severities");

/**
 * A whole number in a query parameter, between `min` and `max`: decimal digits only. A sign, hex
 * (`0x10`), an exponent, a blank (which `Number()` reads as 0) or spaces are refused.
 */
export function intParam(min: number, max: number) {
  return z
    .string()
    .regex(/^[0-9]{1,16}$/, "expected a whole number in decimal digits")
    .transform(Number)
    .pipe(z.number().int().min(min).max(max));
}

/**
 * A non-negative decimal number in a query parameter (`1500000`, `0.5`), at most `max`: digits
 * with an optional fraction. A sign, hex, an exponent, a blank or spaces are refused.
 */
export function decimalParam(max: number) {
  return z
    .string()
    .regex(/^[0-9]{1,16}(\.[0-9]{1,12})?$/, "expected a decimal number such as 1500000 or 0.5")
    .transform(Number)
    .pipe(z.number().min(0).max(max));
}

export const limitParam = (max: number, dflt: number) =>
  intParam(1, max).default(dflt).describe(`Items per page (1–${max}, default ${dflt})`);

/**
 * A path id this platform issues: `<prefix>_` + lower-case base 36 (`minLength` to 40
 * characters), refused with "expected <what> such as <prefix>_0m85n41y8a1b2c3d4e5f60718".
 */
export function prefixedId(prefix: string, what: string, minLength = 9) {
  return z
    .string()
    .regex(
      new RegExp(`^${prefix}_[0-9a-z]{${minLength},40}$`),
      `expected ${what} such as ${prefix}_0m85n41y8a1b2c3d4e5f60718`,
    );
}

export const cursorParam = z
  .string()
  .min(1)
  .max(200)
  .describe("Opaque cursor from the previous page's nextCursor");

const iso = z.string().describe("ISO 8601 time");

export const findingSchema = z
  .object({
    id: z.string().describe("Stable id: the same condition while it lasts is one finding"),
    detector: z.string(),
    kind: z.string(),
    severity: z.enum(SEVERITIES).describe("The worst severity reached in this episode"),
    status: z.enum(["open", "resolved"]),
    subject: z
      .object({ type: z.string(), id: z.string() })
      .describe(
        "What it is about: a type its module names (the Hyperliquid monitor: asset, vault, user, market) and an id",
      ),
    key: z.string().describe("Separates simultaneous episodes on one subject (empty when unused)"),
    title: z.string(),
    evidence: z
      .record(z.string(), z.unknown())
      .describe("Numeric and descriptive facts behind the finding"),
    firstDataAt: iso.describe("Data time of the episode's first datum"),
    dataAt: iso.describe("Data time of its latest datum"),
    detectedAt: iso.describe("When the finding was raised"),
    updatedAt: iso,
    resolvedAt: iso.nullable(),
    occurrences: z.number().int(),
  })
  .meta({ id: "Finding" });

export type FindingJson = z.output<typeof findingSchema>;

export function toFindingJson(f: Finding): FindingJson {
  return {
    id: f.id,
    detector: f.detector,
    kind: f.kind,
    severity: f.severity,
    status: f.status,
    subject: f.subject,
    key: f.key,
    title: f.title,
    evidence: f.evidence,
    firstDataAt: new Date(f.firstDataAt).toISOString(),
    dataAt: new Date(f.dataAt).toISOString(),
    detectedAt: new Date(f.detectedAt).toISOString(),
    updatedAt: new Date(f.updatedAt).toISOString(),
    resolvedAt: f.resolvedAt === null ? null : new Date(f.resolvedAt).toISOString(),
    occurrences: f.occurrences,
  };
}

export const errorSchema = z
  .object({
    error: z.object({
      code: z.enum([
        "invalid_input",
        "not_found",
        "method_not_allowed",
        "unauthorized",
        "forbidden",
        "rate_limited",
        "quota_exceeded",
        "payment_required",
        "conflict",
        "config_invalid",
        "upstream_unavailable",
        "upstream_rejected",
        "upstream_invalid",
        "internal",
      ]),
      message: z.string(),
      requestId: z.string(),
    }),
  })
  .meta({ id: "Error" });

/** The error responses every route can give. */
export const errorResponses = {
  400: errorSchema,
  401: errorSchema,
  402: errorSchema,
  403: errorSchema,
  404: errorSchema,
  429: errorSchema,
  500: errorSchema,
} as const;

/** A page of results with the cursor of the next one (null on the last page). */
export function pageSchema<T extends z.ZodType>(item: T) {
  return z.object({ data: z.array(item), nextCursor: z.string().nullable() });
}
