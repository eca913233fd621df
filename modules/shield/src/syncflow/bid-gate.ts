import type { BidTarget, PlatformId } from "./platform.ts";

/** A bid a client wants placed: what to set, where, for which client and campaign. */
export interface BidRequest {
  /** The tenant's client (advertiser) the bid is for. */
  clientId: string;
  /** The campaign in Shield's terms (what budgets and policies are kept by). */
  campaignId: string;
  platform: PlatformId;
  /** The platform account: a Google Ads customer id, a Meta ad account id (`act_…`). */
  account: string;
  target: BidTarget;
  /** The amount to set, integer micros of the account's currency. */
  amountMicros: number;
  /** What the customer is worth, for the ROAS floor: given, in micros… */
  predictedLtvMicros?: number;
  /** …or predicted from their repeat-purchase summary by the tenant's active SyncValue model. */
  customer?: { frequency: number; recency: number; T: number; monetaryValue: number };
}

/** Shield's answer for a bid. */
export interface BidVerdict {
  allowed: boolean;
  /** The decision's id in the audit trail: the `bid` record names it. */
  decisionId: string;
  /** The decision's record in the tenant's audit trail. */
  auditSeq: number;
  /** Why, in words (the denial's reasons; may be empty for an allow). */
  reasons: readonly string[];
}

/**
 * The policy check every bid passes before it is sent (SyncShield's check, or anything that
 * answers as it does). The bidder sends nothing the gate did not allow.
 */
export interface BidGate {
  check(tenantId: string, bid: BidRequest): Promise<BidVerdict>;
  /**
   * Gives back what an allowed verdict reserved, for a bid that certainly never took effect (not
   * sent, or refused by the platform), so its campaign's budget is not spent by it.
   */
  release(tenantId: string, verdict: BidVerdict, reason: "not_sent" | "rejected"): Promise<void>;
  /**
   * The last look before an allowed bid goes out (it may have waited in its account's queue):
   * why it must not be sent now (its client's or campaign's kill switch turned on since), or null.
   */
  stopped(tenantId: string, bid: BidRequest): Promise<string | null>;
}
