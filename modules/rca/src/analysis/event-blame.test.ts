import { describe, expect, it } from "vitest";
import type { RcaInput, Relation, Resource, ResourceEvent } from "../model.ts";
import { eventRoots } from "./event-blame.ts";
import { rankCandidates } from "./rank.ts";

const MIN = 60_000;
const T = Date.UTC(2024, 10, 19, 19, 0);
const WINDOW = { from: T + 10 * MIN, to: T + 25 * MIN };

/** A small shop: web calls api; api's Deployment → ReplicaSet → 2 pods on two nodes, mounting a ConfigMap. */
function shop(events: ResourceEvent[], symptom: Partial<RcaInput["symptom"]> = {}): RcaInput {
  const r = (id: string, service: string): Resource => {
    const [kind, ns, name = ns] = id.split("/");
    return {
      id,
      kind: kind as Resource["kind"],
      ...(name !== ns ? { namespace: ns } : {}),
      name: name as string,
      service,
    };
  };
  const resources = [
    r("deployment/shop/api", "api"),
    r("replicaset/shop/api-7d9f8b6c5", "api"),
    r("pod/shop/api-7d9f8b6c5-a", "api"),
    r("pod/shop/api-7d9f8b6c5-b", "api"),
    r("configmap/shop/api-config", "api"),
    r("service/shop/api", "api"),
    r("deployment/shop/web", "web"),
    r("replicaset/shop/web-5c6d7f8b9", "web"),
    r("pod/shop/web-5c6d7f8b9-a", "web"),
    r("service/shop/web", "web"),
    r("node/n1", "n1"),
    r("node/n2", "n2"),
  ];
  const e = (type: Relation["type"], from: string, to: string): Relation => ({
    type,
    from,
    to,
    weight: 1,
  });
  const relations = [
    e("CONTROLS", "deployment/shop/api", "replicaset/shop/api-7d9f8b6c5"),
    e("CONTROLS", "replicaset/shop/api-7d9f8b6c5", "pod/shop/api-7d9f8b6c5-a"),
    e("CONTROLS", "replicaset/shop/api-7d9f8b6c5", "pod/shop/api-7d9f8b6c5-b"),
    e("MOUNTS", "pod/shop/api-7d9f8b6c5-a", "configmap/shop/api-config"),
    e("MOUNTS", "pod/shop/api-7d9f8b6c5-b", "configmap/shop/api-config"),
    e("RUNS_ON", "pod/shop/api-7d9f8b6c5-a", "node/n1"),
    e("RUNS_ON", "pod/shop/api-7d9f8b6c5-b", "node/n2"),
    e("SELECTS", "service/shop/api", "pod/shop/api-7d9f8b6c5-a"),
    e("SELECTS", "service/shop/api", "pod/shop/api-7d9f8b6c5-b"),
    e("CONTROLS", "deployment/shop/web", "replicaset/shop/web-5c6d7f8b9"),
    e("CONTROLS", "replicaset/shop/web-5c6d7f8b9", "pod/shop/web-5c6d7f8b9-a"),
    e("RUNS_ON", "pod/shop/web-5c6d7f8b9-a", "node/n1"),
    e("SELECTS", "service/shop/web", "pod/shop/web-5c6d7f8b9-a"),
    e("CALLS", "service/shop/web", "service/shop/api"),
  ];
  return {
    resources,
    relations,
    metrics: [],
    symptom: { ...WINDOW, service: "web", ...symptom },
    events,
  };
}

/** An event `minutes` after T. */
const ev = (
  resource: string,
  kind: ResourceEvent["kind"],
  reason: string,
  minutes: number,
  severity: ResourceEvent["severity"] = "critical",
  message = reason,
): ResourceEvent => ({
  resource,
  kind,
  reason,
  severity,
  message,
  at: T + minutes * MIN,
  firstAt: T + minutes * MIN,
});
const POD_A = "pod/shop/api-7d9f8b6c5-a";
const POD_B = "pod/shop/api-7d9f8b6c5-b";
const CONFIG = "configmap/shop/api-config";
const API = "deployment/shop/api";

