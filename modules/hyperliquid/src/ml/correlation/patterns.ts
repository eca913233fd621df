import type { Evidence, Subject } from "@kamiyo/core";
import { usd as formatUsd } from "@kamiyo/core";
import type { CorrelatorConfig } from "./config.ts";
import type { CorrelationEvent } from "./correlation-event.ts";
import { byTimeThenId, dimensions, distinct, liquidationTotals, lossTotal } from "./measures.ts";
import { comparisonsOf, type WindowStats } from "./window-stats.ts";

/** The correlation patterns; each is the `kind` of the findings it raises. */
export const PATTERN_KINDS = [
  "liquidation-cascade",
  "oracle-arbitrage",
  "flash-loan-cascade",
  "bridge-exploit-chain",
] as const;
export type PatternKind = (typeof PATTERN_KINDS)[number];

/** What a pattern found in a set of events. */
export interface PatternMatch {
  /** The events that take part, by time then id. */
  members: CorrelationEvent[];
  /** Liquidated notional plus known exploit losses of the members, USD. */
  totalUsd: number;
  /** Occurrences: liquidations (counted once each) for a cascade, member events otherwise. */
  eventCount: number;
  /** Protocols that count towards the pattern's protocol rules. */
  protocols: string[];
  /** Pattern-specific evidence. */
  extra: Evidence;
}

/** A pattern: which events are its candidates and in which group, and when it holds. */
export interface Pattern {
  readonly kind: PatternKind;
  /** The group an event is a candidate in (one correlation at a time per group), or null. */
  groupOf(e: CorrelationEvent): string | null;
  /**
   * Whether the pattern holds over one group's events of one window (`windowStart` is the
   * window's lower bound: aggregates whose span starts earlier do not count).
   */
  match(
    events: readonly CorrelationEvent[],
    windowStart: number,
    c: CorrelatorConfig,
  ): PatternMatch | null;
  /**
   * False when the pattern cannot hold on a window with these figures (upper bounds): a cheap
   * check before `match`, so a flood of small events costs linear time.
   */
  mayHold(s: WindowStats, c: CorrelatorConfig): boolean;
  /** The figures of an episode's members, with no threshold. */
  measure(members: readonly CorrelationEvent[]): PatternMatch;
  /** The subject of the finding, fixed when the episode opens. */
  subject(opening: PatternMatch, group: string): Subject;
  title(m: PatternMatch, spanMs: number): string;
}

const sorted = (events: readonly CorrelationEvent[]) => [...events].sort(byTimeThenId);
const plural = (n: number, one: string) => `${n} ${one}${n === 1 ? "" : "s"}`;
const minutes = (ms: number) =>
  ms < 60_000 ? "under a minute" : `${(ms / 60_000).toFixed(1).replace(/\.0$/, "")} min`;

function measureLiquidations(events: readonly CorrelationEvent[], windowStart: number) {
  const t = liquidationTotals(events, windowStart);
  const members = sorted(t.counted);
  return {
    members,
    totalUsd: t.usd,
    eventCount: t.count,
    protocols: distinct(members.map((e) => e.protocol)),
    extra: {},
  };
}

/**
 * **Liquidation cascade.** Within one window, at least `liquidationMinEvents` (3) liquidations
 * whose notional exceeds `liquidationMinUsd` ($1M, strictly), across any coins and venues, on at
 * least `liquidationMinProtocols` (1) protocols. Counting per {@link liquidationTotals}.
 * One protocol is enough by default: PRODUCT.md defines this pattern by "≥ 3 events and > $1M"
 * only, and a Hyperliquid-only tenant must see the 10 Oct 2025 cascade; unlike the liquidations
 * detector (≥ 5 per coin) it counts across coins, and its evidence names every protocol.
 */
export function liquidationCascade(
  events: readonly CorrelationEvent[],
  windowStart: number,
  c: CorrelatorConfig,
): PatternMatch | null {
  const m = measureLiquidations(events, windowStart);
  const holds =
    m.eventCount >= c.liquidationMinEvents &&
    m.totalUsd > c.liquidationMinUsd &&
    m.protocols.length >= c.liquidationMinProtocols;
  return holds ? m : null;
}

