import type { AssetCtx } from "../observations.ts";

/** A market context with sane defaults for tests; override what the case is about. */
export function assetCtx(coin: string, over: Partial<AssetCtx> = {}): AssetCtx {
  const px = over.markPx ?? 100;
  return {
    coin,
    markPx: px,
    oraclePx: px,
    midPx: px,
    funding: 0.0000125,
    openInterest: 1_000_000 / px,
    premium: 0,
    prevDayPx: px,
    dayNtlVlm: 50_000_000,
    impactBidPx: px * 0.9995,
    impactAskPx: px * 1.0005,
    maxLeverage: 20,
    isDelisted: false,
    ...over,
  };
}
