import { AppError, SEVERITIES, type Severity } from "@kamiyo/core";

/** What kind of occurrence an event is; the patterns select their members by category. */
export const CORRELATION_CATEGORIES = [
  "liquidation",
  "oracle_deviation",
  "price_manipulation",
  "vault_loss",
  "exploit",
  "outflow",
] as const;
export type CorrelationCategory = (typeof CORRELATION_CATEGORIES)[number];

/**
 * Where an event came from: a monitor finding, an exploit-intelligence incident, or a raw
 * observation (a liquidation event straight from the liquidation tracker).
 */
export type CorrelationSource = "finding" | "incident" | "observation";

/** Normalised technique tags the patterns look for (see `from-incident.ts` for how they are read). */
export type TechniqueTag = "flash_loan" | "bridge" | "price_manipulation" | "oracle";

/**
 * The correlator's one input: a finding, an incident or a raw event reduced to what the patterns
 * compare. Times are epoch ms of the data (never the clock); amounts are USD.
 */
export interface CorrelationEvent {
  /**
   * Finding id, incident id or `liq:<protocol>:<event id>`. The same id observed again replaces
   * the earlier version (a finding that was updated, an incident whose loss was revised).
   */
  id: string;
  source: CorrelationSource;
  /** The detector that raised the finding (null for incidents and observations). */
  detector: string | null;
  /** The finding kind (`cascade`, `deviation`…) or null. */
  kind: string | null;
  /** Time of the latest datum, epoch ms: what places the event in a window. */
  time: number;
  /**
   * Start of the span that `count` and `usd` cover, epoch ms (an aggregate finding such as a
   * 5-minute liquidation cascade covers its own window); equal to `time` for a single occurrence.
   */
  spanStart: number;
  /** Protocol key, lower case (`hyperliquid`, `euler-finance`). */
  protocol: string;
  /** Where the price or trade lives (`hyperliquid`, `binance`), or null. */
  venue: string | null;
  /** Oracle deviations: the independent venues the price deviates from (`binance`, `coinbase`). */
  counterVenues: readonly string[];
  /** Canonical chain names (`Hyperliquid`, `Ethereum`). */
  chains: readonly string[];
  /** Normalised asset symbol (upper case, `kPEPE` → `PEPE`), or null. */
  asset: string | null;
  category: CorrelationCategory;
  /** Normalised technique tags. */
  techniques: readonly TechniqueTag[];
  /** The technique as the source writes it (`backstop`, `Flashloan Price Oracle Attack`), or null. */
  technique: string | null;
  /** USD amount: a liquidation's notional, an exploit's loss; null when unknown or not money. */
  usd: number | null;
  /** How many occurrences the event stands for (an aggregate finding's `count`); 1 for one. */
  count: number;
  /**
   * True for an aggregate whose `count` and `usd` describe a window of occurrences that other
   * events may also describe (a coin's cascade and burst findings overlap): such events are
   * never summed with their overlapping peers, see `liquidationTotals`.
   */
  aggregate: boolean;
  /**
   * The underlying occurrence when the event stands for exactly one (a liquidation's `coin:tid`),
   * so the same liquidation seen as a raw event and as a finding counts once.
   */
  ref: string | null;
  severity: Severity;
  title: string;
}

/**
 * A symbol as the patterns compare it: upper case, without Hyperliquid's `k` (×1000) prefix or a
 * `1000` prefix (`kPEPE`, `1000PEPE` and `PEPE` are one asset).
 * @returns null for an empty symbol.
 */
export function normalizeAsset(symbol: string | null | undefined): string | null {
  const s = (symbol ?? "").trim();
  if (!s) return null;
  const stripped = s.replace(/^k(?=[A-Z])/, "").replace(/^1000(?=[A-Za-z])/, "");
  return stripped.toUpperCase();
}

/** A protocol name as a key: lower case, runs of other characters as one `-` (`Euler Finance` → `euler-finance`). */
export function protocolKey(name: string): string {
  return name
    .trim()
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-|-$/g, "");
}

function invalid(e: CorrelationEvent, field: string, message: string): AppError {
  return new AppError("invalid_input", `correlation event ${JSON.stringify(e.id)}: ${message}`, {
    details: { id: e.id, field },
  });
}

/**
 * Checks an event built outside the adapters.
 * @throws AppError `invalid_input` naming the event and the field: empty id or protocol, a time
 *   that is not a finite number, `spanStart` after `time`, an unknown category or severity, a
 *   count below 1, a negative or non-finite amount.
 */
export function assertCorrelationEvent(e: CorrelationEvent): void {
  if (typeof e.id !== "string" || e.id.length === 0)
    throw new AppError("invalid_input", "correlation event: id must be a non-empty string", {
      details: { field: "id" },
    });
  if (!Number.isFinite(e.time)) throw invalid(e, "time", `time ${e.time} is not a finite epoch ms`);
  if (!Number.isFinite(e.spanStart) || e.spanStart > e.time)
    throw invalid(e, "spanStart", `spanStart ${e.spanStart} must be finite and not after time`);
  if (!e.protocol) throw invalid(e, "protocol", "protocol must be a non-empty key");
  if (!CORRELATION_CATEGORIES.includes(e.category))
    throw invalid(e, "category", `unknown category ${JSON.stringify(e.category)}`);
  if (!SEVERITIES.includes(e.severity))
    throw invalid(e, "severity", `unknown severity ${JSON.stringify(e.severity)}`);
  if (!Number.isInteger(e.count) || e.count < 1)
    throw invalid(e, "count", `count ${e.count} must be an integer of at least 1`);
  if (e.usd !== null && !(Number.isFinite(e.usd) && e.usd >= 0))
    throw invalid(e, "usd", `usd ${e.usd} must be a non-negative finite number or null`);
}

/**
 * The event that replaces `prev` when the same id is observed again. The newer version wins,
 * except for aggregates, whose sliding windows move on: their count and amount keep the largest
 * value seen (each version is a lower bound of what happened) and their span the earliest start.
 */
export function mergeVersions(prev: CorrelationEvent, next: CorrelationEvent): CorrelationEvent {
  const time = Math.max(prev.time, next.time);
  if (!(prev.aggregate && next.aggregate)) return { ...next, time };
  return {
    ...next,
    time,
    spanStart: Math.min(prev.spanStart, next.spanStart),
    count: Math.max(prev.count, next.count),
    usd: prev.usd === null ? next.usd : next.usd === null ? prev.usd : Math.max(prev.usd, next.usd),
  };
}
