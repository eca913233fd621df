import type { Evidence, Finding } from "@kamiyo/core";
import {
  type CorrelationCategory,
  type CorrelationEvent,
  normalizeAsset,
  protocolKey,
} from "./correlation-event.ts";

/** The `detector` of the correlator's own findings; events from it are never correlated again. */
export const CORRELATOR_DETECTOR = "correlation";

/** Where a finding's detector watches. */
export interface FindingOrigin {
  protocol: string;
  venue: string;
  chains: readonly string[];
}

/** The Hyperliquid monitor's detectors (hlp, oracle, liquidations, manipulation) all watch Hyperliquid. */
export const HYPERLIQUID_ORIGIN: FindingOrigin = {
  protocol: "hyperliquid",
  venue: "hyperliquid",
  chains: ["Hyperliquid"],
};

/** Options of {@link fromFinding}. */
export interface FindingAdapterOptions {
  /** The protocol a finding is about. Default: {@link HYPERLIQUID_ORIGIN} for every finding. */
  originOf?: (f: Finding) => FindingOrigin;
}

type Mapped = Pick<
  CorrelationEvent,
  "category" | "techniques" | "technique" | "usd" | "count" | "aggregate" | "ref" | "spanStart"
> & { asset?: string | null; counterVenues?: readonly string[] };

const num = (ev: Evidence, key: string): number | null => {
  const v = ev[key];
  return typeof v === "number" && Number.isFinite(v) ? v : null;
};
const str = (ev: Evidence, key: string): string | null => {
  const v = ev[key];
  return typeof v === "string" && v.length > 0 ? v : null;
};
const loss = (v: number | null): number | null => (v !== null && v < 0 ? -v : null);

function single(f: Finding, category: CorrelationCategory, over: Partial<Mapped> = {}): Mapped {
  return {
    category,
    techniques: [],
    technique: f.kind,
    usd: null,
    count: 1,
    aggregate: false,
    ref: null,
    spanStart: f.dataAt,
    ...over,
  };
}

/** An aggregate liquidation finding (burst, cascade, backstop or ADL episode). */
function aggregate(f: Finding, spanStart: number | null, technique: string): Mapped {
  const count = num(f.evidence, "count");
  return {
    category: "liquidation",
    techniques: [],
    technique,
    usd: num(f.evidence, "notionalUsd"),
    count: count !== null && Number.isInteger(count) && count >= 1 ? count : 1,
    aggregate: true,
    ref: null,
    spanStart: Math.min(spanStart ?? f.firstDataAt, f.dataAt),
  };
}

/** Liquidations detector: single large liquidations and the per-coin aggregates. */
function liquidation(f: Finding): Mapped | null {
  const ev = f.evidence;
  switch (f.kind) {
    case "large-liquidation":
      return single(f, "liquidation", {
        technique: str(ev, "method"),
        usd: num(ev, "notionalUsd"),
        ref: str(ev, "tradeId"),
      });
    case "burst":
      return aggregate(f, f.dataAt - (num(ev, "windowMs") ?? 10_000), "burst");
    case "cascade":
      return aggregate(f, num(ev, "firstAt") ?? f.dataAt - (num(ev, "windowMs") ?? 0), "cascade");
    case "backstop":
    case "adl":
      return aggregate(f, num(ev, "firstAt"), f.kind);
    default:
      // market-cascade sums the per-coin cascades (fed themselves); repeat follows one account
      // for an hour across coins: counting either would count the same liquidations twice.
      return null;
  }
}

/**
 * The independent venues a Hyperliquid oracle deviation holds against: Binance and Coinbase
 * whose price differs from the mark (or, except for hyperps, the oracle) by at least the band
 * that raised the finding. The mark/oracle gap is within one venue and names none. When the
 * evidence lacks prices, the reported pair names the venue.
 */
export function deviatingVenues(ev: Evidence): string[] {
  const band = num(ev, "bandPct");
  const mark = num(ev, "markPx");
  const oracle = num(ev, "oraclePx");
  const usdt = num(ev, "usdtUsd") ?? 1;
  const cb = num(ev, "coinbaseUsdPx");
  const refs: [string, number | null][] = [
    ["binance", num(ev, "binancePx")],
    ["coinbase", cb === null ? null : cb / usdt],
  ];
  const out: string[] = [];
  const gap = (a: number | null, b: number) =>
    a !== null && a > 0 ? Math.abs(a / b - 1) * 100 : 0;
  for (const [venue, px] of refs) {
    if (band === null || px === null || !(px > 0)) continue;
    const worst = Math.max(gap(mark, px), ev.hyperp === true ? 0 : gap(oracle, px));
    // A hair of tolerance: evidence prices are the raw values the detector compared.
    if (worst >= band - 1e-9) out.push(venue);
  }
  const pairVenue = str(ev, "pair")?.split("/")[1];
  const noPrices = band === null || refs.every(([, px]) => px === null);
  if (noPrices && (pairVenue === "binance" || pairVenue === "coinbase")) out.push(pairVenue);
  return out;
}

