import type { Finding } from "../../app/types.ts";

/** The answers of the Hyperliquid monitor's routes, as its OpenAPI schemas give them. */

export type RiskLevel = "none" | "low" | "medium" | "high" | "critical";

/** `GET /security/dashboard`. */
export interface RiskDashboard {
  score: number;
  level: RiskLevel;
  openFindings: number;
  components: {
    name: string;
    score: number;
    level: RiskLevel;
    openFindings: number;
    bySeverity: Record<string, number>;
    top: Finding[];
    note: string | null;
  }[];
  generatedAt: string;
  method: string;
}

export interface Vault {
  vault: string;
  name: string;
  role: "parent" | "child" | "liquidator";
  accountValueUsd: number | null;
  pnlUsd: Record<"1h" | "24h" | "7d" | "30d", number | null>;
  drawdownPct: number | null;
  maxDrawdown30dPct: number | null;
  sharpe30d: number | null;
  openPositions: number;
  unrealizedPnlUsd: number | null;
  portfolioAt: string | null;
  stateAt: string | null;
}

export interface Position {
  vault: string;
  vaultName: string;
  coin: string;
  side: "long" | "short";
  size: number;
  entryPx: number;
  positionValueUsd: number | null;
  unrealizedPnlUsd: number | null;
  liquidationPx: number | null;
}

/** `GET /security/hlp-vault`. */
export interface HlpVault {
  asOf: string;
  parent: Vault | null;
  family: Vault[];
  liquidatorPositions: Position[];
  openFindings: Finding[];
}

/** `GET /security/hlp-vault/history`. */
export interface VaultHistory {
  vault: string;
  since: string;
  until: string;
  intervalMs: number;
  points: { at: string; accountValueUsd: number | null; cumulativePnlUsd: number | null }[];
}

export interface Deviation {
  coin: string;
  at: string;
  markPx: number;
  oraclePx: number;
  midPx: number | null;
  binancePx: number | null;
  coinbasePx: number | null;
  deviationPct: number | null;
  signedDeviationPct: number | null;
  pair: string | null;
}

/** `GET /security/oracle-deviations`. */
export interface Deviations {
  asOf: string;
  active: Finding[];
  current: Deviation[];
}

/** `GET /security/oracle-deviations/history`. */
export interface DeviationHistory {
  coin: string;
  since: string;
  until: string;
  samples: Deviation[];
  findings: Finding[];
}

export type LiquidationMethod = "backstop" | "market" | "adl";

/** `GET /security/liquidation-patterns`. */
export interface LiquidationPatterns {
  window: string;
  since: string;
  totals: {
    coin: string;
    method: LiquidationMethod;
    count: number;
    notionalUsd: number;
    longs: number;
    shorts: number;
    lastAt: string;
  }[];
  patterns: Finding[];
  recent: {
    id: string;
    at: string;
    coin: string;
    method: LiquidationMethod;
    liquidatedSide: "long" | "short";
    px: number;
    size: number;
    notionalUsd: number;
    liquidatedUser: string | null;
    counterparty: string | null;
  }[];
}

/** `GET /ml/status`. */
export interface MlStatus {
  available: boolean;
  models: {
    id: string;
    purpose: "anomaly" | "forecast";
    algorithm: string;
    version: number;
    active: boolean;
    features: string[];
    windowStart: string;
    windowEnd: string;
    trainedAt: string;
    metrics: Record<string, unknown>;
  }[];
  series: { name: string; description: string }[];
  message: string;
}

/** `GET /ml/forecast`. */
export interface Forecast {
  series: string;
  method: "arima" | "ewma";
  model: string;
  modelId: string;
  modelVersion: number;
  basedOn: { from: string; hours: number; filled: number };
  level: number;
  points: { time: string; mean: number; lower: number; upper: number }[];
}
