import {
  type Detector,
  type DetectorOutput,
  type Finding,
  type FindingChange,
  FindingTracker,
  type Observation,
  silentLogger,
} from "@kamiyo/core";
import type { z } from "zod";

/**
 * A detector output that turns signals into findings through the real FindingTracker (tenant
 * `ten_default`, the given clock) and records every change, for assertions.
 */
export function findingRecorder(detectorKind: string, now: () => number) {
  const tracker = new FindingTracker("ten_default", now);
  const changes: FindingChange[] = [];
  const out: DetectorOutput = {
    raise: (signal) => changes.push(tracker.raise(detectorKind, signal)),
    resolve: (ref, dataTime, reason) => {
      const c = tracker.resolve(detectorKind, ref, dataTime, reason);
      if (c) changes.push(c);
    },
  };
  return {
    out,
    changes,
    /** Open findings, for assertions. */
    open(): Finding[] {
      return tracker.openFindings();
    },
    /** Opened and escalated changes as "kind:subject:severity" strings, in order. */
    raised(): string[] {
      return changes
        .filter((c) => c.change === "opened" || c.change === "escalated")
        .map((c) => `${c.finding.kind}:${c.finding.subject.id}:${c.finding.severity}`);
    },
  };
}

/**
 * Runs one detector against observations on a hand-driven clock and records the finding
 * changes it causes, through the real FindingTracker.
 */
export function detectorHarness<S extends z.ZodType, O extends Observation>(
  detector: Detector<string, S, O>,
  config: z.input<S> = {} as z.input<S>,
) {
  let now = 0;
  const recorder = findingRecorder(detector.kind, () => now);
  const { out, changes } = recorder;
  const instance = detector.create(detector.config.parse(config), {
    now: () => now,
    log: silentLogger,
  });
  return {
    changes,
    /** Sets the clock and feeds one observation. */
    observe(obs: O, at: number = obs.time): void {
      now = at;
      instance.observe(obs, out);
    },
    /** Sets the clock and runs the detector's tick. */
    tick(at: number): void {
      now = at;
      instance.tick?.(at, out);
    },
    open: recorder.open,
    raised: recorder.raised,
  };
}
