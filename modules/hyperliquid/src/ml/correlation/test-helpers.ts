import { findingRecorder } from "@kamiyo/testing";
import type { z } from "zod";
import type { LiquidationEvent } from "../../observations.ts";
import type { correlatorConfig } from "./config.ts";
import type { CorrelationEvent } from "./correlation-event.ts";
import { CrossProtocolCorrelator, type ObserveResult } from "./correlator.ts";
import { CORRELATOR_DETECTOR } from "./from-finding.ts";
import { fromLiquidationEvent } from "./from-liquidation.ts";

/** 2025-10-10T21:15:03.127Z, the first liquidation of the 10 Oct 2025 cascade. */
export const T0 = 1_760_130_903_127;
export const MIN = 60_000;

/**
 * A correlator on a hand-driven clock whose findings go through the real FindingTracker, so
 * tests see finding ids and changes exactly as the monitor would.
 */
export function correlatorHarness(config: z.input<typeof correlatorConfig> = {}) {
  let now = T0;
  const recorder = findingRecorder(CORRELATOR_DETECTOR, () => now);
  const { out, changes } = recorder;
  const correlator = new CrossProtocolCorrelator(config, { now: () => now });
  return {
    correlator,
    changes,
    out,
    /** Sets the clock (default: the event's time) and feeds one event. */
    observe(e: CorrelationEvent, at: number = e.time): ObserveResult {
      now = at;
      return correlator.observe(e, out);
    },
    tick(at: number): void {
      now = at;
      correlator.tick(at, out);
    },
    open: recorder.open,
    raised: recorder.raised,
  };
}

let tid = 1;

/** A Hyperliquid liquidation of `usd` notional at `time`, as a correlation event. */
export function liquidation(
  time: number,
  usd: number,
  over: Partial<LiquidationEvent> = {},
  protocol = "hyperliquid",
): CorrelationEvent {
  const coin = over.coin ?? "BTC";
  const px = over.px ?? 112_000;
  const e: LiquidationEvent = {
    id: `${coin}:${tid++}`,
    time,
    coin,
    method: "market",
    liquidatedSide: "long",
    px,
    sz: usd / px,
    notionalUsd: usd,
    liquidatedUser: "0xf3f496c9486be5924a93d67e98298733bb47057c",
    counterparty: null,
    ...over,
  };
  return fromLiquidationEvent(e, { protocol, venue: protocol, chains: ["Hyperliquid"] });
}

let seq = 1;

/** A correlation event with neutral defaults; override what the case is about. */
export function event(over: Partial<CorrelationEvent> = {}): CorrelationEvent {
  const time = over.time ?? T0;
  return {
    id: `evt_${seq++}`,
    source: "finding",
    detector: "test",
    kind: null,
    time,
    spanStart: time,
    protocol: "hyperliquid",
    venue: "hyperliquid",
    counterVenues: [],
    chains: ["Hyperliquid"],
    asset: "BTC",
    category: "liquidation",
    techniques: [],
    technique: null,
    usd: null,
    count: 1,
    aggregate: false,
    ref: null,
    severity: "medium",
    title: "test event",
    ...over,
  };
}

/** A timed exploit incident event. */
export function exploit(
  time: number,
  protocol: string,
  chains: string[],
  techniques: CorrelationEvent["techniques"],
  usd: number | null = 1_000_000,
): CorrelationEvent {
  return event({
    id: `exp_${protocol}_${time}`,
    source: "incident",
    detector: null,
    time,
    protocol,
    venue: null,
    chains,
    asset: null,
    category: "exploit",
    techniques,
    usd,
  });
}
