import type { Severity } from "@kamiyo/core";
import type { CorrelationEvent } from "./correlation-event.ts";

/** Liquidations counted once each, and the events that were counted. */
export interface LiquidationTotals {
  count: number;
  usd: number;
  counted: CorrelationEvent[];
}

/**
 * How many liquidations, and how much notional, a set of liquidation events stands for, never
 * counting one liquidation twice:
 * - per protocol and asset, single occurrences are summed, once per `ref` (a liquidation seen as
 *   a raw event and as a `large-liquidation` finding shares its trade id);
 * - aggregates of that protocol and asset (cascade, burst, backstop and ADL findings overlap one
 *   another and the singles) are not summed: the group counts the largest of the singles' sum and
 *   any one aggregate, separately for count and notional. Figures from findings are therefore
 *   lower bounds; raw liquidation events make them exact.
 * @param windowStart aggregates whose span starts before this are left out (their count may
 *   include liquidations outside the window); default: none is left out.
 */
export function liquidationTotals(
  events: readonly CorrelationEvent[],
  windowStart = Number.NEGATIVE_INFINITY,
): LiquidationTotals {
  const groups = new Map<
    string,
    { singles: Map<string, number>; aggCount: number; aggUsd: number }
  >();
  const counted: CorrelationEvent[] = [];
  for (const e of events) {
    if (e.category !== "liquidation") continue;
    if (e.aggregate && e.spanStart < windowStart) continue;
    counted.push(e);
    const key = `${e.protocol}|${e.asset ?? "*"}`;
    let g = groups.get(key);
    if (!g) {
      g = { singles: new Map(), aggCount: 0, aggUsd: 0 };
      groups.set(key, g);
    }
    if (e.aggregate) {
      g.aggCount = Math.max(g.aggCount, e.count);
      g.aggUsd = Math.max(g.aggUsd, e.usd ?? 0);
    } else {
      const ref = e.ref ?? e.id;
      g.singles.set(ref, Math.max(g.singles.get(ref) ?? 0, e.usd ?? 0));
    }
  }
  let count = 0;
  let usd = 0;
  for (const g of groups.values()) {
    let singlesUsd = 0;
    for (const v of g.singles.values()) singlesUsd += v;
    count += Math.max(g.singles.size, g.aggCount);
    usd += Math.max(singlesUsd, g.aggUsd);
  }
  return { count, usd, counted };
}

/** Sorted distinct non-empty values. */
export function distinct(values: Iterable<string | null | undefined>): string[] {
  const set = new Set<string>();
  for (const v of values) if (v) set.add(v);
  return [...set].sort();
}

/** The protocols, venues, chains and assets of some events, each sorted and distinct. */
export function dimensions(events: readonly CorrelationEvent[]): {
  protocols: string[];
  venues: string[];
  chains: string[];
  assets: string[];
} {
  return {
    protocols: distinct(events.map((e) => e.protocol)),
    venues: distinct(events.flatMap((e) => [e.venue, ...e.counterVenues])),
    chains: distinct(events.flatMap((e) => e.chains)),
    assets: distinct(events.map((e) => e.asset)),
  };
}

/** Sum of the known amounts of events that are not liquidations (exploit losses), USD. */
export function lossTotal(events: readonly CorrelationEvent[]): number {
  let total = 0;
  for (const e of events) if (e.category !== "liquidation") total += e.usd ?? 0;
  return total;
}

/**
 * A correlation's severity: critical when its total reaches `criticalUsd` or it spans at least
 * `criticalProtocols` protocols (an event that size, or that wide, is systemic); high otherwise
 * (two or more related signals within minutes are always worth a look).
 */
export function correlationSeverity(
  totalUsd: number,
  protocols: number,
  c: { criticalUsd: number; criticalProtocols: number },
): Severity {
  return totalUsd >= c.criticalUsd || protocols >= c.criticalProtocols ? "critical" : "high";
}

/** Orders events by time, then id (plain code-unit order, locale-free so runs are reproducible). */
export function byTimeThenId(a: CorrelationEvent, b: CorrelationEvent): number {
  return a.time - b.time || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}
