import { z } from "zod";
import type { CallEdge } from "./remote-write.ts";

const attribute = z.object({
  key: z.string(),
  value: z.object({ stringValue: z.string().optional() }).optional(),
});

const span = z.object({
  traceId: z.string().min(1),
  spanId: z.string().min(1),
  parentSpanId: z.string().optional(),
});

/**
 * What we read of an OTLP/HTTP JSON `ExportTraceServiceRequest`: each span's ids and its
 * resource's `service.name` (with `k8s.namespace.name` or `service.namespace` when given).
 */
const exportRequest = z.object({
  resourceSpans: z
    .array(
      z.object({
        resource: z.object({ attributes: z.array(attribute).optional() }).optional(),
        scopeSpans: z.array(z.object({ spans: z.array(span).optional() })).optional(),
      }),
    )
    .optional(),
});

/** What one export request added. */
export interface TraceBatchResult {
  readonly spans: number;
  /** Spans whose resource has no `service.name`: not counted in the graph. */
  readonly withoutService: number;
  /** Parent spans that children wait for (they may come in a later request). */
  readonly pending: number;
}

/**
 * Service call edges from OTLP/HTTP JSON traces: a span whose parent span belongs to another
 * `service.name` is one call from the parent's service to the child's, and {@link edges} counts
 * them. Parents often arrive after their children (a parent span ends last), so a child waits
 * until its parent is seen. Memory is bounded: at most `maxSpans` span → service entries and
 * `maxPending` awaited parents are kept, the oldest forgotten first (counted in `forgotten`).
 */
export class TraceCallGraph {
  /** Awaited parents forgotten, with their waiting children, to keep within `maxPending`. */
  forgotten = 0;
  private readonly serviceOf = new Map<string, string>();
  private readonly pending = new Map<string, string[]>();
  private readonly counts = new Map<string, number>();
  private readonly maxSpans: number;
  private readonly maxPending: number;

  constructor(opts: { readonly maxSpans?: number; readonly maxPending?: number } = {}) {
    this.maxSpans = opts.maxSpans ?? 100_000;
    this.maxPending = opts.maxPending ?? 100_000;
  }

  /** Adds one export request's spans. Throws an `Error` naming the problem when it is not one. */
  add(payload: unknown): TraceBatchResult {
    const parsed = exportRequest.safeParse(payload);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new Error(
        `not an OTLP traces export: ${issue?.path.join(".") || "(root)"}: ${issue?.message}`,
      );
    }
    let spans = 0;
    let withoutService = 0;
    for (const rs of parsed.data.resourceSpans ?? []) {
      const attr = (key: string) =>
        rs.resource?.attributes?.find((a) => a.key === key)?.value?.stringValue;
      // `<namespace>/<name>` when the resource says its namespace (the collector's k8sattributes
      // processor adds `k8s.namespace.name`), else the name alone.
      const name = attr("service.name");
      const namespace = attr("k8s.namespace.name") ?? attr("service.namespace");
      const service = name && namespace ? `${namespace}/${name}` : name;
      for (const ss of rs.scopeSpans ?? [])
        for (const s of ss.spans ?? []) {
          spans++;
          if (!service) {
            withoutService++;
            continue;
          }
          this.addSpan(s.traceId.toLowerCase(), s.spanId.toLowerCase(), s.parentSpanId, service);
        }
    }
    return { spans, withoutService, pending: this.pending.size };
  }

  private addSpan(trace: string, id: string, parentId: string | undefined, service: string): void {
    const key = `${trace}/${id}`;
    remember(this.serviceOf, key, service, this.maxSpans);
    const children = this.pending.get(key);
    if (children) {
      this.pending.delete(key);
      for (const child of children) this.count(service, child);
    }
    // A span is also a parent of the children that wait for it; they are keyed by its id above.
    if (!parentId) return;
    const parentKey = `${trace}/${parentId.toLowerCase()}`;
    const parentService = this.serviceOf.get(parentKey);
    if (parentService) this.count(parentService, service);
    else {
      const waiting = this.pending.get(parentKey) ?? [];
      waiting.push(service);
      if (remember(this.pending, parentKey, waiting, this.maxPending)) this.forgotten++;
    }
  }

  private count(from: string, to: string): void {
    if (from === to) return;
    const k = `${from}\u0000${to}`;
    this.counts.set(k, (this.counts.get(k) ?? 0) + 1);
  }

  /** CALLS edges caller → callee, weighted by how many calls were seen, heaviest first. */
  edges(): CallEdge[] {
    return [...this.counts.entries()]
      .map(([k, weight]) => {
        const [source = "", target = ""] = k.split("\u0000");
        return { source, target, weight };
      })
      .sort((a, b) => b.weight - a.weight || a.source.localeCompare(b.source));
  }
}

/** Sets `key` (newest last) and forgets the oldest entry past `max`; true when one was forgotten. */
function remember<V>(map: Map<string, V>, key: string, value: V, max: number): boolean {
  map.delete(key);
  map.set(key, value);
  if (map.size <= max) return false;
  const oldest = map.keys().next().value;
  if (oldest !== undefined) map.delete(oldest);
  return true;
}
