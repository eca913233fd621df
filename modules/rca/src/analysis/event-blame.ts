import { serviceOfPod } from "../ingest/remote-write.ts";
import type { EventEvidence, FaultType, RcaInput, Resource, ResourceEvent } from "../model.ts";
import { eventEvidence } from "./event-evidence.ts";
import {
  type ChangeKind,
  compatible,
  FAILURE_CLASSES,
  type FailureClass,
  factOf,
  isHard,
  worstClass,
} from "./event-facts.ts";
import {
  downstream,
  type FaultGraph,
  faultGraph,
  faultPath,
  symptomTargets,
  topController,
} from "./fault-graph.ts";

/** How events become root causes ({@link eventRoots}). */
export interface EventRankOptions {
  /** Failures count when they happen during the window or this many minutes before it. */
  readonly recentMinutes: number;
  /** A change or a node failure explains failures that begin at most this long after it. */
  readonly horizonMinutes: number;
  /** How long before its cause a failure may seem to begin (clocks, watch delays), seconds. */
  readonly slackSeconds: number;
  /**
   * A workload rollout at most this long after a change of a ConfigMap or Secret its failing pods
   * mount is taken as that change's rollout (the edit, then `kubectl rollout restart` or Helm's
   * checksum annotation): the edit is the cause.
   */
  readonly rolloutGapMinutes: number;
  /** A root's score is its prior plus log1p of the weights of the failures it explains. */
  readonly prior: Readonly<Record<"node" | "change" | "hard" | "soft", number>>;
  /** Share of its score a root keeps when none of its failures reaches the symptom. */
  readonly unrelatedShare: number;
  /** At most this many events per root. */
  readonly evidence: number;
}

export const DEFAULT_EVENT_RANK: EventRankOptions = {
  recentMinutes: 30,
  horizonMinutes: 60,
  slackSeconds: 60,
  rolloutGapMinutes: 10,
  prior: { node: 3, change: 3, hard: 2, soft: 1 },
  unrelatedShare: 0.5,
  evidence: 8,
};

/** A root cause the events point to. */
export interface EventRoot {
  readonly resource: string;
  readonly service: string;
  /** A node that went NotReady, a change (ConfigMap/Secret edit, rollout), or a workload's own failures. */
  readonly kind: "node" | "change" | "own";
  readonly score: number;
  readonly faultType: FaultType;
  /** It explains at least one hard failure (not only error bursts and Warnings). */
  readonly hard: boolean;
  readonly causalPath: readonly string[];
  readonly events: readonly EventEvidence[];
  /** The failing resources it explains. */
  readonly explains: readonly string[];
  /** Services its faults reach other than its own (its callers, for a workload). */
  readonly affects: readonly string[];
}

interface Failing {
  readonly id: string;
  readonly cls: FailureClass;
  readonly hard: boolean;
  readonly weight: number;
  /** First sign, epoch ms. */
  readonly start: number;
  readonly events: readonly ResourceEvent[];
}

interface Change {
  readonly id: string;
  readonly change: ChangeKind;
  readonly at: number;
  readonly event: ResourceEvent;
}

interface Assigned {
  readonly kind: EventRoot["kind"];
  readonly id: string;
  readonly change?: ChangeKind;
}

const MIN = 60_000;

/**
 * Root causes from the events of `input` (none without events): each failing resource (OOMKilled,
 * CrashLoopBackOff, image pulls, NodeNotReady, Kubernetes Warnings, log error bursts during the
 * window or `recentMinutes` before it) is explained by one cause upstream of it along the fault
 * graph ({@link faultGraph}), first that applies:
 * 1. for an error burst or a Warning only: a failing callee (a cause of hard failures whose
 *    faults reach the failing pod's Service: a service it calls fails);
 * 2. a node that went NotReady before it (the pods running on it);
 * 3. a change before it that can cause that failure ({@link compatible}): the latest, or the
 *    ConfigMap/Secret edit that a rollout of the workload shortly followed;
 * 4. its own workload (a pod → its top controller).
 * Each cause scores its prior plus log1p of the weights it explains, halved when none of its
 * failures reaches the symptom; best first.
 */
