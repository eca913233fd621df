import type { Severity } from "@kamiyo/core";
import { usd as formatUsd } from "@kamiyo/core";
import type { LiquidationEvent } from "../../observations.ts";
import { type CorrelationEvent, normalizeAsset, protocolKey } from "./correlation-event.ts";
import { type FindingOrigin, HYPERLIQUID_ORIGIN } from "./from-finding.ts";

/**
 * One liquidation (or ADL fill) as a correlation event: exact counts and notional, where
 * findings give only lower bounds. Its `ref` is the event id (`coin:tid`), the trade id a
 * `large-liquidation` finding carries, so feeding both counts the liquidation once.
 * @param origin the protocol it happened on; default Hyperliquid.
 */
export function fromLiquidationEvent(
  e: LiquidationEvent,
  origin: FindingOrigin = HYPERLIQUID_ORIGIN,
): CorrelationEvent {
  const protocol = protocolKey(origin.protocol);
  const severity: Severity =
    e.notionalUsd >= 10_000_000 ? "critical" : e.notionalUsd >= 1_000_000 ? "high" : "info";
  const what = e.method === "adl" ? "ADL" : `${e.method} liquidation`;
  return {
    id: `liq:${protocol}:${e.id}`,
    source: "observation",
    detector: null,
    kind: null,
    time: e.time,
    spanStart: e.time,
    protocol,
    venue: origin.venue,
    counterVenues: [],
    chains: [...origin.chains],
    asset: normalizeAsset(e.coin),
    category: "liquidation",
    techniques: [],
    technique: e.method,
    usd: Number.isFinite(e.notionalUsd) && e.notionalUsd >= 0 ? e.notionalUsd : null,
    count: 1,
    aggregate: false,
    ref: e.id,
    severity,
    title: `${what} of ${formatUsd(e.notionalUsd)} ${e.coin} ${e.liquidatedSide}`,
  };
}
