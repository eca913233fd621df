/** Where an incident report came from. */
export type SourceId =
  | "defillama"
  | "defihacklabs"
  | "defihacklabs-explorer"
  | "defi-hack-chronicle"
  | "rekt"
  | "slowmist"
  | "kamiyo";

/** A loss as the source states it, when not in USD (tokens): converted only with a known price. */
export interface OriginalAmount {
  amount: number;
  /** The unit as written: ETH, BNB, USDC, a protocol token symbol… */
  unit: string;
}

/**
 * One source's report of one incident, each field normalised (dates, chains, amounts) but not
 * merged with other sources: what de-duplication works on.
 */
export interface SourceRecord {
  source: SourceId;
  /** Stable within the source across re-syncs (for example `20230313-EulerFinance`). */
  sourceKey: string;
  /** The protocol as the source names it. */
  protocol: string;
  /** UTC day of the incident, `YYYY-MM-DD`. */
  date: string;
  /**
   * When the attack happened, ISO 8601 in UTC (`2020-10-26T02:59:55.000Z`), when the source
   * records it: the DeFi-Hack-Chronicle's `attackTime.startTime`, the first data time of the
   * monitor's own loss findings. Null when the source gives a day only (the other sources).
   */
  occurredAt: string | null;
  /** Canonical chain names (see chains.ts), deduplicated; empty when unknown. */
  chains: string[];
  /** Broad class, e.g. "Protocol Logic", "Access Control", "Price Manipulation". */
  classification: string | null;
  /** Free-text technique, e.g. "Reentrancy", "Private Key Compromised". */
  technique: string | null;
  /** Loss in USD when the source gives it in USD (or a USD stablecoin); null otherwise. */
  lossUsd: number | null;
  /** The loss in the source's own unit when that is not USD. */
  original: OriginalAmount | null;
  /** Funds returned, USD, when known. */
  returnedUsd: number | null;
  /** Lower-case 0x… (EVM) or base58 (Solana) transaction hashes. */
  txHashes: string[];
  /** Where the source reports it (an article, a PoC, a row). */
  url: string | null;
}

/** A record a parser refused, and why: named by source and position (line or index). */
export interface ParseIssue {
  source: SourceId;
  /** "line 812", "record 45", "row 3". */
  at: string;
  message: string;
}

/** What a parser returns: the records it could read and the ones it refused, never throwing for bad rows. */
export interface ParseResult {
  records: SourceRecord[];
  issues: ParseIssue[];
}

/** Where one source reports an incident. */
export interface IncidentReference {
  source: SourceId;
  sourceKey: string;
  url: string | null;
  /** When Kamiyo first read this report, ISO 8601 (null before it is stored). */
  firstSeenAt: string | null;
}

/**
 * One real incident, merged from every source that reports it (see dedup/merge.ts for which
 * value wins for each field).
 */
export interface Incident {
  /** `exp_YYYYMMDD_<protocol key>`: stable across re-syncs. */
  id: string;
  protocol: string;
  /** Every other name the sources use. */
  aliases: string[];
  date: string;
  /** When the attack happened, ISO 8601: the most trusted source's time; null with days only. */
  occurredAt: string | null;
  chains: string[];
  classification: string | null;
  technique: string | null;
  lossUsd: number | null;
  original: OriginalAmount | null;
  /** True when a source gave the loss only in tokens and no USD figure exists. */
  lossUnconverted: boolean;
  returnedUsd: number | null;
  txHashes: string[];
  references: IncidentReference[];
}
