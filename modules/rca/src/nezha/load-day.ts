import { existsSync, readdirSync } from "node:fs";
import { basename, join } from "node:path";
import type { CallEdge, RemoteWriteSeries } from "../ingest/remote-write.ts";
import { serviceOfPod } from "../ingest/remote-write.ts";
import { ENTRY_COLUMNS, POD_COLUMNS } from "./columns.ts";
import { csvExists, num, readCsv, readText } from "./csv.ts";

/** One injected fault: the ground truth of one RCA query. */
export interface NezhaCase {
  /** `<day>#<n>`, n counting from 1 in injection order. */
  readonly id: string;
  /** The fault list's hour key ("03"). */
  readonly hour: string;
  /** Injection time, epoch ms. */
  readonly injectAt: number;
  readonly pod: string;
  /** The root-cause service: the pod name without its ReplicaSet and pod suffixes. */
  readonly service: string;
  /** Nezha's type: cpu_contention, cpu_consumed, network_delay, return, exception. */
  readonly faultType: string;
}

/** One Nezha day as the product's ingest path would receive it, with its labelled faults. */
export interface NezhaDay {
  readonly day: string;
  /** Series of the fault-injection period (rca_data), remote-write shaped. */
  readonly series: readonly RemoteWriteSeries[];
  /** Series of the normal period (construct_data): the baselines. */
  readonly normal: readonly RemoteWriteSeries[];
  /** CALLS edges between services from dependency.csv (empty when the day has none). */
  readonly calls: readonly CallEdge[];
  /**
   * The service where users' requests enter: the call graph's only root (a service that calls
   * others and is called by none), else the name in front_service.csv, when there is one.
   */
  readonly entryService?: string;
  readonly pods: readonly string[];
  readonly cases: readonly NezhaCase[];
}

/** Where a day's two folders are. */
export interface NezhaDayDirs {
  readonly day: string;
  /** `rca_data/<day>`: fault list and `metric/`. */
  readonly rca: string;
  /** `construct_data/<day>`: `metric/` of the normal period. */
  readonly construct: string;
}

/**
 * Finds a day's folders: `dir` holds `rca_data/<day>/` and `construct_data/<day>/` (the day
 * given, or the only one there), or `dir` is `rca_data/<day>` itself and `constructDir` its
 * `construct_data/<day>` (default: the sibling `../../construct_data/<day>`). Throws a message
 * naming what is missing.
 */
export function resolveNezhaDay(
  dir: string,
  opts: { day?: string; constructDir?: string } = {},
): NezhaDayDirs {
  if (existsSync(join(dir, "rca_data"))) {
    const days = readdirSync(join(dir, "rca_data")).filter((d) => /^\d{4}-\d{2}-\d{2}$/.test(d));
    const day = opts.day ?? (days.length === 1 ? days[0] : undefined);
    if (!day)
      throw new Error(`${dir}/rca_data holds ${days.length} days (${days.join(", ")}): name one`);
    return { day, rca: join(dir, "rca_data", day), construct: join(dir, "construct_data", day) };
  }
  const day = opts.day ?? basename(dir);
  const construct = opts.constructDir ?? join(dir, "..", "..", "construct_data", day);
  return { day, rca: dir, construct };
}

/**
 * Loads one Nezha day: each pod's metrics and the entry service's as remote-write series
 * (labels `__name__`, `namespace`, `pod` or `service`; NaN cells dropped, as Prometheus would
 * have no sample), the normal period's the same way, dependency.csv's service-to-service edges as
 * CALLS (edges to an address rather than a service with pods are dropped), and the fault list.
 * Reads `.csv` or `.csv.gz`. Throws when the fault list or a metric folder is missing.
 */
export function loadNezhaDay(dirs: NezhaDayDirs, opts: { namespace?: string } = {}): NezhaDay {
  const namespace = opts.namespace ?? "default";
  const rcaMetric = join(dirs.rca, "metric");
  const constructMetric = join(dirs.construct, "metric");
  for (const d of [rcaMetric, constructMetric])
    if (!existsSync(d))
      throw new Error(`${d} not found: a Nezha day needs rca_data and construct_data`);
  const pods = podsIn(rcaMetric);
  const read = (metricDir: string) => [
    ...pods.flatMap((pod) => podSeries(join(metricDir, `${pod}_metric.csv`), namespace, pod)),
    ...entrySeries(join(metricDir, "front_service.csv"), namespace),
    ...edgeSeries(join(metricDir, "source_50.csv"), namespace, "source"),
    ...edgeSeries(join(metricDir, "destination_50.csv"), namespace, "destination"),
  ];
  const services = new Set(pods.map(serviceOfPod));
  const calls = callEdges(join(rcaMetric, "dependency.csv")).filter(
    (e) => services.has(e.source) && services.has(e.target),
  );
  // front_service.csv measures what enters the system; with a call graph that is its one root.
  const roots = [...new Set(calls.map((e) => e.source))].filter(
    (s) => !calls.some((e) => e.target === s),
  );
  const entry =
    roots.length === 1
      ? roots[0]
      : csvExists(join(rcaMetric, "front_service.csv"))
        ? readCsv(join(rcaMetric, "front_service.csv")).rows[0]?.[2]
        : undefined;
  return {
    day: dirs.day,
    series: read(rcaMetric),
    normal: read(constructMetric),
    calls,
    ...(entry ? { entryService: entry } : {}),
    pods,
    cases: faultCases(dirs),
  };
}