/**
 * HLP findings. The monitor's own losses (a PnL loss; a liquidator vault's inherited position in
 * loss), which exploit intelligence lists as incidents of source `kamiyo`, are exploit events at
 * their data time (so a bridge exploit elsewhere followed by an HLP loss is a chain); a drawdown
 * or a negative PnL move stays a vault loss.
 */
function hlpLoss(f: Finding): Mapped | null {
  const ev = f.evidence;
  if (f.kind === "pnl-loss") {
    const worst = Math.min(
      ...["pnl1hUsd", "pnl24hUsd", "pnl7dUsd", "pnl30dUsd"].map((k) => num(ev, k) ?? 0),
    );
    const usd = loss(worst);
    return usd === null
      ? single(f, "vault_loss")
      : single(f, "exploit", { usd, technique: "Vault loss" });
  }
  if (f.kind === "drawdown") return single(f, "vault_loss");
  if (f.kind === "pnl-zscore") {
    const move = num(ev, "moveUsd");
    return move !== null && move < 0 ? single(f, "vault_loss", { usd: -move }) : null;
  }
  if (f.kind === "inherited-position") {
    const usd = loss(num(ev, "worstUnrealizedPnlUsd") ?? num(ev, "unrealizedPnlUsd"));
    const asset = normalizeAsset(str(ev, "coin"));
    return usd === null
      ? single(f, "vault_loss", { asset })
      : single(f, "exploit", { asset, usd, technique: "Inherited position loss" });
  }
  return null;
}

function mapFinding(f: Finding): Mapped | null {
  const ev = f.evidence;
  switch (f.detector) {
    case "liquidations":
      return liquidation(f);
    case "oracle":
      return f.kind === "deviation"
        ? single(f, "oracle_deviation", {
            techniques: ["oracle"],
            counterVenues: deviatingVenues(ev),
          })
        : null;
    case "manipulation":
      return ["oi-cap", "funding-spike", "oi-jump", "price-move"].includes(f.kind)
        ? single(f, "price_manipulation", { techniques: ["price_manipulation"] })
        : null;
    case "hlp":
      return hlpLoss(f);
    default:
      return null;
  }
}

/**
 * A monitor finding as a correlation event, placed at its latest datum (`dataAt`).
 *
 * Mapped: liquidations (`large-liquidation` as one liquidation keyed by its trade id; `burst`,
 * `cascade`, `backstop`, `adl` as aggregates with their `count` and `notionalUsd`), oracle
 * `deviation` (with the venues it holds against), manipulation (`oi-cap`, `funding-spike`,
 * `oi-jump`, `price-move`), and HLP losses (the monitor's own losses as exploits, see `hlpLoss`).
 * @returns null for a resolved finding (a resolution is not a new occurrence), for the
 *   correlator's own findings, and for kinds no pattern reads (`market-cascade`, `repeat`,
 *   unknown detectors): a new detector needs a line here to take part.
 */
export function fromFinding(
  f: Finding,
  options: FindingAdapterOptions = {},
): CorrelationEvent | null {
  if (f.status !== "open" || f.detector === CORRELATOR_DETECTOR) return null;
  const m = mapFinding(f);
  if (!m) return null;
  const origin = options.originOf?.(f) ?? HYPERLIQUID_ORIGIN;
  return {
    id: f.id,
    source: "finding",
    detector: f.detector,
    kind: f.kind,
    time: f.dataAt,
    spanStart: m.spanStart,
    protocol: protocolKey(origin.protocol),
    venue: origin.venue,
    counterVenues: m.counterVenues ?? [],
    chains: [...origin.chains],
    asset:
      m.asset !== undefined
        ? m.asset
        : f.subject.type === "asset"
          ? normalizeAsset(f.subject.id)
          : null,
    category: m.category,
    techniques: m.techniques,
    technique: m.technique,
    usd: m.usd,
    count: m.count,
    aggregate: m.aggregate,
    ref: m.ref,
    severity: f.severity,
    title: f.title,
  };
}
