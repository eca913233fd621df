import { AppError } from "@kamiyo/core";
import { z } from "zod";
import { accountId, MAX_MICROS, micros } from "./policy-document.ts";

const feature = z.number().min(0).max(1e9);

/**
 * A bid to check: the client and campaign it spends for, the bid, and what the customer is worth,
 * as a predicted LTV in micros or as the customer's repeat-purchase summary, from which the
 * tenant's active SyncValue model predicts it (12 months, 1 % a month; in the model's time unit
 * and currency, which must be the bid's).
 */
export const checkInput = z
  .object({
    checkId: accountId
      .optional()
      .describe(
        "Your id for this check (e.g. the bid request's): a retry with the same id within 24 hours answers the decision already made, reserving nothing again",
      ),
    clientId: accountId,
    campaignId: accountId,
    bidMicros: micros.describe("The bid, in micros of the account's currency"),
    predictedLtvMicros: z
      .number()
      .int()
      .min(0)
      .max(MAX_MICROS)
      .optional()
      .describe("The customer's predicted lifetime value, in micros"),
    customer: z
      .object({
        frequency: feature.describe("Repeat purchases"),
        recency: feature.describe("Age at the last purchase, in the model's time unit"),
        T: feature.describe("Age at the end of observation"),
        monetaryValue: feature.describe("Mean value of the repeat purchases, currency units"),
      })
      .strict()
      .optional()
      .describe("The customer's summary, for the tenant's active LTV model to predict from"),
  })
  .strict()
  .refine((c) => c.predictedLtvMicros === undefined || c.customer === undefined, {
    message: "give predictedLtvMicros or customer, not both",
    path: ["customer"],
  });

export type CheckInput = z.infer<typeof checkInput>;

/**
 * `input` parsed by `schema`.
 * @throws AppError `invalid_input` naming the first field that is wrong
 *   (`bidMicros: Too small: expected number to be >=1`).
 */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown): z.output<S> {
  const parsed = schema.safeParse(input);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const path = issue?.path.length ? issue.path.join(".") : "(root)";
  throw new AppError("invalid_input", `${path}: ${issue?.message ?? "invalid"}`);
}

/** A check to decide, parsed. @throws as {@link parseInput}. */
export const parseCheckInput = (input: unknown): CheckInput => parseInput(checkInput, input);