export function eventRoots(
  input: RcaInput,
  options: EventRankOptions = DEFAULT_EVENT_RANK,
): EventRoot[] {
  const events = input.events ?? [];
  if (events.length === 0) return [];
  const { from, to } = input.symptom;
  const horizon = options.horizonMinutes * MIN;
  const slack = options.slackSeconds * 1000;
  const failing = failingResources(events, from - options.recentMinutes * MIN, to);
  if (failing.size === 0) return [];
  const changes: Change[] = [];
  for (const e of events) {
    const f = factOf(e);
    if (f.role === "change" && e.at >= from - horizon && e.at < to)
      changes.push({ id: e.resource, change: f.change, at: e.at, event: e });
  }
  const g = faultGraph(input.relations);
  const reachOf = memo((id: string) => downstream(g, id));
  const downNodes = [...failing.values()].filter((f) => f.cls === "node" && isNode(f.id));

  const byResource = new Map(input.resources.map((r) => [r.id, r]));
  const assigned = new Map<string, Assigned>();
  const upstream = (f: Failing): Assigned | undefined => {
    if (f.cls === "node" && isNode(f.id)) return { kind: "node", id: f.id };
    const down = downNodes
      .filter((n) => reachOf(n.id).has(f.id) && n.start <= f.start + slack)
      .filter((n) => n.start >= f.start - horizon)
      .sort((a, b) => a.start - b.start)[0];
    if (down) return { kind: "node", id: down.id };
    const before = changes.filter(
      (c) =>
        compatible(c.change, f.cls) &&
        c.at <= f.start + slack &&
        c.at >= f.start - horizon &&
        reachOf(c.id).has(f.id),
    );
    const latest = before.sort((a, b) => b.at - a.at || a.id.localeCompare(b.id))[0];
    if (!latest) return undefined;
    const edit =
      latest.change === "rollout"
        ? before.find(
            (c) =>
              c.change === "config" &&
              c.at <= latest.at &&
              c.at >= latest.at - options.rolloutGapMinutes * MIN,
          )
        : undefined;
    const cause = edit ?? latest;
    return { kind: "change", id: cause.id, change: cause.change };
  };
  const own = (f: Failing): Assigned => ({ kind: "own", id: topController(g, f.id) });

  for (const f of failing.values()) if (f.hard) assigned.set(f.id, upstream(f) ?? own(f));
  const hardRoots = [...new Set([...assigned.values()].map((a) => a.id))];
  for (const f of failing.values()) {
    if (f.hard) continue;
    const callee = failingCallee(f, hardRoots, assigned, g, byResource, reachOf);
    assigned.set(f.id, callee ?? upstream(f) ?? own(f));
  }

  const targets = symptomTargets(input);
  const groups = new Map<string, { root: Assigned; failures: Failing[] }>();
  for (const [id, root] of assigned) {
    const f = failing.get(id) as Failing;
    const group = groups.get(root.id) ?? { root, failures: [] };
    group.failures.push(f);
    groups.set(root.id, group);
  }
  return [...groups.values()]
    .map(({ root, failures }) =>
      toRoot(root, failures, { changes, failing, g, targets, byResource, options }),
    )
    .sort((a, b) => b.score - a.score || a.resource.localeCompare(b.resource));
}

/**
 * A soft failure's failing callee: a root of hard failures whose faults reach a Service that
 * selects the failing pod (a service it serves calls to the failing one), not of its own service.
 */
function failingCallee(
  f: Failing,
  hardRoots: readonly string[],
  assigned: ReadonlyMap<string, Assigned>,
  g: FaultGraph,
  byResource: ReadonlyMap<string, Resource>,
  reachOf: (id: string) => ReadonlyMap<string, number>,
): Assigned | undefined {
  const service = serviceOf(f.id, byResource);
  const fronts = [...(g.effects.get(f.id) ?? [])].filter((id) => id.startsWith("service/"));
  for (const r of byResource.values())
    if (r.kind === "service" && r.service === service) fronts.push(r.id);
  const best = hardRoots
    .filter((root) => serviceOf(root, byResource) !== service)
    .filter((root) => fronts.some((s) => reachOf(root).has(s)))
    .map((root) => ({ root, explained: [...assigned.values()].filter((a) => a.id === root) }))
    .sort((a, b) => b.explained.length - a.explained.length || a.root.localeCompare(b.root))[0];
  return best?.explained[0];
}

