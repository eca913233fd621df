/**
 * How a Hyperliquid perp maps to a spot market elsewhere: `k`-prefixed perps (kPEPE, kBONK) are
 * quoted per 1,000 units, so the venue price is multiplied by 1,000. Builder perps ("dex:COIN")
 * and spot pairs have no mapping.
 */
export interface VenueAsset {
  base: string;
  multiplier: number;
}

export function venueAsset(coin: string): VenueAsset | null {
  if (coin.includes(":") || coin.includes("/") || coin.startsWith("@")) return null;
  if (/^k[A-Z0-9]{2,}$/.test(coin)) return { base: coin.slice(1), multiplier: 1000 };
  if (!/^[A-Z0-9]+$/.test(coin)) return null;
  return { base: coin, multiplier: 1 };
}
