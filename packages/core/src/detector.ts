import type { z } from "zod";
import type { Signal, SignalRef } from "./finding.ts";
import type { Logger } from "./logger.ts";
import type { Observation } from "./observation.ts";

/** Where a detector sends what it concludes. */
export interface DetectorOutput {
  /** The condition holds (opens a finding, or refreshes the open one). */
  raise(signal: Signal): void;
  /** The condition no longer holds. */
  resolve(ref: SignalRef, dataTime: number, reason: string): void;
  /**
   * An observation the detector derived (the liquidations detector's classified liquidations),
   * handed to the module's history to keep, so stored rows and findings come from one classifier
   * with one configuration. It is not routed to detectors.
   */
  keep?(obs: Observation): void;
}

/** What a detector may use besides its observations: never globals. */
export interface DetectorContext {
  /** Clock time, epoch ms (virtual in replays). */
  now(): number;
  log: Logger;
}

/**
 * A running detector: a function of its observations, its own state and the clock. `O` is its
 * module's observation union.
 */
export interface DetectorInstance<O extends Observation = Observation> {
  /** Observation types routed to `observe`. */
  readonly accepts: readonly O["type"][];
  observe(obs: O, out: DetectorOutput): void;
  /** Called on a fixed cadence with the clock time, for conditions that depend on time passing. */
  tick?(now: number, out: DetectorOutput): void;
}

/** A detector plug-in: a literal kind, its config schema and a factory. */
export interface Detector<
  K extends string = string,
  S extends z.ZodType = z.ZodType,
  O extends Observation = Observation,
> {
  readonly kind: K;
  readonly description: string;
  readonly config: S;
  create(config: z.output<S>, ctx: DetectorContext): DetectorInstance<O>;
}
