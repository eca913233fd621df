/** How one of Stripe's test payment method tokens behaves. */
export interface TestCard {
  brand: string;
  last4: string;
  /** Attaching it to a customer fails with `card_declined`. */
  declinesAttach: boolean;
  /** Charging it fails with `card_declined` (it attaches fine). */
  declinesCharges: boolean;
}

/**
 * The test tokens this server knows, from Stripe's testing docs: each becomes a new `pm_…` when
 * attached to a customer.
 */
export const TEST_CARDS: Readonly<Record<string, TestCard>> = {
  pm_card_visa: { brand: "visa", last4: "4242", declinesAttach: false, declinesCharges: false },
  pm_card_mastercard: {
    brand: "mastercard",
    last4: "4444",
    declinesAttach: false,
    declinesCharges: false,
  },
  pm_card_amex: { brand: "amex", last4: "8431", declinesAttach: false, declinesCharges: false },
  pm_card_chargeCustomerFail: {
    brand: "visa",
    last4: "0341",
    declinesAttach: false,
    declinesCharges: true,
  },
  pm_card_visa_chargeDeclined: {
    brand: "visa",
    last4: "0002",
    declinesAttach: true,
    declinesCharges: true,
  },
};
