import type { CompiledPolicy } from "./compiled-policy.ts";
import { mulDivFloor, productLess } from "./integer-math.ts";

/** Why a bid was denied: one code per rule. */
export const REASON_CODES = [
  "client_killed",
  "campaign_killed",
  "bid_above_max",
  "budget_exceeded",
  "pacing_ahead",
  "roas_below_floor",
  "ltv_missing",
] as const;
export type ReasonCode = (typeof REASON_CODES)[number];

/** One reason of a verdict: a machine code and a message for people. */
export interface Reason {
  code: ReasonCode;
  message: string;
}

/** The bid asked about. */
export interface BidFacts {
  clientId: string;
  campaignId: string;
  /** The bid, in micros (> 0). */
  bidMicros: number;
  /** The customer's predicted lifetime value in micros; null when unknown. */
  predictedLtvMicros: number | null;
  /** When the bid is decided, epoch ms. */
  atMs: number;
}

/** The campaign as the check sees it, in the period holding the bid's time. */
export interface CampaignState {
  clientKilled: boolean;
  clientKillReason: string | null;
  campaignKilled: boolean;
  campaignKillReason: string | null;
  /** The campaign's budget for one period, micros. */
  budgetMicros: number;
  /** What allowed bids already reserved in this period, micros. */
  spentMicros: number;
  /** The period's bounds, epoch ms: [start, end). */
  periodStartMs: number;
  periodEndMs: number;
}

export interface Verdict {
  verdict: "allow" | "deny";
  /** Every rule the bid broke, in the order of {@link REASON_CODES}; empty when allowed. */
  reasons: readonly Reason[];
}

const ALLOW: Verdict = Object.freeze({ verdict: "allow", reasons: Object.freeze([]) });

/**
 * The policy check itself: a pure function of the policy, the campaign's state and the bid, in
 * integer arithmetic on micros (exact past 2^53 through BigInt). Every rule is applied, so a
 * denial lists all its reasons. An allowed verdict allocates nothing.
 *
 * - kill switches: the client's or the campaign's is on;
 * - largest bid: bid > the policy's `maxBidMicros`;
 * - budget: spent + bid > budget;
 * - pacing: spent + bid > ⌊budget × elapsed ÷ period length⌋ + ⌊budget × tolerance ÷ 10,000⌋;
 * - ROAS floor: LTV × 10,000 < floor (bps) × bid, or no LTV known (`ltv_missing`).
 */
export function evaluateBid(policy: CompiledPolicy, state: CampaignState, bid: BidFacts): Verdict {
  let reasons: Reason[] | null = null;
  const deny = (code: ReasonCode, message: string) => {
    reasons ??= [];
    reasons.push({ code, message });
  };
  const { clientId, campaignId, bidMicros } = bid;
  if (state.clientKilled)
    deny("client_killed", `client ${clientId} is stopped${because(state.clientKillReason)}`);
  if (state.campaignKilled)
    deny(
      "campaign_killed",
      `campaign ${campaignId} is stopped${because(state.campaignKillReason)}`,
    );
  const maxBid = policy.maxBidMicros(clientId, campaignId);
  if (maxBid !== null && bidMicros > maxBid)
    deny("bid_above_max", `bid ${bidMicros} micros is above the largest allowed, ${maxBid}`);
  const { budgetMicros, spentMicros } = state;
  // bid > budget − spent rather than spent + bid > budget: no sum past 2^53.
  if (bidMicros > budgetMicros - spentMicros)
    deny(
      "budget_exceeded",
      `spent ${spentMicros} + bid ${bidMicros} micros is over the budget of ${budgetMicros}`,
    );
  const tolerance = policy.pacingToleranceBps(clientId, campaignId);
  if (tolerance !== null) {
    const length = state.periodEndMs - state.periodStartMs;
    const elapsed = Math.min(Math.max(bid.atMs - state.periodStartMs, 0), length);
    const paced =
      mulDivFloor(budgetMicros, elapsed, length) + mulDivFloor(budgetMicros, tolerance, 10_000);
    if (bidMicros > paced - spentMicros)
      deny(
        "pacing_ahead",
        `spent ${spentMicros} + bid ${bidMicros} micros runs ahead of the pace, ${paced} by now (${tolerance} bps tolerance)`,
      );
  }
  const floor = policy.minRoasBps(clientId, campaignId);
  if (floor !== null) {
    const ltv = bid.predictedLtvMicros;
    if (ltv === null)
      deny("ltv_missing", `the ROAS floor needs the customer's predicted LTV, and none was given`);
    else if (productLess(ltv, 10_000, floor, bidMicros))
      deny(
        "roas_below_floor",
        `predicted LTV ${ltv} ÷ bid ${bidMicros} micros is below the ROAS floor of ${floor / 10_000}×`,
      );
  }
  return reasons === null ? ALLOW : { verdict: "deny", reasons };
}

const because = (reason: string | null) => (reason ? `: ${reason}` : "");
