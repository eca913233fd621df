/**
 * Observations: what sources turn outside feeds into and detectors read. Each product module
 * defines its own as a union of variants told apart by `type` (the Hyperliquid monitor's
 * `HlObservation`); the pipeline routes them by `type` and knows nothing else of them.
 */
export interface Observation {
  /** The variant, unique across the composed modules' observations (e.g. `market`, `fills`). */
  readonly type: string;
  /** The data's own time (epoch ms) where the payload carries one, else the clock time at receipt. */
  readonly time: number;
}

/** The variant of the observation union `O` with the given `type`. */
export type ObservationOf<O extends Observation, T extends O["type"]> = Extract<O, { type: T }>;