function measureOracle(events: readonly CorrelationEvent[]): PatternMatch {
  const deviations = events.filter((e) => e.category === "oracle_deviation");
  const supporting = events.filter(
    (e) => e.category === "price_manipulation" || e.category === "liquidation",
  );
  const comparisons = distinct(deviations.flatMap(comparisonsOf));
  const members = sorted([...deviations, ...supporting]);
  return {
    members,
    totalUsd: liquidationTotals(supporting).usd,
    eventCount: members.length,
    protocols: distinct(members.map((e) => e.protocol)),
    extra: {
      comparisons,
      deviations: deviations.length,
      manipulations: supporting.filter((e) => e.category === "price_manipulation").length,
      liquidations: supporting.filter((e) => e.category === "liquidation").length,
    },
  };
}

/**
 * **Oracle arbitrage on one asset.** Within one window, oracle or price deviations on the same
 * asset between at least `oracleMinVenuePairs` (2) distinct pairs of independent venues
 * (Hyperliquid vs Binance and Hyperliquid vs Coinbase, or two protocols' oracles against their
 * references; a venue against itself, such as Hyperliquid's mark vs its own oracle, names no
 * pair), from at least `oracleMinMembers` (2) events, where manipulation and liquidation events
 * on the asset count as members too. So one Hyperliquid deviation finding that holds against both
 * Binance and Coinbase is not raised again alone, but is with a price move or liquidation on the
 * asset, and two venues deviating on the asset always are.
 */
export function oracleArbitrage(
  events: readonly CorrelationEvent[],
  _windowStart: number,
  c: CorrelatorConfig,
): PatternMatch | null {
  const m = measureOracle(events);
  const pairs = (m.extra.comparisons as string[]).length;
  return pairs >= c.oracleMinVenuePairs && m.eventCount >= c.oracleMinMembers ? m : null;
}

function measureFlashLoans(events: readonly CorrelationEvent[]): PatternMatch {
  const members = sorted(
    events.filter((e) => e.category === "exploit" && e.techniques.includes("flash_loan")),
  );
  return {
    members,
    totalUsd: lossTotal(members),
    eventCount: members.length,
    protocols: distinct(members.map((e) => e.protocol)),
    extra: { unknownLosses: members.filter((e) => e.usd === null).length },
  };
}

/**
 * **Flash-loan cascade.** Within one window, at least `flashLoanMinEvents` (2) exploits tagged
 * flash loan on at least `flashLoanMinProtocols` (2) distinct protocols: the same attacker
 * tooling or the same manipulated pool hitting several protocols. The same protocol twice is
 * not a cascade. Incidents take part only with a time of day (see `from-incident.ts`).
 */
export function flashLoanCascade(
  events: readonly CorrelationEvent[],
  _windowStart: number,
  c: CorrelatorConfig,
): PatternMatch | null {
  const m = measureFlashLoans(events);
  return m.eventCount >= c.flashLoanMinEvents && m.protocols.length >= c.flashLoanMinProtocols
    ? m
    : null;
}

const isExploit = (e: CorrelationEvent) => e.category === "exploit" || e.category === "outflow";
const isBridge = (e: CorrelationEvent) =>
  e.category === "exploit" && e.techniques.includes("bridge");

function measureBridge(bridge: CorrelationEvent, members: CorrelationEvent[]): PatternMatch {
  return {
    members,
    totalUsd: lossTotal(members),
    eventCount: members.length,
    protocols: distinct(members.map((e) => e.protocol)),
    extra: { bridgeExploit: bridge.id, bridgeProtocol: bridge.protocol },
  };
}

/**
 * **Bridge exploit chain.** Within one window, a bridge exploit (an exploit tagged bridge)
 * followed, at the same time or later, by at least one exploit or abnormal outflow on another
 * protocol or on a chain the bridge exploit did not name, the members spanning at least
 * `bridgeMinChains` (2) chains: stolen bridge funds or a shared bridge flaw surfacing elsewhere.
 * The earliest bridge exploit for which this holds leads the chain.
 */
