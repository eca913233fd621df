import { z } from "zod";

/** Money in integer micros (1/1,000,000 of the currency unit), as the audit trail stores it. */
const micros = z
  .string()
  .regex(/^\d{1,30}$/, "expected whole micros as a string of digits")
  .or(z.number().int().min(0).max(Number.MAX_SAFE_INTEGER));

/** A client's id as Shield names it (free text chosen by the tenant). */
export const clientIdSchema = z
  .string()
  .regex(/^[A-Za-z0-9._:@-]{1,128}$/, "expected 1-128 letters, digits or . _ : @ -");

/**
 * The body of a `kind: "bid"` record: an ad platform accepted a bid Shield allowed (written by the
 * bidder). `spendMicros` is what the bid spent, integer micros (a JSON number or a digit string).
 */
export const bidRecordBody = z.looseObject({
  decisionId: z.string().min(1),
  clientId: clientIdSchema,
  campaignId: z.string().min(1),
  platform: z.string().min(1),
  externalId: z.string().min(1),
  spendMicros: micros,
});
export type BidRecordBody = z.infer<typeof bidRecordBody>;

/**
 * The body of a `kind: "outcome"` record: a converted customer's value attributed to a client's
 * campaign. `ltvMicros` is integer micros; `occurredAt` (ISO 8601) decides its billing period.
 */
export const outcomeRecordBody = z.strictObject({
  outcomeId: z
    .string()
    .regex(/^[A-Za-z0-9._:@-]{1,128}$/, "expected 1-128 letters, digits or . _ : @ -"),
  clientId: clientIdSchema,
  campaignId: z.string().min(1).max(256),
  customerId: z.string().min(1).max(256),
  ltvMicros: micros,
  occurredAt: z.iso.datetime({ offset: true }),
});
export type OutcomeRecordBody = z.infer<typeof outcomeRecordBody>;

/** The audit record kinds outcome billing reads. */
export const BID_KIND = "bid";
export const OUTCOME_KIND = "outcome";

/** Integer micros of a body's money field, whichever of its two JSON forms it came in. */
export const microsOf = (v: string | number): bigint => BigInt(v);
