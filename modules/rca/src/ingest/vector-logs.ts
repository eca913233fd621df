import { z } from "zod";
import type { IngestRejection, LogErrorBurstEvent } from "./events.ts";
import { type ErrorLevel, errorLevelOf } from "./log-level.ts";

/** One container log line as Vector's `kubernetes_logs` source emits it, reduced to what we read. */
export interface VectorLogRecord {
  /** Epoch ms. */
  readonly at: number;
  readonly message: string;
  readonly namespace: string;
  readonly pod: string;
  readonly container?: string;
  readonly stream?: string;
  readonly podLabels?: Readonly<Record<string, string>>;
  readonly node?: string;
}

const recordSchema = z.object({
  message: z.unknown(),
  timestamp: z.string(),
  stream: z.string().nullish(),
  kubernetes: z.object({
    pod_name: z.string().min(1),
    pod_namespace: z.string().min(1),
    container_name: z.string().nullish(),
    pod_labels: z.record(z.string(), z.string()).nullish(),
    pod_node_name: z.string().nullish(),
  }),
});

/** The records of one body and the items that could not be read. */
export interface ParsedVectorLogs {
  readonly records: readonly VectorLogRecord[];
  readonly rejected: readonly IngestRejection[];
}

/**
 * Parses what Vector's `http` sink posts from a `kubernetes_logs` source: a JSON array
 * (`encoding.codec = "json"`) or NDJSON (`framing.method = "newline_delimited"`), already
 * decompressed. Each event needs `timestamp`, `kubernetes.pod_name` and `kubernetes.pod_namespace`;
 * a non-string `message` (Vector parsed it) is kept as its JSON. Items that fail are listed with
 * why (NDJSON items by line index), never thrown; a body that is neither form throws an `Error`.
 */
export function parseVectorLogs(body: string): ParsedVectorLogs {
  const text = body.trim();
  let items: unknown[];
  if (text.startsWith("[")) {
    try {
      items = JSON.parse(text) as unknown[];
    } catch (err) {
      throw new Error(`Vector body is not a JSON array: ${(err as Error).message}`);
    }
  } else items = text === "" ? [] : text.split("\n").map(parseLine);
  const records: VectorLogRecord[] = [];
  const rejected: IngestRejection[] = [];
  items.forEach((item, index) => {
    if (item instanceof Error) {
      rejected.push({ index, reason: item.message });
      return;
    }
    const parsed = recordSchema.safeParse(item);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      rejected.push({ index, reason: `${issue?.path.join(".") || "(root)"}: ${issue?.message}` });
      return;
    }
    const r = parsed.data;
    const at = Date.parse(r.timestamp);
    if (!Number.isFinite(at)) {
      rejected.push({ index, reason: `timestamp ${JSON.stringify(r.timestamp)} is not a time` });
      return;
    }
    const k = r.kubernetes;
    records.push({
      at,
      message: typeof r.message === "string" ? r.message : JSON.stringify(r.message ?? ""),
      namespace: k.pod_namespace,
      pod: k.pod_name,
      ...(k.container_name ? { container: k.container_name } : {}),
      ...(r.stream ? { stream: r.stream } : {}),
      ...(k.pod_labels ? { podLabels: k.pod_labels } : {}),
      ...(k.pod_node_name ? { node: k.pod_node_name } : {}),
    });
  });
  return { records, rejected };
}

function parseLine(line: string): unknown {
  if (line.trim() === "") return new Error("empty line");
  try {
    return JSON.parse(line);
  } catch (err) {
    return new Error(`not JSON: ${(err as Error).message}`);
  }
}

const MINUTE = 60_000;
const SAMPLE_CHARS = 1000;

interface Bucket {
  resource: string;
  windowStart: number;
  count: number;
  last: number;
  byLevel: Record<string, number>;
  containers: Set<string>;
  sample: string;
  sampleAt: number;
}

