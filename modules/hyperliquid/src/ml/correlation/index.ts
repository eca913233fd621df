export { type CorrelatorConfig, correlatorConfig } from "./config.ts";
export {
  assertCorrelationEvent,
  CORRELATION_CATEGORIES,
  type CorrelationCategory,
  type CorrelationEvent,
  type CorrelationSource,
  mergeVersions,
  normalizeAsset,
  protocolKey,
  type TechniqueTag,
} from "./correlation-event.ts";
export {
  type CorrelatorOptions,
  type CorrelatorStats,
  CrossProtocolCorrelator,
  type ObserveResult,
} from "./correlator.ts";
export {
  CORRELATOR_DETECTOR,
  deviatingVenues,
  type FindingAdapterOptions,
  type FindingOrigin,
  fromFinding,
  HYPERLIQUID_ORIGIN,
} from "./from-finding.ts";
export {
  fromIncident,
  type IncidentLike,
  type IncidentTime,
  type IncidentTimeOptions,
  incidentTime,
  techniqueTags,
} from "./from-incident.ts";
export { fromLiquidationEvent } from "./from-liquidation.ts";
export { type ReplayResult, replayCorrelations } from "./history.ts";
export { correlationSeverity, type LiquidationTotals, liquidationTotals } from "./measures.ts";
export {
  bridgeExploitChain,
  flashLoanCascade,
  liquidationCascade,
  oracleArbitrage,
  PATTERN_KINDS,
  PATTERNS,
  type Pattern,
  type PatternKind,
  type PatternMatch,
} from "./patterns.ts";
