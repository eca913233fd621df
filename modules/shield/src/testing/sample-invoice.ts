import type { OutcomeInvoice } from "../billing/outcome-invoice.ts";

/**
 * The seed's worked example as an invoice document (spend $1,000, LTV $4,470, baseline 3.0, 15 %:
 * $220.50), for tests of what consumes invoices (payments, CRMs); `overrides` changes fields.
 */
export function sampleInvoice(overrides: Partial<OutcomeInvoice> = {}): OutcomeInvoice {
  return {
    id: "soi_00000000000000000000000a",
    clientId: "acme",
    period: {
      start: "2026-11-01T00:00:00.000Z",
      end: "2026-12-01T00:00:00.000Z",
      label: "2026-11",
    },
    currency: "usd",
    spendMicros: "1000000000",
    ltvMicros: "4470000000",
    bids: 3,
    outcomes: 2,
    roasBps: 44_700,
    baselineRoasBps: 30_000,
    marginImprovementBps: 4_900,
    additionalRevenueCents: "147000",
    shareBps: 1_500,
    earningsCents: 22_050,
    corrections: [],
    amountDueCents: 22_050,
    rounding: "half-up",
    audit: { firstSeq: 1, lastSeq: 5, throughSeq: 5, headHash: "0".repeat(64) },
    createdAt: "2026-12-01T00:05:00.000Z",
    ...overrides,
  };
}
