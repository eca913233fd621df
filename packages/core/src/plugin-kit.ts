import type { z } from "zod";
import type { Detector } from "./detector.ts";
import type { Observation } from "./observation.ts";
import type { Source } from "./source.ts";

/**
 * The declarers of a module's plug-ins over its observation union `O`: a module calls this once
 * (`export const { defineSource, defineDetector } = pluginKit<MyObservation>()`), and its
 * sources emit, and its detectors read, `O`'s variants with their types narrowed by `type`.
 */
export function pluginKit<O extends Observation>() {
  return {
    /** Declares a source; the identity function that keeps its literal kind and config types. */
    defineSource<const K extends string, S extends z.ZodType>(
      source: Source<K, S, O>,
    ): Source<K, S, O> {
      return source;
    },
    /** Declares a detector; the identity function that keeps its literal kind and config types. */
    defineDetector<const K extends string, S extends z.ZodType>(
      detector: Detector<K, S, O>,
    ): Detector<K, S, O> {
      return detector;
    },
  };
}
