/**
 * Hyperliquid info request weights (rate-limits-and-user-limits page): the aggregate REST budget
 * is 1200 per minute per IP.
 */
const LIGHT = new Set([
  "l2Book",
  "allMids",
  "clearinghouseState",
  "orderStatus",
  "spotClearinghouseState",
  "exchangeStatus",
]);

/** Requests that cost one more unit per N items returned. */
const PER_ITEMS: Record<string, number> = {
  recentTrades: 20,
  historicalOrders: 20,
  userFills: 20,
  userFillsByTime: 20,
  fundingHistory: 20,
  userFunding: 20,
  nonUserFundingUpdates: 20,
  twapHistory: 20,
  userTwapSliceFills: 20,
  userTwapSliceFillsByTime: 20,
  delegatorHistory: 20,
  delegatorRewards: 20,
  validatorStats: 20,
  candleSnapshot: 60,
};

/** Weight charged before sending an info request of `type`. */
export function requestWeight(type: string): number {
  if (LIGHT.has(type)) return 2;
  if (type === "userRole") return 60;
  return 20;
}

/** Extra weight charged after the response, from the number of items it returned. */
export function itemWeight(type: string, items: number): number {
  const per = PER_ITEMS[type];
  return per === undefined ? 0 : Math.floor(items / per);
}
