/**
 * The Hyperliquid monitor's observations (`HlObservation`): what its sources turn Hyperliquid,
 * Binance and Coinbase feeds into. Every number here was parsed from the venue's decimal strings
 * at the source edge; `time` is the data's own time (epoch ms) where the payload carries one,
 * else the clock time at receipt.
 */

/** Taker side of a trade or the side of a fill: "B" = buy (bid), "A" = sell (ask). */
export type Side = "B" | "A";

/** One public trade (Hyperliquid WS `trades`). */
export interface Trade {
  coin: string;
  side: Side;
  px: number;
  sz: number;
  time: number;
  tid: number;
  hash: string;
  buyer: string;
  seller: string;
}

/** The `liquidation` object carried by fills that took part in a liquidation. */
export interface FillLiquidation {
  liquidatedUser: string | null;
  markPx: number;
  method: "market" | "backstop";
}

/** One fill of a watched account (Hyperliquid `userFills`). */
export interface Fill {
  coin: string;
  px: number;
  sz: number;
  side: Side;
  time: number;
  startPosition: number;
  dir: string;
  closedPnl: number;
  hash: string;
  oid: number;
  tid: number;
  crossed: boolean;
  fee: number;
  liquidation: FillLiquidation | null;
}

/** Per-perp market context (Hyperliquid `metaAndAssetCtxs`). */
export interface AssetCtx {
  coin: string;
  markPx: number;
  oraclePx: number;
  midPx: number | null;
  /** Hourly funding rate as a fraction (0.0000125 = 0.00125 %/h). */
  funding: number;
  /** Open interest in base units. */
  openInterest: number;
  premium: number | null;
  prevDayPx: number;
  /** 24 h notional volume, USD. */
  dayNtlVlm: number;
  impactBidPx: number | null;
  impactAskPx: number | null;
  maxLeverage: number;
  isDelisted: boolean;
}

/** An open perp position of a watched account (Hyperliquid `clearinghouseState`). */
export interface Position {
  coin: string;
  /** Signed size in base units: positive long, negative short. */
  szi: number;
  entryPx: number;
  /** Absolute notional at mark, USD. */
  positionValue: number;
  unrealizedPnl: number;
  liquidationPx: number | null;
  marginUsed: number;
}

export type VaultRole = "parent" | "child" | "liquidator";

/** A member of the HLP vault family. */
export interface VaultMember {
  address: string;
  name: string;
  role: VaultRole;
}

/** `[time ms, value]` points of a portfolio history. */
export type SeriesPoint = readonly [number, number];

/** One period of a Hyperliquid `portfolio` (day, week, month, allTime). */
export interface PortfolioPeriod {
  accountValue: readonly SeriesPoint[];
  pnl: readonly SeriesPoint[];
}

export type Venue = "binance" | "coinbase";

export type HlObservation =
  | { type: "trades"; time: number; coin: string; trades: readonly Trade[] }
  | { type: "fills"; time: number; user: string; fills: readonly Fill[]; snapshot: boolean }
  | { type: "market"; time: number; assets: readonly AssetCtx[] }
  | {
      type: "vaultFamily";
      time: number;
      parent: string;
      members: readonly VaultMember[];
      /** false when discovery failed and the configured seed list is in use. */
      discovered: boolean;
    }
  | {
      type: "vaultState";
      time: number;
      vault: VaultMember;
      accountValue: number;
      totalNtlPos: number;
      positions: readonly Position[];
    }
  | {
      type: "vaultPortfolio";
      time: number;
      vault: VaultMember;
      day: PortfolioPeriod;
      week: PortfolioPeriod;
      month: PortfolioPeriod;
      allTime: PortfolioPeriod;
    }
  | {
      type: "externalPrices";
      time: number;
      venue: Venue;
      /** Quote currency of `prices`: Binance pairs are USDT, Coinbase products USD. */
      quote: "USDT" | "USD";
      /** Price per Hyperliquid unit, keyed by Hyperliquid coin (kPEPE already ×1000). */
      prices: ReadonlyMap<string, number>;
      /** USDT priced in USD when the venue reports it (Coinbase USDT-USD). */
      usdtUsd: number | null;
    }
  | { type: "oiCap"; time: number; coins: readonly string[] }
  /** A liquidation the liquidations detector classified (`DetectorOutput.keep`). */
  | { type: "liquidation"; time: number; event: LiquidationEvent };

export type HlObservationType = HlObservation["type"];

/** The observation variant with the given `type`. */
export type HlObservationOf<T extends HlObservationType> = Extract<HlObservation, { type: T }>;

/**
 * A liquidation the monitor saw, normalised from public trades (liquidator vault as counterparty)
 * or from fills (`liquidation` object, `Auto-Deleveraging`). Amounts are notional (px × sz).
 */
export interface LiquidationEvent {
  /** `coin:tid`, shared by the trade and the fill of the same execution so each is counted once. */
  id: string;
  time: number;
  coin: string;
  method: "backstop" | "market" | "adl";
  liquidatedSide: "long" | "short";
  px: number;
  sz: number;
  notionalUsd: number;
  /** The liquidated account when known (fills carry it; public trades do not). */
  liquidatedUser: string | null;
  /** The other side: the liquidator vault for backstops, the watched account for fills. */
  counterparty: string | null;
}