export function bridgeExploitChain(
  events: readonly CorrelationEvent[],
  _windowStart: number,
  c: CorrelatorConfig,
): PatternMatch | null {
  const exploits = sorted(events.filter(isExploit));
  for (const b of exploits) {
    if (!isBridge(b)) continue;
    const followers = exploits.filter(
      (e) =>
        e !== b &&
        e.time >= b.time &&
        (e.protocol !== b.protocol || e.chains.some((ch) => !b.chains.includes(ch))),
    );
    if (followers.length === 0) continue;
    const members = sorted([b, ...followers]);
    if (distinct(members.flatMap((e) => e.chains)).length >= c.bridgeMinChains)
      return measureBridge(b, members);
  }
  return null;
}

const market = (ids: readonly string[]): Subject => ({ type: "market", id: ids.join("+") });

/** Every pattern, by kind. */
export const PATTERNS = {
  "liquidation-cascade": {
    kind: "liquidation-cascade",
    groupOf: (e) => (e.category === "liquidation" ? "all" : null),
    match: liquidationCascade,
    // Sums bound the counted figures from above; the tolerance absorbs running-sum rounding.
    mayHold: (s, c) =>
      s.countSum >= c.liquidationMinEvents &&
      s.usdSum > c.liquidationMinUsd - 1e-6 * Math.max(1, c.liquidationMinUsd) &&
      s.protocols.distinct >= c.liquidationMinProtocols,
    measure: (members) => measureLiquidations(members, Number.NEGATIVE_INFINITY),
    subject: (m) => market(m.protocols),
    title: (m, span) => {
      const d = dimensions(m.members);
      return `Liquidation cascade: ${plural(m.eventCount, "liquidation")}, ${formatUsd(m.totalUsd)} across ${plural(d.assets.length, "asset")} on ${d.protocols.join(", ")} in ${minutes(span)}`;
    },
  },
  "oracle-arbitrage": {
    kind: "oracle-arbitrage",
    groupOf: (e) =>
      e.asset !== null &&
      (e.category === "oracle_deviation" ||
        e.category === "price_manipulation" ||
        e.category === "liquidation")
        ? e.asset
        : null,
    match: oracleArbitrage,
    mayHold: (s, c) =>
      s.comparisons.distinct >= c.oracleMinVenuePairs && s.events >= c.oracleMinMembers,
    measure: measureOracle,
    subject: (_m, asset) => ({ type: "asset", id: asset }),
    title: (m) => {
      const pairs = m.extra.comparisons as string[];
      const others = m.eventCount - (m.extra.deviations as number);
      const asset = m.members[0]?.asset ?? "?";
      return `Oracle arbitrage on ${asset}: prices deviate across ${plural(pairs.length, "venue pair")} (${pairs.join(", ")})${others > 0 ? ` with ${plural(others, "manipulation or liquidation signal")}` : ""}`;
    },
  },
  "flash-loan-cascade": {
    kind: "flash-loan-cascade",
    groupOf: (e) =>
      e.category === "exploit" && e.techniques.includes("flash_loan") ? "all" : null,
    match: flashLoanCascade,
    mayHold: (s, c) =>
      s.events >= c.flashLoanMinEvents && s.protocols.distinct >= c.flashLoanMinProtocols,
    measure: measureFlashLoans,
    subject: (m) => market(m.protocols),
    title: (m, span) =>
      `Flash-loan cascade: ${plural(m.eventCount, "exploit")} on ${m.protocols.join(", ")} in ${minutes(span)}, ${formatUsd(m.totalUsd)} known lost`,
  },
  "bridge-exploit-chain": {
    kind: "bridge-exploit-chain",
    groupOf: (e) => (isExploit(e) ? "all" : null),
    match: bridgeExploitChain,
    mayHold: (s, c) => s.bridges >= 1 && s.events >= 2 && s.chains.distinct >= c.bridgeMinChains,
    measure: (members) => {
      const all = sorted(members);
      const bridge = all.find(isBridge) ?? all[0];
      return bridge
        ? measureBridge(bridge, all)
        : { members: [], totalUsd: 0, eventCount: 0, protocols: [], extra: {} };
    },
    subject: (m) => ({ type: "market", id: String(m.extra.bridgeProtocol) }),
    title: (m, span) =>
      `Bridge exploit chain from ${String(m.extra.bridgeProtocol)}: ${plural(m.eventCount, "exploit")} across ${dimensions(m.members).chains.join(", ")} in ${minutes(span)}, ${formatUsd(m.totalUsd)} known lost`,
  },
} as const satisfies Record<PatternKind, Pattern>;
