/** One engineered feature: a name, its unit and how it is computed from stored history. */
export interface FeatureDef {
  readonly name: string;
  readonly unit: string;
  readonly description: string;
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
  },
  {
    name: "hlp_pnl_momentum_bps",
    unit: "bps",
    description: "HLP cumulative PnL change over the last 30 minutes, over account value",
  },
  {
    name: "hlp_drawdown_velocity_bps",
    unit: "bps",
    description: "Change over the bucket of the HLP drawdown from its 24 h peak account value",
  },
  {
    name: "liquidator_upnl_bps",
    unit: "bps",
    description: "Liquidator vaults' unrealised PnL over their account value, at the bucket end",
  },
  {
    name: "liquidator_exposure",
    unit: "ratio",
    description: "Liquidator vaults' total position notional over their account value",
  },
  {
    name: "oracle_dev_max_bps",
    unit: "bps",
    description: "Largest |mark − oracle| / oracle over every perp and sample in the bucket",
  },
  {
    name: "oracle_dev_mean_bps",
    unit: "bps",
    description: "Mean over perps of each perp's largest |mark − oracle| / oracle in the bucket",
  },
  {
    name: "cex_dev_max_bps",
    unit: "bps",
    description: "Largest |oracle − Binance or Coinbase price| / that price in the bucket",
  },
  {
    name: "liq_count",
    unit: "log1p(count)",
    description: "Liquidations (market, backstop and ADL) in the bucket",
  },
  {
    name: "liq_notional",
    unit: "log1p(USD)",
    description: "Liquidated notional in the bucket",
  },
  {
    name: "liq_max",
    unit: "log1p(USD)",
    description: "Largest single liquidation in the bucket",
  },
  {
    name: "adl_notional",
    unit: "log1p(USD)",
    description: "Auto-deleveraged notional in the bucket",
  },
  {
    name: "funding_abs_max_bps",
    unit: "bps/h",
    description: "Largest |hourly funding rate| over perps at the bucket end",
  },
  {
    name: "oi_change_bps",
    unit: "bps",
    description: "Change over the bucket of total open interest at mark (perps seen in both)",
  },
  {
    name: "volume_change_bps",
    unit: "bps",
    description: "Change over the bucket of total 24 h notional volume (perps seen in both)",
  },
  {
    name: "price_move_max_bps",
    unit: "bps",
    description: "Largest |log mark-price change| over the bucket across perps",
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