function failingResources(
  events: readonly ResourceEvent[],
  from: number,
  to: number,
): Map<string, Failing> {
  type Entry = { events: ResourceEvent[]; classes: Map<FailureClass, number> };
  const by = new Map<string, Entry>();
  for (const e of events) {
    const f = factOf(e);
    if (f.role !== "failure" || e.at < from || e.firstAt >= to) continue;
    const entry: Entry = by.get(e.resource) ?? { events: [], classes: new Map() };
    entry.events.push(e);
    entry.classes.set(f.class, Math.max(entry.classes.get(f.class) ?? 0, f.weight));
    by.set(e.resource, entry);
  }
  const out = new Map<string, Failing>();
  for (const [id, { events, classes }] of by) {
    const hard = [...classes.keys()].filter(isHard);
    const cls = worstClass(hard) ?? "error";
    out.set(id, {
      id,
      cls,
      hard: isHard(cls),
      weight: Math.max(
        ...[...classes].filter(([c]) => isHard(c) === isHard(cls)).map(([, w]) => w),
      ),
      start: Math.min(...events.map((e) => Math.min(e.firstAt, e.at))),
      events,
    });
  }
  return out;
}

function toRoot(
  root: Assigned,
  failures: readonly Failing[],
  ctx: {
    changes: readonly Change[];
    failing: ReadonlyMap<string, Failing>;
    g: FaultGraph;
    targets: ReadonlySet<string>;
    byResource: ReadonlyMap<string, Resource>;
    options: EventRankOptions;
  },
): EventRoot {
  const { options } = ctx;
  const hard = failures.some((f) => f.hard);
  const prior = options.prior[root.kind === "own" ? (hard ? "hard" : "soft") : root.kind];
  const weight = failures.reduce((t, f) => t + f.weight, 0);
  const isFailing = (id: string) => ctx.failing.has(id);
  const toSymptom =
    ctx.targets.size > 0 ? faultPath(ctx.g, root.id, ctx.targets, isFailing) : undefined;
  const strongest = [...failures].sort(
    (a, b) => b.weight - a.weight || a.start - b.start || a.id.localeCompare(b.id),
  );
  const toFailure = strongest
    .map((f) => faultPath(ctx.g, root.id, new Set([f.id]), isFailing))
    .find((p) => p !== undefined);
  const related = ctx.targets.size === 0 || toSymptom !== undefined;
  const causes = ctx.changes.filter((c) => c.id === root.id).map((c) => c.event);
  const effects = strongest.map((f) => ({ events: f.events, own: f.id === root.id }));
  const service = serviceOf(root.id, ctx.byResource);
  return {
    resource: root.id,
    service,
    kind: root.kind,
    score: (prior + Math.log1p(weight)) * (related ? 1 : options.unrelatedShare),
    faultType: faultTypeOf(root, failures),
    hard,
    causalPath: toSymptom ?? toFailure ?? [root.id],
    events: eventEvidence(causes, effects, options.evidence),
    explains: strongest.map((f) => f.id),
    affects: [
      ...new Set([...downstream(ctx.g, root.id).keys()].map((id) => serviceOf(id, ctx.byResource))),
    ]
      .filter((s) => s !== service)
      .sort(),
  };
}

function faultTypeOf(root: Assigned, failures: readonly Failing[]): FaultType {
  if (root.kind === "node") return "node";
  if (root.change === "config") return "config";
  const by = new Map<FailureClass, number>();
  for (const f of failures) by.set(f.cls, (by.get(f.cls) ?? 0) + f.weight);
  const top = Math.max(...by.values());
  return FAILURE_CLASSES.find((c) => by.get(c) === top) ?? "unknown";
}

const isNode = (id: string) => id.startsWith("node/");

/**
 * The service of a resource id: the graph's; for a resource it has not seen, a pod's name without
 * its ReplicaSet hash and suffix, else the id's name.
 */
export function serviceOf(id: string, byResource: ReadonlyMap<string, Resource>): string {
  const known = byResource.get(id)?.service;
  if (known !== undefined) return known;
  const name = id.slice(id.lastIndexOf("/") + 1);
  return id.startsWith("pod/") ? serviceOfPod(name) : name;
}

function memo<T>(f: (id: string) => T): (id: string) => T {
  const cache = new Map<string, T>();
  return (id) => {
    if (!cache.has(id)) cache.set(id, f(id));
    return cache.get(id) as T;
  };
}
