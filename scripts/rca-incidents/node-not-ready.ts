/**
 * (d) A node going NotReady: the kubelet of ip-10-0-2-41 stops posting status at 19:04:58; the
 * node lifecycle controller marks the node Unknown and taints it, marks its pods not ready
 * (cartservice, productcatalogservice, checkoutservice), and five minutes later the taint manager
 * evicts them and their ReplicaSets start replacements elsewhere. The frontend's calls to them
 * time out.
 */
import type { IncidentHeader } from "../../modules/rca/src/incidents/format.ts";
import { Boutique, NODES, NS } from "./boutique.ts";
import { replicas, running, startPod } from "./controllers.ts";
import { noisy, writeSamples } from "./metrics.ts";
import { type Condition, podStatusOf } from "./object-types.ts";
import { plus, Timeline } from "./timeline.ts";

const ms = Date.parse;

export function buildNodeNotReady(dir: string) {
  const tl = new Timeline(4804, 55_402_981);
  const c = new Boutique(tl);
  c.list("2024-11-19T18:30:00Z", {
    "currency-config": {
      app: "currencyservice",
      data: { "currency.json": '{"EUR":1.0,"USD":1.1305}' },
    },
    "payment-config": { app: "paymentservice", data: { "payment.yaml": "provider: mock\n" } },
  });
  const lost = ms("2024-11-19T19:04:58Z");
  const onB = [...c.pods.values()].filter(
    (p) => (p.spec as { nodeName: string }).nodeName === NODES.b.name,
  );
  const frontends = ["4xk2p", "9tq7m"].map((s) => c.pod(`frontend-7c9d6f8b54-${s}`));
  writeSamples(tl, "2024-11-19T18:15:00Z", "2024-11-19T19:20:00Z", [
    ...frontends.map((p) => ({
      metric: "http_server_request_latency_p90_seconds",
      pod: p.metadata.name,
      container: "server",
      value: (t: number) =>
        noisy(tl, 0.04)(t >= lost && t < ms("2024-11-19T19:11:30Z") ? 1.9 : 0.12),
    })),
    // cAdvisor on the lost node reports nothing after the kubelet stops.
    ...onB.map((p) => ({
      metric: "container_cpu_usage_millicores",
      pod: p.metadata.name,
      container: "server",
      value: (t: number) => (t < lost ? noisy(tl)(48) : undefined),
    })),
  ]);

  // 40 s without a heartbeat: the node lifecycle controller marks the node Unknown and taints it.
  const node = c.nodes.get("b");
  if (!node) throw new Error("no node b");
  const notReadyAt = "2024-11-19T19:05:40Z";
  const status = node.status as { conditions: Condition[] };
  for (const cond of status.conditions) {
    cond.status = "Unknown";
    cond.lastHeartbeatTime = "2024-11-19T19:04:58Z";
    cond.lastTransitionTime = notReadyAt;
    cond.reason = "NodeStatusUnknown";
    cond.message = "Kubelet stopped posting node status.";
  }
  node.spec = {
    ...(node.spec as object),
    taints: [
      { key: "node.kubernetes.io/unreachable", effect: "NoSchedule", timeAdded: notReadyAt },
      {
        key: "node.kubernetes.io/unreachable",
        effect: "NoExecute",
        timeAdded: plus(notReadyAt, 5),
      },
    ],
  };
  c.modified(notReadyAt, node);
  c.event(notReadyAt, node, {
    type: "Normal",
    reason: "NodeNotReady",
    message: `Node ${NODES.b.name} status is now: NodeNotReady`,
    component: "node-controller",
  });
  for (const pod of onB) {
    const s = podStatusOf(pod);
    for (const cond of s.conditions)
      if (cond.type === "Ready") {
        cond.status = "False";
        cond.lastTransitionTime = plus(notReadyAt, 1);
      }
    c.modified(plus(notReadyAt, 1), pod);
    c.event(plus(notReadyAt, 1), pod, {
      type: "Warning",
      reason: "NodeNotReady",
      message: "Node is not ready",
      component: "node-controller",
    });
  }
  const appOf = (pod: (typeof onB)[number]) => pod.metadata.labels?.app ?? "";
  for (const pod of onB)
    c.endpoints(plus(notReadyAt, 2), appOf(pod), { [pod.metadata.name]: false });
  for (const pod of onB) {
    const dep = c.deployments.get(appOf(pod));
    if (dep) replicas(c, plus(notReadyAt, 3), dep, (dep.spec as { replicas: number }).replicas - 1);
  }

  // The frontend's requests to the lost pods time out until their endpoints are removed, then
  // checkout (its only pod was there) fails outright.
  const podIP = (name: string) => podStatusOf(c.pod(name)).podIP;
  const errs = (from: string, n: number, error: string, path: string) =>
    Array.from({ length: n }, (_, k) => {
      const at = plus(from, 3 * k);
      return {
        at,
        message: JSON.stringify({
          error,
          "http.req.id": tl.uid(),
          "http.req.method": path === "/cart/checkout" ? "POST" : "GET",
          "http.req.path": path,
          message: "request error",
          session: tl.uid(),
          severity: "error",
          timestamp: at,
        }),
      };
    });
  c.logs(frontends[0] ?? c.pod("frontend-7c9d6f8b54-4xk2p"), [
    ...errs(
      "2024-11-19T19:05:01Z",
      8,
      `failed to retrieve cart: rpc error: code = Unavailable desc = connection error: desc = "transport: Error while dialing: dial tcp ${podIP("cartservice-5d8b7c9f6d-kx7qr")}:7070: i/o timeout"`,
      "/cart",
    ),
    ...errs(
      "2024-11-19T19:06:10Z",
      6,
      `failed to complete the order: rpc error: code = Unavailable desc = no healthy upstream`,
      "/cart/checkout",
    ),
  ]);
  c.logs(frontends[1] ?? c.pod("frontend-7c9d6f8b54-9tq7m"), [
    ...errs(
      "2024-11-19T19:05:03Z",
      8,
      `could not retrieve products: rpc error: code = Unavailable desc = connection error: desc = "transport: Error while dialing: dial tcp ${podIP("productcatalogservice-6f97c8d5b-p8m4t")}:3550: i/o timeout"`,
      "/",
    ),
  ]);

  // After tolerationSeconds (300 s) the taint manager evicts them; replacements start elsewhere.
  const evictAt = "2024-11-19T19:10:45Z";
  const replacements: Record<string, { suffix: string; node: "a" | "c"; ip: string }> = {
    cartservice: { suffix: "n4vzq", node: "c", ip: "10.0.3.174" },
    productcatalogservice: { suffix: "f2xkc", node: "c", ip: "10.0.3.58" },
    checkoutservice: { suffix: "b9drw", node: "a", ip: "10.0.1.233" },
  };
  for (const pod of onB) {
    c.event(evictAt, pod, {
      type: "Normal",
      reason: "TaintManagerEviction",
      message: `Marking for deletion Pod ${NS}/${pod.metadata.name}`,
      component: "taint-eviction-controller",
    });
    pod.metadata.deletionTimestamp = plus(evictAt, 5);
    pod.metadata.deletionGracePeriodSeconds = 5;
    c.modified(evictAt, pod);
  }
  const fresh = onB.flatMap((pod) => {
    const app = pod.metadata.labels?.app ?? "";
    const rs = c.replicaSets.get(pod.metadata.ownerReferences?.[0]?.name ?? "");
    const r = replacements[app];
    if (!rs || !r) return [];
    const started = startPod(
      c,
      plus(evictAt, 1),
      rs,
      `${rs.metadata.name}-${r.suffix}`,
      r.node,
      r.ip,
    );
    return [{ app, old: pod, pod: started, zone: NODES[r.node].zone }];
  });
  for (const f of fresh) running(c, plus(evictAt, 14), f.pod, true);
  for (const f of fresh) c.endpointReplaced(plus(evictAt, 15), f.app, f.old, f.pod, f.zone);
  for (const app of Object.keys(replacements)) {
    const dep = c.deployments.get(app);
    if (dep) replicas(c, plus(evictAt, 16), dep, (dep.spec as { replicas: number }).replicas);
  }

  const header: IncidentHeader = {
    kind: "incident",
    version: 1,
    id: "node-not-ready",
    title: `node ${NODES.b.name} goes NotReady`,
    summary:
      "The kubelet of ip-10-0-2-41 stops posting status at 19:04:58. At 19:05:40 the node lifecycle controller marks the node Unknown (NodeStatusUnknown), taints it unreachable and marks its three pods (cartservice, productcatalogservice, checkoutservice) not ready; the frontend's calls to them time out and its p90 latency jumps. At 19:10:45 the taint manager evicts the pods and their ReplicaSets start replacements on the other nodes.",
    constructed: true,
    symptom: {
      from: "2024-11-19T19:05:00Z",
      to: "2024-11-19T19:20:00Z",
      service: "frontend",
      alert: "FrontendLatencyHigh",
    },
    expected: {
      service: NODES.b.name,
      resource: `node/${NODES.b.name}`,
      faultType: "node",
      causalPath: [
        `node/${NODES.b.name}`,
        `pod/${NS}/cartservice-5d8b7c9f6d-kx7qr`,
        `service/${NS}/cartservice`,
        `service/${NS}/frontend`,
      ],
    },
  };
  return tl.write(dir, header);
}
