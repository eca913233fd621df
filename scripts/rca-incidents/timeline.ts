/**
 * Writing one replayable incident (modules/rca/src/incidents/format.ts): its lines in time order,
 * the resourceVersions the API server would give each write, and deterministic uids.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import {
  type IncidentHeader,
  type IncidentLine,
  parseIncident,
} from "../../modules/rca/src/incidents/format.ts";

/** Object metadata as the API server returns it (the fields these incidents use). */
export interface Meta {
  name: string;
  generateName?: string;
  namespace?: string;
  uid: string;
  resourceVersion: string;
  generation?: number;
  creationTimestamp: string;
  deletionTimestamp?: string;
  deletionGracePeriodSeconds?: number;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  ownerReferences?: {
    apiVersion: string;
    kind: string;
    name: string;
    uid: string;
    controller: boolean;
    blockOwnerDeletion: boolean;
  }[];
}

/** A Kubernetes object: its type, metadata, and whatever spec and status its kind has. */
export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: Meta;
  [field: string]: unknown;
}

/** ISO time `seconds` after `t` (ISO), without milliseconds, as the API server writes times. */
export const plus = (t: string, seconds: number): string =>
  new Date(Date.parse(t) + seconds * 1000).toISOString().replace(".000Z", "Z");

/** A small deterministic generator (mulberry32), so a rebuild writes the same bytes. */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The lines of one incident being written. */
export class Timeline {
  private readonly lines: IncidentLine[] = [];
  private rv: number;
  readonly random: () => number;

  constructor(seed: number, firstResourceVersion: number) {
    this.random = seeded(seed);
    this.rv = firstResourceVersion;
  }

  /** A v4-shaped uid. */
  uid(): string {
    const hex = Array.from({ length: 32 }, () => Math.floor(this.random() * 16).toString(16));
    hex[12] = "4";
    hex[16] = "89ab"[Math.floor(this.random() * 4)] as string;
    const h = hex.join("");
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
  }

  /** The next resourceVersion of the cluster (etcd's revision: one counter for every object). */
  nextResourceVersion(): string {
    this.rv += 1 + Math.floor(this.random() * 40);
    return String(this.rv);
  }

  /** A watch event of `object` as it is now, with a new resourceVersion (a DELETE gets one too). */
  watch(at: string, type: "ADDED" | "MODIFIED" | "DELETED", object: KubeObject): void {
    object.metadata.resourceVersion = this.nextResourceVersion();
    this.lines.push({ at, kind: "watch", event: { type, object: structuredClone(object) } });
  }

  /** A Kubernetes Event as the agent's exporter posts it. */
  k8sEvent(at: string, event: Record<string, unknown>): void {
    this.lines.push({ at, kind: "k8s_event", event: structuredClone(event) });
  }

  /** Vector `kubernetes_logs` events. */
  logs(at: string, records: readonly Record<string, unknown>[]): void {
    this.lines.push({ at, kind: "logs", records: [...records] });
  }

  /** Remote-write series (labels, samples with ms timestamps). */
  samples(
    at: string,
    series: { labels: Record<string, string>; samples: { timestamp: number; value: number }[] }[],
  ): void {
    this.lines.push({ at, kind: "samples", series });
  }

  /** The call edges a trace feed reports now. */
  calls(
    at: string,
    feed: string,
    edges: { namespace: string; source: string; target: string; weight: number }[],
  ): void {
    this.lines.push({ at, kind: "calls", feed, edges });
  }

  /**
   * Writes `<dir>/<id>.ndjson.gz`: the header, then the lines in time order (stable: lines of one
   * time keep the order they were written in). Parses what it wrote back as the replayer will.
   * @returns the file and its line count.
   */
  write(dir: string, header: IncidentHeader): { file: string; lines: number } {
    const sorted = this.lines
      .map((line, i) => ({ line, i }))
      .sort((a, b) => Date.parse(a.line.at) - Date.parse(b.line.at) || a.i - b.i)
      .map((x) => x.line);
    const text = `${[header, ...sorted].map((l) => JSON.stringify(l)).join("\n")}\n`;
    parseIncident(text);
    let last = 0;
    for (const l of sorted)
      if (l.kind === "watch") {
        const rv = Number((l.event.object.metadata as Meta).resourceVersion);
        if (rv <= last) throw new Error(`${header.id}: resourceVersion ${rv} at ${l.at} goes back`);
        last = rv;
      }
    const file = join(dir, `${header.id}.ndjson.gz`);
    writeFileSync(file, gzipSync(text, { level: 9 }));
    return { file, lines: sorted.length + 1 };
  }
}
