import type { Logger } from "@kamiyo/core";
import type { AnyMonitorConfig, PipelinePlugins } from "@kamiyo/monitor";
import type { LineSources, ReplayLine } from "./format.ts";

/** A recorded request and its answer, or a REST poll: what the protocol server answers from. */
export type ExchangeLine = Exclude<ReplayLine, { src: "meta" }>;

/** A local server speaking a product line's recorded protocols (its sources connect to it). */
export interface ReplayProtocolServer<S extends object = object> {
  /** The base URL its sources are pointed at. */
  readonly url: string;
  /** What it answered and could not answer, for the replay's summary. */
  readonly stats: S;
  /** Makes a recorded exchange (request and answer) available. */
  load(line: ExchangeLine): void;
  /** Sends a recorded frame on the live connections now. */
  push(frame: unknown): void;
  /** Resolves once every pushed frame was received by the sources. */
  barrier(): Promise<void>;
  close(): Promise<void>;
}

/**
 * What a product module brings to record and replay: the server of its protocols, the plug-ins
 * its pipeline runs, and how settings are aimed at that server. `I` is the module's settings
 * input, `C` its parsed settings, `S` its server's counters.
 */
export interface ReplayModule<I, C extends AnyMonitorConfig, S extends object = object> {
  /** The sources its recordings use: frames are pushed live, every other line is an exchange. */
  lines: LineSources;
  startServer(log: Logger): Promise<ReplayProtocolServer<S>>;
  plugins: PipelinePlugins;
  /** The settings parsed, with every source aimed at the server at `url`. */
  config(input: I, url: string): C;
}
