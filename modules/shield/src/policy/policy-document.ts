import { z } from "zod";

/** The largest amount in micros: amounts are safe integers (bigint columns read as numbers). */
export const MAX_MICROS = Number.MAX_SAFE_INTEGER;

/** A client's or campaign's id, as the tenant names it (`acme`, `cmp-2026-q1.search`). */
export const accountId = z
  .string()
  .regex(/^[A-Za-z0-9._:-]{1,128}$/, "expected 1–128 letters, digits, '.', '_', ':' or '-'");

/** An amount in micros of the account's currency (1,000,000 = one unit): a whole number ≥ 1. */
export const micros = z.number().int().min(1).max(MAX_MICROS);

const pacingRule = z
  .object({
    toleranceBps: z
      .number()
      .int()
      .min(0)
      .max(10_000)
      .describe(
        "How far spend may run ahead of the period's elapsed share of the budget, in basis points of the budget (1000 = 10 %)",
      ),
  })
  .strict()
  .describe("Pacing: spend may not run ahead of the period's elapsed fraction × budget by more");

const roasFloorRule = z
  .object({
    minRoasBps: z
      .number()
      .int()
      .min(1)
      .max(100_000_000)
      .describe("Least predicted LTV ÷ bid, in basis points (30000 = 3.0×)"),
  })
  .strict()
  .describe("ROAS floor: a bid whose predicted LTV is below this multiple of it is denied");

/** A client's or campaign's own rules: a rule given replaces the default, null turns it off. */
const overrides = z
  .object({
    pacing: pacingRule.nullable().optional(),
    roasFloor: roasFloorRule.nullable().optional(),
    maxBidMicros: micros.nullable().optional(),
  })
  .strict();

/**
 * A tenant's policy, the typed rule set every bid check applies (docs/shield.md, "Policy check").
 * The budget and the kill switches always apply (they are the campaigns' and clients' own data);
 * pacing, the ROAS floor and the largest bid apply when the policy sets them, by default to every
 * campaign, and per client or campaign where `clients` / `campaigns` say otherwise (a campaign's
 * own rule first, then its client's, then the default).
 */
export const policyDocument = z
  .object({
    pacing: pacingRule.optional(),
    roasFloor: roasFloorRule.optional(),
    maxBidMicros: micros.optional().describe("The largest single bid, in micros"),
    clients: z
      .record(accountId, overrides)
      .optional()
      .describe("Rules of a client's campaigns, by client id"),
    campaigns: z.record(accountId, overrides).optional().describe("Rules of a campaign, by id"),
  })
  .strict()
  .superRefine((doc, ctx) => {
    for (const key of ["clients", "campaigns"] as const) {
      const n = Object.keys(doc[key] ?? {}).length;
      if (n > MAX_OVERRIDES)
        ctx.addIssue({
          code: "custom",
          path: [key],
          message: `at most ${MAX_OVERRIDES} entries, got ${n}`,
        });
    }
  });

/** Entries of `clients` and of `campaigns` a policy may hold. */
export const MAX_OVERRIDES = 10_000;

export type PolicyDocument = z.infer<typeof policyDocument>;
export type RuleOverrides = z.infer<typeof overrides>;

/** A policy document that does not validate: `path` names the field (`campaigns.c1.pacing.toleranceBps`). */
export class PolicyError extends Error {
  readonly path: string;
  constructor(path: string, message: string) {
    super(`${path}: ${message}`);
    this.name = "PolicyError";
    this.path = path;
  }
}

/**
 * The document as a {@link PolicyDocument}.
 * @throws PolicyError naming the first field that is wrong (its dotted path, `(root)` for the
 *   whole document) and why.
 */
export function parsePolicy(input: unknown): PolicyDocument {
  const parsed = policyDocument.safeParse(input);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const path = issue?.path.length ? issue.path.join(".") : "(root)";
  throw new PolicyError(path, issue?.message ?? "invalid");
}
