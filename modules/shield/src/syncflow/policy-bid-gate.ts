import type { PolicyChecker } from "../policy/policy-checker.ts";
import type { BidGate } from "./bid-gate.ts";

/**
 * The bidder's gate as Shield runs it: SyncShield's policy check (`PolicyChecker`, group-committed
 * with the HTTP and gRPC checks), the bid's amount checked as the bid. An allowed bid's amount is
 * reserved against its campaign's period budget and the decision is in the audit trail before the
 * bid is sent; a bid that certainly never took effect gives its reservation back.
 */
export function policyBidGate(checker: PolicyChecker): BidGate {
  return {
    async check(tenantId, bid) {
      const d = await checker.check(tenantId, {
        clientId: bid.clientId,
        campaignId: bid.campaignId,
        bidMicros: bid.amountMicros,
        ...(bid.predictedLtvMicros !== undefined && { predictedLtvMicros: bid.predictedLtvMicros }),
        ...(bid.customer && { customer: bid.customer }),
      });
      return {
        allowed: d.verdict === "allow",
        decisionId: d.decisionId,
        auditSeq: d.auditSeq,
        reasons: d.reasons.map((r) => r.message),
      };
    },
    stopped: (tenantId, bid) => checker.stopped(tenantId, bid.clientId, bid.campaignId),
    async release(tenantId, verdict, reason) {
      await checker.release(tenantId, {
        decisionId: verdict.decisionId,
        auditSeq: verdict.auditSeq,
        reason,
      });
    },
  };
}
