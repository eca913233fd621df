/** One engineered feature: a name, its unit and how it is computed from stored history. */
export interface FeatureDef {
  readonly name: string;
  readonly unit: string;
  readonly description: string;
  /**
   * Smallest spread, in the feature's unit, that says something: a feature whose training range
   * is narrower is left out of the model (as a constant one is), and a bucket's distance beyond
   * the training range is never measured in less than this. Set so that one such step is a
   * material change (see each value's comment).
   */
  readonly minSpread: number;
}

/**
 * The features of one time bucket (default 5 minutes), all computed from the rows the monitor
 * stores (`vault_states`, `vault_pnl`, `market_samples`, `liquidations`). "bps" is 1/10,000 of
 * the base; `log1p` columns are ln(1 + USD or count) so that a $1B cascade and a $10k fill fit
 * one scale. The order is the column order of the feature matrix.
 */
export const FEATURES = [
  {
    name: "hlp_return_bps",
    unit: "bps",
    description: "HLP parent account value, log change over the bucket",
    // 0.05 % of the account value: the HLP materiality share (HLP_Z_MIN_PCT_OF_ACCOUNT)
    minSpread: 5,
  },
  {
    name: "hlp_pnl_momentum_bps",
    unit: "bps",
    description: "HLP cumulative PnL change over the last 30 minutes, over account value",
    // the HLP materiality share
    minSpread: 5,
  },
  {
    name: "hlp_drawdown_velocity_bps",
    unit: "bps",
    description: "Change over the bucket of the HLP drawdown from its 24 h peak account value",
    // the HLP materiality share
    minSpread: 5,
  },
  {
    name: "liquidator_upnl_bps",
    unit: "bps",
    description: "Liquidator vaults' unrealised PnL over their account value, at the bucket end",
    // $250k, the HLP materiality floor, on a $50M liquidator vault
    minSpread: 50,
  },
  {
    name: "liquidator_exposure",
    unit: "ratio",
    description: "Liquidator vaults' total position notional over their account value",
    // a $1M position (HLP_INHERITED_MIN_USD) on a $50M liquidator vault
    minSpread: 0.02,
  },
  {
    name: "oracle_dev_max_bps",
    unit: "bps",
    description: "Largest |mark − oracle| / oracle over every perp and sample in the bucket",
    // a third of the oracle rule's medium band (0.3 %)
    minSpread: 10,
  },
  {
    name: "oracle_dev_mean_bps",
    unit: "bps",
    description: "Mean over perps of each perp's largest |mark − oracle| / oracle in the bucket",
    // half the largest deviation's floor (a mean over perps)
    minSpread: 5,
  },
  {
    name: "cex_dev_max_bps",
    unit: "bps",
    description: "Largest |oracle − Binance or Coinbase price| / that price in the bucket",
    // a third of the oracle rule's medium band
    minSpread: 10,
  },
  {
    name: "liq_count",
    unit: "log1p(count)",
    description: "Liquidations (market, backstop and ADL) in the bucket",
    // twice as many
    minSpread: Math.LN2,
  },
  {
    name: "liq_notional",
    unit: "log1p(USD)",
    description: "Liquidated notional in the bucket",
    // ten times as much
    minSpread: Math.LN10,
  },
  {
    name: "liq_max",
    unit: "log1p(USD)",
    description: "Largest single liquidation in the bucket",
    // ten times as much
    minSpread: Math.LN10,
  },
  {
    name: "adl_notional",
    unit: "log1p(USD)",
    description: "Auto-deleveraged notional in the bucket",
    // ten times as much
    minSpread: Math.LN10,
  },
  {
    name: "funding_abs_max_bps",
    unit: "bps/h",
    description: "Largest |hourly funding rate| over perps at the bucket end",
    // 0.01 %/h, a fifth of the funding rule's medium rate
    minSpread: 1,
  },
  {
    name: "oi_change_bps",
    unit: "bps",
    description: "Change over the bucket of total open interest at mark (perps seen in both)",
    // 0.1 % of all open interest in 5 minutes
    minSpread: 10,
  },
  {
    name: "volume_change_bps",
    unit: "bps",
    description: "Change over the bucket of total 24 h notional volume (perps seen in both)",
    // 0.1 % of the day's volume in 5 minutes
    minSpread: 10,
  },
  {
    name: "price_move_max_bps",
    unit: "bps",
    description: "Largest |log mark-price change| over the bucket across perps",
    // 0.1 % in 5 minutes
    minSpread: 10,
  },
] as const satisfies readonly FeatureDef[];

export type FeatureName = (typeof FEATURES)[number]["name"];

export const FEATURE_NAMES: readonly FeatureName[] = FEATURES.map((f) => f.name);

/** One bucket's feature vector, in `FEATURE_NAMES` order. */
export interface FeatureRow {
  /** Bucket start and end (exclusive), epoch ms. */
  start: number;
  end: number;
  values: Float64Array;
}