/** What the aggregator dropped, counted. */
export interface LogBurstStats {
  /** Lines read. */
  lines: number;
  /** Of them, error lines. */
  errors: number;
  /** Error lines for a minute already flushed. */
  late: number;
  /** Error lines refused because `maxOpenBuckets` pod-minutes were open. */
  overflow: number;
}

/**
 * Groups error lines ({@link errorLevelOf}) per pod per minute into "log error burst" events.
 * Feed it records with {@link add}; {@link flush} closes the minutes that ended at or before a
 * time (give it `now − grace`, so late lines of the last minute still land) and returns their
 * events, oldest first. Memory is bounded by `maxOpenBuckets` open pod-minutes (default 10,000,
 * each holding counts and one sample line of at most 1,000 characters).
 */
export class LogBurstAggregator {
  readonly stats: LogBurstStats = { lines: 0, errors: 0, late: 0, overflow: 0 };
  private readonly buckets = new Map<string, Bucket>();
  private flushedUpTo = Number.NEGATIVE_INFINITY;

  private readonly maxOpenBuckets: number;

  constructor(opts: { readonly maxOpenBuckets?: number } = {}) {
    this.maxOpenBuckets = opts.maxOpenBuckets ?? 10_000;
  }

  add(records: Iterable<VectorLogRecord>): void {
    for (const r of records) {
      this.stats.lines++;
      const level = errorLevelOf(r.message);
      if (!level) continue;
      this.stats.errors++;
      const windowStart = Math.floor(r.at / MINUTE) * MINUTE;
      if (windowStart + MINUTE <= this.flushedUpTo) {
        this.stats.late++;
        continue;
      }
      const resource = `pod/${r.namespace}/${r.pod}`;
      const key = `${resource}@${windowStart}`;
      let b = this.buckets.get(key);
      if (!b) {
        if (this.buckets.size >= this.maxOpenBuckets) {
          this.stats.overflow++;
          continue;
        }
        b = {
          resource,
          windowStart,
          count: 0,
          last: r.at,
          byLevel: {},
          containers: new Set(),
          sample: "",
          sampleAt: Number.POSITIVE_INFINITY,
        };
        this.buckets.set(key, b);
      }
      this.count(b, r, level);
    }
  }

  private count(b: Bucket, r: VectorLogRecord, level: ErrorLevel): void {
    if (r.at < b.sampleAt) {
      b.sample = r.message.slice(0, SAMPLE_CHARS);
      b.sampleAt = r.at;
    }
    b.count++;
    b.last = Math.max(b.last, r.at);
    b.byLevel[level] = (b.byLevel[level] ?? 0) + 1;
    if (r.container) b.containers.add(r.container);
  }

  /** Events of every pod-minute that ended at or before `upTo` (epoch ms), oldest first. */
  flush(upTo: number): LogErrorBurstEvent[] {
    this.flushedUpTo = Math.max(this.flushedUpTo, upTo);
    const out: LogErrorBurstEvent[] = [];
    for (const [key, b] of this.buckets) {
      if (b.windowStart + MINUTE > upTo) continue;
      this.buckets.delete(key);
      out.push({
        kind: "log_error_burst",
        resource: b.resource,
        occurredAt: b.last,
        severity: b.byLevel.fatal || b.byLevel.panic ? "critical" : "warning",
        dedupeKey: `log:${b.resource}:${b.windowStart}`,
        windowStart: b.windowStart,
        windowEnd: b.windowStart + MINUTE,
        count: b.count,
        byLevel: { ...b.byLevel },
        containers: [...b.containers].sort(),
        sample: b.sample,
      });
    }
    return out.sort(
      (a, b) => a.windowStart - b.windowStart || a.resource.localeCompare(b.resource),
    );
  }
}

/** The error bursts of a batch of records, all minutes closed: the aggregator in one call. */
export function logErrorBursts(records: Iterable<VectorLogRecord>): LogErrorBurstEvent[] {
  const agg = new LogBurstAggregator();
  agg.add(records);
  return agg.flush(Number.POSITIVE_INFINITY);
}
