import type { BidGate, BidRequest, BidVerdict } from "../syncflow/bid-gate.ts";

/**
 * A `BidGate` a test controls: it allows every campaign but those it was told to deny, names
 * each decision (`dec_1`, `dec_2`, …) and keeps what it was asked and what it was told to release. Stands in for SyncShield's
 * policy check where the check itself is not what is tested.
 */
export class CampaignBidGate implements BidGate {
  readonly #denied = new Map<string, string>();
  readonly #stopped = new Map<string, string>();
  #decisions = 0;
  /** Every bid checked, with its tenant and verdict, in order. */
  readonly checked: { tenantId: string; bid: BidRequest; verdict: BidVerdict }[] = [];
  /** Every release asked for, in order. */
  readonly released: { tenantId: string; decisionId: string; reason: string }[] = [];

  /** Denies the campaign's bids from now on, for `reason`. */
  deny(campaignId: string, reason: string): this {
    this.#denied.set(campaignId, reason);
    return this;
  }

  /** Stops the campaign's allowed bids that have not gone out yet (a kill switch), for `reason`. */
  stop(campaignId: string, reason: string): this {
    this.#stopped.set(campaignId, reason);
    return this;
  }

  async stopped(_tenantId: string, bid: BidRequest): Promise<string | null> {
    return this.#stopped.get(bid.campaignId) ?? null;
  }

  /** Allows the campaign's bids again. */
  allow(campaignId: string): this {
    this.#denied.delete(campaignId);
    return this;
  }

  async check(tenantId: string, bid: BidRequest): Promise<BidVerdict> {
    const reason = this.#denied.get(bid.campaignId);
    const verdict: BidVerdict = {
      allowed: reason === undefined,
      decisionId: `dec_${++this.#decisions}`,
      auditSeq: this.#decisions,
      reasons: reason === undefined ? [] : [reason],
    };
    this.checked.push({ tenantId, bid, verdict });
    return verdict;
  }

  async release(tenantId: string, verdict: BidVerdict, reason: string): Promise<void> {
    this.released.push({ tenantId, decisionId: verdict.decisionId, reason });
  }
}
