import { z } from "zod";

/**
 * The replayable incident format (module README, "Replayable incidents"): NDJSON (gzip allowed),
 * one JSON object a line. The first line is the {@link IncidentHeader}; every other line is an
 * {@link IncidentLine} stamped `at` (ISO 8601, non-decreasing), holding what the product ingests
 * in the shape its agents send it.
 */
const iso = z.iso.datetime({ offset: true });

export const FAULT_TYPES = [
  "cpu",
  "memory",
  "network_delay",
  "error",
  "latency",
  "crash",
  "image",
  "config",
  "node",
  "unknown",
] as const;

const headerSchema = z.strictObject({
  kind: z.literal("incident"),
  version: z.literal(1),
  /** kebab-case, the file's name without `.ndjson[.gz]`. */
  id: z.string().regex(/^[a-z0-9-]+$/),
  title: z.string().min(1),
  /** What happens, in a few sentences. */
  summary: z.string().min(1),
  /** Written for the product's tests (true), not recorded from a cluster. */
  constructed: z.boolean(),
  /** The RCA query asked after the replay: a window and where the trouble shows. */
  symptom: z.strictObject({
    from: iso,
    to: iso,
    service: z.string().min(1).optional(),
    resource: z.string().min(1).optional(),
    alert: z.string().min(1).optional(),
  }),
  /** The right answer: the top candidate's service, root-cause resource, fault type and path. */
  expected: z.strictObject({
    service: z.string().min(1),
    resource: z.string().min(1),
    faultType: z.enum(FAULT_TYPES),
    /** Resource ids from the root cause to the symptom, as `Candidate.causalPath`. */
    causalPath: z.array(z.string().min(1)).min(1),
  }),
});

const remoteWriteSeries = z.strictObject({
  labels: z.record(z.string(), z.string()),
  samples: z.array(z.strictObject({ timestamp: z.number(), value: z.number() })),
});

const lineSchema = z.discriminatedUnion("kind", [
  /** A Kubernetes watch event `{type, object}` with the object as the API server returns it. */
  z.strictObject({
    at: iso,
    kind: z.literal("watch"),
    event: z.strictObject({ type: z.string(), object: z.record(z.string(), z.unknown()) }),
  }),
  /** A Kubernetes Event as an agent posts it (core/v1, events.k8s.io/v1, EnhancedEvent). */
  z.strictObject({ at: iso, kind: z.literal("k8s_event"), event: z.unknown() }),
  /** Container log lines as Vector's `kubernetes_logs` source emits them (its http sink's body). */
  z.strictObject({ at: iso, kind: z.literal("logs"), records: z.array(z.unknown()) }),
  /** Metric samples as Prometheus remote write carries them, decoded (labels, timestamp ms). */
  z.strictObject({ at: iso, kind: z.literal("samples"), series: z.array(remoteWriteSeries) }),
  /** Service call edges from traces or a mesh, replacing the feed's previous ones. */
  z.strictObject({
    at: iso,
    kind: z.literal("calls"),
    feed: z.string().min(1),
    edges: z.array(
      z.strictObject({
        namespace: z.string().min(1),
        source: z.string().min(1),
        target: z.string().min(1),
        weight: z.number().positive().optional(),
      }),
    ),
  }),
]);

export type IncidentHeader = z.infer<typeof headerSchema>;
export type IncidentLine = z.infer<typeof lineSchema>;

/** A parsed incident file. */
export interface Incident {
  readonly header: IncidentHeader;
  readonly lines: readonly IncidentLine[];
}

/**
 * Parses an incident's NDJSON text.
 * @throws Error naming the line (1-based) that is not JSON, not of the format, or earlier than the
 *   line before it.
 */
export function parseIncident(text: string): Incident {
  const raw = text.split("\n").filter((l) => l.trim() !== "");
  const parse = <T>(schema: z.ZodType<T>, line: string, n: number): T => {
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (err) {
      throw new Error(`line ${n}: not JSON: ${(err as Error).message}`);
    }
    const r = schema.safeParse(value);
    if (!r.success) {
      const i = r.error.issues[0];
      throw new Error(`line ${n}: ${i?.path.join(".") || "(root)"}: ${i?.message}`);
    }
    return r.data;
  };
  const [first, ...rest] = raw;
  if (first === undefined) throw new Error("line 1: the file is empty");
  const header = parse(headerSchema, first, 1);
  let last = Number.NEGATIVE_INFINITY;
  const lines = rest.map((l, i) => {
    const line = parse(lineSchema, l, i + 2);
    const at = Date.parse(line.at);
    if (at < last) throw new Error(`line ${i + 2}: at ${line.at} is before the line above`);
    last = at;
    return line;
  });
  return { header, lines };
}
