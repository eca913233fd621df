import {
  type DetectorOutput,
  type Finding,
  type FindingChange,
  FindingTracker,
} from "@kamiyo/core";
import type { z } from "zod";
import type { correlatorConfig } from "./config.ts";
import type { CorrelationEvent } from "./correlation-event.ts";
import { type CorrelatorStats, CrossProtocolCorrelator } from "./correlator.ts";
import { byTimeThenId } from "./measures.ts";

/** What {@link replayCorrelations} found. */
export interface ReplayResult {
  /** Every finding change, in order. */
  changes: FindingChange[];
  /** The last state of each correlation finding, by first appearance. */
  findings: Finding[];
  stats: CorrelatorStats;
}

/**
 * Correlates past events on a clock that follows their data time, as if they were seen live:
 * for a backfill (incidents with an attack time, a recorded liquidation feed) and for tests.
 * Events are sorted by time then id; the clock ticks every `tickMs` while a correlation is open
 * (as the monitor's tick does) and jumps over quiet stretches; after the last event it runs until
 * every correlation has resolved.
 * @param tickMs tick cadence, ms; default 1,000 (the monitor's).
 * @throws AppError as the correlator does (invalid config or event).
 */
export function replayCorrelations(
  events: readonly CorrelationEvent[],
  config: z.input<typeof correlatorConfig> = {},
  opts: { tenantId?: string; tickMs?: number } = {},
): ReplayResult {
  const tickMs = opts.tickMs ?? 1_000;
  const ordered = [...events].sort(byTimeThenId);
  let now = ordered[0]?.time ?? 0;
  const tracker = new FindingTracker(opts.tenantId ?? "ten_default", () => now);
  const changes: FindingChange[] = [];
  const out: DetectorOutput = {
    raise: (signal) => changes.push(tracker.raise(correlator.kind, signal)),
    resolve: (ref, dataTime, reason) => {
      const c = tracker.resolve(correlator.kind, ref, dataTime, reason);
      if (c) changes.push(c);
    },
  };
  const correlator = new CrossProtocolCorrelator(config, { now: () => now });
  let nextTick = now + tickMs;
  const tickUntil = (t: number) => {
    while (nextTick <= t) {
      if (correlator.stats().open === 0 && nextTick + tickMs <= t)
        nextTick += Math.floor((t - nextTick) / tickMs) * tickMs;
      now = nextTick;
      correlator.tick(now, out);
      nextTick += tickMs;
    }
  };
  for (const e of ordered) {
    tickUntil(e.time);
    now = Math.max(now, e.time);
    correlator.observe(e, out);
  }
  while (correlator.stats().open > 0) tickUntil(nextTick);
  const last = new Map<string, Finding>();
  for (const c of changes) last.set(c.finding.id, c.finding);
  return { changes, findings: [...last.values()], stats: correlator.stats() };
}