function podsIn(metricDir: string): string[] {
  return readdirSync(metricDir)
    .map((f) => /^(.+)_metric\.csv(\.gz)?$/.exec(f)?.[1])
    .filter((p): p is string => p !== undefined)
    .sort();
}

function podSeries(path: string, namespace: string, pod: string): RemoteWriteSeries[] {
  if (!csvExists(path)) return [];
  return columnSeries(path, POD_COLUMNS, { namespace, pod });
}

function entrySeries(path: string, namespace: string): RemoteWriteSeries[] {
  if (!csvExists(path)) return [];
  const service = readCsv(path).rows[0]?.[2] ?? "entry";
  return columnSeries(path, ENTRY_COLUMNS, { namespace, service });
}

/**
 * p50 latency per call edge (`caller_callee` columns) as `call_latency_p50_seconds{service=callee,
 * caller, reporter}`, the shape a service mesh's request-duration histogram gives per edge.
 */
function edgeSeries(path: string, namespace: string, reporter: string): RemoteWriteSeries[] {
  if (!csvExists(path)) return [];
  const csv = readCsv(path);
  const time = csv.header.indexOf("time");
  const stamps = csv.rows.map((r) => utcMs(r[time] ?? ""));
  return csv.header.flatMap((column, i) => {
    const [caller, callee, ...rest] = column.split("_");
    if (!caller || !callee || rest.length > 0 || i <= 1) return [];
    const samples = csv.rows
      .map((r, k) => ({ timestamp: stamps[k] ?? Number.NaN, value: num(r[i]) }))
      .filter((s) => Number.isFinite(s.timestamp) && Number.isFinite(s.value));
    const labels = {
      __name__: "call_latency_p50_seconds",
      namespace,
      service: callee,
      caller,
      reporter,
    };
    return [{ labels, samples }];
  });
}

function columnSeries(
  path: string,
  columns: Readonly<Record<string, string>>,
  labels: Record<string, string>,
): RemoteWriteSeries[] {
  const csv = readCsv(path);
  const time = csv.header.indexOf("Time");
  const stamps = csv.rows.map((r) => utcMs(r[time] ?? ""));
  return csv.header.flatMap((column, i) => {
    const name = columns[column];
    if (!name) return [];
    const samples = csv.rows
      .map((r, k) => ({ timestamp: stamps[k] ?? Number.NaN, value: num(r[i]) }))
      .filter((s) => Number.isFinite(s.timestamp) && Number.isFinite(s.value));
    return [{ labels: { __name__: name, ...labels }, samples }];
  });
}

/**
 * Epoch ms of a `YYYY-MM-DD HH:MM:SS[.frac]…` UTC time, to the second; NaN when it is not one.
 * The `Time` column is used rather than `TimeStamp`, which is wrong in some files (every
 * `TimeStamp` of 2022-08-22's adservice is 200,000,000 s late) while `Time` always agrees with
 * the other pods'.
 */
export function utcMs(text: string): number {
  const m = /^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}:\d{2})/.exec(text);
  return m ? Date.parse(`${m[1]}T${m[2]}Z`) : Number.NaN;
}

function callEdges(path: string): CallEdge[] {
  if (!csvExists(path)) return [];
  return readCsv(path).rows.map(([source = "", target = "", weight]) => ({
    source,
    target,
    weight: Number.isFinite(num(weight)) ? num(weight) : 1,
  }));
}

interface FaultEntry {
  inject_time: string;
  inject_timestamp: string | number;
  inject_pod: string;
  inject_type: string;
}

function faultCases(dirs: NezhaDayDirs): NezhaCase[] {
  const file = readdirSync(dirs.rca).find((f) => /fault_list\.json$/.test(f));
  if (!file) throw new Error(`${dirs.rca} has no *fault_list.json`);
  const list = JSON.parse(readText(join(dirs.rca, file))) as Record<string, FaultEntry[]>;
  // inject_time (UTC), not inject_timestamp: they disagree by up to 8 h in 2023-01-29's list, and
  // inject_time is what the metrics' clock and Nezha's own ranker use.
  const faults = Object.entries(list)
    .flatMap(([hour, entries]) =>
      entries.map((e) => ({
        hour,
        e,
        at: utcMs(e.inject_time) || Number(e.inject_timestamp) * 1000,
      })),
    )
    .sort((a, b) => a.at - b.at);
  return faults.map(({ hour, e, at }, i) => ({
    id: `${dirs.day}#${i + 1}`,
    hour,
    injectAt: at,
    pod: e.inject_pod,
    service: serviceOfPod(e.inject_pod),
    faultType: e.inject_type,
  }));
}