describe("eventRoots", () => {
  it("blames the ConfigMap edit that a rollout shortly followed, not the rollout, for crashes", () => {
    const [top, ...rest] = eventRoots(
      shop([
        ev(CONFIG, "state_change", "ConfigUpdated", 10, "info"),
        ev(API, "state_change", "RolloutStarted", 10.3, "info"),
        ev(POD_A, "state_change", "CrashLoopBackOff", 11),
        ev(POD_A, "k8s_event", "BackOff", 12, "warning", "Back-off restarting failed container"),
      ]),
    );
    expect(top).toMatchObject({
      resource: CONFIG,
      kind: "change",
      faultType: "config",
      hard: true,
      causalPath: [CONFIG, POD_A, "service/shop/api", "service/shop/web"],
      explains: [POD_A],
      affects: ["web"],
    });
    expect(top?.events.map((e) => `${e.role} ${e.reason} ×${e.count}`)).toEqual([
      "cause ConfigUpdated ×1",
      "effect CrashLoopBackOff ×1",
      "effect BackOff ×1",
    ]);
    expect(rest).toEqual([]);
  });

  it("blames the rollout for an image that cannot be pulled, though a mounted ConfigMap changed before it", () => {
    const [top] = eventRoots(
      shop([
        ev(CONFIG, "state_change", "ConfigUpdated", 8, "info"),
        ev(API, "state_change", "RolloutStarted", 10, "info"),
        ev(POD_A, "state_change", "ErrImagePull", 10.1, "warning"),
        ev(
          POD_A,
          "k8s_event",
          "Failed",
          10.1,
          "warning",
          'Failed to pull image "api:v2": not found',
        ),
      ]),
    );
    expect(top).toMatchObject({ resource: API, kind: "change", faultType: "image" });
    expect(top?.causalPath).toEqual([
      API,
      "replicaset/shop/api-7d9f8b6c5",
      POD_A,
      "service/shop/api",
      "service/shop/web",
    ]);
  });

  it("blames the latest change before the failure, and no change made after it", () => {
    const roots = eventRoots(
      shop([
        ev(API, "state_change", "RolloutStarted", 9, "info"),
        ev(POD_A, "state_change", "CrashLoopBackOff", 11),
        ev(CONFIG, "state_change", "ConfigUpdated", 14, "info"),
      ]),
    );
    expect(roots.map((r) => `${r.kind} ${r.resource}`)).toEqual([`change ${API}`]);
  });

  it("blames a node that went NotReady for its pods and the callers' errors", () => {
    const roots = eventRoots(
      shop([
        ev("node/n2", "state_change", "NodeNotReady", 11),
        ev(POD_B, "k8s_event", "NodeNotReady", 11.1, "warning", "Node is not ready"),
        ev("pod/shop/web-5c6d7f8b9-a", "log_burst", "LogErrors", 11, "warning"),
      ]),
    );
    expect(roots).toHaveLength(1);
    expect(roots[0]).toMatchObject({
      resource: "node/n2",
      kind: "node",
      faultType: "node",
      causalPath: ["node/n2", POD_B, "service/shop/api", "service/shop/web"],
      explains: ["node/n2", POD_B, "pod/shop/web-5c6d7f8b9-a"],
    });
  });

  it("blames a crashing callee's workload for its callers' error bursts; a caller alone is its own cause", () => {
    const callee = eventRoots(
      shop([
        ev(POD_A, "state_change", "CrashLoopBackOff", 12),
        ev(POD_B, "state_change", "OOMKilled", 12.5),
        ev("pod/shop/web-5c6d7f8b9-a", "log_burst", "LogErrors", 12, "warning"),
      ]),
    );
    expect(callee.map((r) => `${r.resource} ${r.faultType}`)).toEqual([`${API} memory`]);
    expect(callee[0]?.explains).toHaveLength(3);
    const alone = eventRoots(
      shop([ev("pod/shop/web-5c6d7f8b9-a", "log_burst", "LogErrors", 12, "warning")]),
    );
    expect(alone).toMatchObject([
      { resource: "deployment/shop/web", kind: "own", faultType: "error", hard: false },
    ]);
  });

  it("halves a cause none of whose failures reaches the symptom, and ignores old failures and Normal events", () => {
    const [api] = eventRoots(shop([ev(POD_A, "state_change", "CrashLoopBackOff", 12)]));
    // A symptom on node n1: a pod's crash does not reach its node.
    const [elsewhere] = eventRoots(
      shop([ev(POD_A, "state_change", "CrashLoopBackOff", 12)], { resource: "node/n1" }),
    );
    expect(elsewhere?.score).toBeCloseTo((api?.score ?? 0) / 2);
    expect(
      eventRoots(
        shop([
          ev(POD_A, "state_change", "CrashLoopBackOff", -30),
          ev(POD_A, "k8s_event", "Pulled", 12, "info"),
          ev(API, "state_change", "ReplicasUnavailable", 12, "warning"),
          ev("node/n1", "state_change", "NodeReady", 12, "info"),
        ]),
      ),
    ).toEqual([]);
    expect(eventRoots({ ...shop([]), events: undefined })).toEqual([]);
  });
});

describe("rankCandidates with events", () => {
  it("passes a caller's anomalies explained by a failing callee to the callee's cause", () => {
    const input = shop([
      ev(POD_A, "state_change", "CrashLoopBackOff", 12),
      ev(POD_B, "state_change", "CrashLoopBackOff", 12),
    ]);
    const latency = (level: number) =>
      Array.from({ length: 150 }, (_, i) => ({
        at: T - 50 * MIN + i * 30_000,
        value: T - 50 * MIN + i * 30_000 >= WINDOW.from ? level : 0.1 + (i % 3) * 0.002,
      }));
    const withMetric: RcaInput = {
      ...input,
      metrics: [
        {
          resource: "pod/shop/web-5c6d7f8b9-a",
          name: "http_server_request_latency_p90_seconds",
          unit: "seconds",
          signal: "latency",
          samples: latency(2),
        },
      ],
    };
    const blind = rankCandidates({ ...withMetric, events: [] });
    expect(blind.map((c) => c.service)).toEqual(["web"]);
    const ranked = rankCandidates(withMetric);
    expect(ranked.map((c) => c.service)).toEqual(["api", "web"]);
    const [api, web] = ranked;
    expect(web?.score).toBeCloseTo((blind[0]?.score ?? 0) / 2);
    expect(api?.score).toBeCloseTo((eventRoots(input)[0]?.score ?? 0) + (web?.score ?? 0));
    expect(api).toMatchObject({ resource: API, faultType: "crash", path: ["api", "web"] });
  });
});
