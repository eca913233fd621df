import type { z } from "zod";
import type { Clock } from "./clock.ts";
import type { HttpClient } from "./http.ts";
import type { IoTracker } from "./io-tracker.ts";
import type { Logger } from "./logger.ts";
import type { Observation, ObservationOf } from "./observation.ts";
import type { Random } from "./random.ts";

/** Health of one source as shown by readiness checks and metrics. */
export interface SourceHealth {
  status: "starting" | "up" | "degraded" | "down";
  detail: string;
  /** Clock time of the last observation emitted, epoch ms. */
  lastDataAt: number | null;
  /** Counters (requests, errors, reconnects, dropped and malformed messages, ...). */
  counters: Record<string, number>;
}

/** Everything a source may use: never globals. `O` is its module's observation union. */
export interface SourceContext<O extends Observation = Observation> {
  /** Aborts when the pipeline stops; `run` must then return. */
  signal: AbortSignal;
  log: Logger;
  clock: Clock;
  random: Random;
  http: HttpClient;
  /** Counts real I/O in flight (WebSocket acks and pings; HTTP is counted by `http`). */
  io: IoTracker;
  /** Pushes an observation into the pipeline. @returns false when the pipeline's queue was full (dropped, counted). */
  emit(obs: O): boolean;
  /** Receives every raw WebSocket frame a source reads, with its replay-format `src` (recorders). */
  tapFrame?(src: string, text: string): void;
  /** Calls `fn` with every observation of `type` the pipeline routes (from any source). */
  watch<T extends O["type"]>(type: T, fn: (obs: ObservationOf<O, T>) => void): void;
}

/** A running source. */
export interface SourceInstance {
  /** Runs until the context's signal aborts. Failures are handled inside (retry, mark unhealthy), never thrown. */
  run(): Promise<void>;
  health(): SourceHealth;
}

/** A source plug-in: a literal kind, its config schema and a factory. */
export interface Source<
  K extends string = string,
  S extends z.ZodType = z.ZodType,
  O extends Observation = Observation,
> {
  readonly kind: K;
  readonly description: string;
  readonly config: S;
  create(config: z.output<S>, ctx: SourceContext<O>): SourceInstance;
}
