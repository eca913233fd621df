import { readFileSync } from "node:fs";

/** A watch event as the fixtures hold it. */
export interface WatchEventJson {
  type: string;
  object: Record<string, unknown> & {
    kind: string;
    metadata: Record<string, unknown> & { name: string };
  };
}

const read = (file: string): WatchEventJson[] =>
  JSON.parse(readFileSync(new URL(`../../fixtures/k8s/${file}`, import.meta.url), "utf8"));

/** One namespace's objects as ADDED watch events (`fixtures/k8s/cluster-watch.json`). */
export const clusterWatch = (): WatchEventJson[] => read("cluster-watch.json");
/** MODIFIED events with an OOMKill, ImagePullBackOff, a NotReady node, an unavailable replica. */
export const faultsWatch = (): WatchEventJson[] => read("faults-watch.json");
/** Two real core/v1 Event watch events (cardinalhq). */
export const realEventWatch = (): WatchEventJson[] =>
  read("cardinalhq-k8sobjects-watch-events.json");

/** The watch event of the object named `name` of `kind` in `events`. */
export function objectNamed(
  events: readonly WatchEventJson[],
  kind: string,
  name: string,
): WatchEventJson {
  const e = events.find((x) => x.object.kind === kind && x.object.metadata.name === name);
  if (!e) throw new Error(`no ${kind} ${name} in the fixture`);
  return structuredClone(e);
}
