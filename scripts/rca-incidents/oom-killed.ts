/**
 * (a) OOMKilled: cartservice's memory grows until its 128Mi limit kills the container, three times
 * on one pod and once on the other (backing off in CrashLoopBackOff each time); the frontend, which
 * calls it, logs errors and slows down. Cause: the cartservice workload's memory.
 */
import { readFileSync } from "node:fs";
import type { IncidentHeader } from "../../modules/rca/src/incidents/format.ts";
import { Boutique, NODES, NS } from "./boutique.ts";
import { noisy, writeSamples } from "./metrics.ts";
import { podStatusOf, workloadStatusOf } from "./object-types.ts";
import { plus, Timeline } from "./timeline.ts";

const MIB = 1024 * 1024;
const ms = Date.parse;

export function buildOomKilled(dir: string) {
  const tl = new Timeline(1501, 48_211_007);
  const c = new Boutique(tl);
  c.list("2024-11-19T18:30:00Z", {
    "currency-config": {
      app: "currencyservice",
      data: { "rates.json": '{"EUR":1.0,"USD":1.1305}' },
    },
    "payment-config": { app: "paymentservice", data: { "payment.yaml": "provider: mock\n" } },
  });
  const cart = "cartservice-5d8b7c9f6d";
  const [leaky, other] = [c.pod(`${cart}-b6w2z`), c.pod(`${cart}-kx7qr`)];
  const frontend = c.pod("frontend-7c9d6f8b54-4xk2p");
  const frontend2 = c.pod("frontend-7c9d6f8b54-9tq7m");
  const deployment = c.deployments.get("cartservice");
  const rs = c.replicaSets.get(cart);
  if (!deployment || !rs) throw new Error("no cartservice workload");

  // Each pod's container restarts (OOMKilled at the limit) at these times.
  const kills: Record<string, string[]> = {
    [leaky.metadata.name]: ["2024-11-19T19:21:40Z", "2024-11-19T19:26:05Z", "2024-11-19T19:29:50Z"],
    [other.metadata.name]: ["2024-11-19T19:24:12Z"],
  };
  const growFrom = ms("2024-11-19T19:08:00Z");
  const memory = (pod: string) => (t: number) => {
    const deaths = (kills[pod] ?? []).map(ms).filter((k) => k <= t);
    const since = Math.max(growFrom, deaths.at(-1) ?? growFrom);
    const next = (kills[pod] ?? []).map(ms).find((k) => k > t);
    if (t < growFrom) return noisy(tl, 0.02)(72 * MIB);
    // Climbs from ~70 MiB to the 128 MiB limit by the next kill.
    const end = next ?? since + 15 * 60_000;
    const share = Math.min(1, (t - since) / Math.max(1, end - since));
    return noisy(tl, 0.01)((70 + 58 * share) * MIB);
  };
  const latency = (t: number) =>
    noisy(
      tl,
      0.04,
    )(t >= ms("2024-11-19T19:21:30Z") && t < ms("2024-11-19T19:33:00Z") ? 0.41 : 0.12);
  writeSamples(tl, "2024-11-19T18:15:00Z", "2024-11-19T19:35:00Z", [
    {
      metric: "container_memory_working_set_bytes",
      pod: leaky.metadata.name,
      container: "server",
      value: memory(leaky.metadata.name),
    },
    {
      metric: "container_memory_working_set_bytes",
      pod: other.metadata.name,
      container: "server",
      value: memory(other.metadata.name),
    },
    {
      metric: "http_server_request_latency_p90_seconds",
      pod: frontend.metadata.name,
      container: "server",
      value: latency,
    },
    {
      metric: "http_server_request_latency_p90_seconds",
      pod: frontend2.metadata.name,
      container: "server",
      value: latency,
    },
  ]);

  const kubelet = (pod: typeof leaky) => {
    const node = Object.values(NODES).find(
      (n) => n.name === (pod.spec as { nodeName: string }).nodeName,
    );
    return { component: "kubelet", host: node?.name ?? "", fieldPath: "spec.containers{server}" };
  };
  const image = `${"us-central1-docker.pkg.dev/google-samples/microservices-demo"}/cartservice:v0.10.1`;
  const timeline = Object.entries(kills)
    .flatMap(([pod, ts]) => ts.map((t, i) => ({ pod: c.pod(pod), t, i })))
    .sort((a, b) => ms(a.t) - ms(b.t));
  for (const { pod, t, i } of timeline) {
    const status = podStatusOf(pod);
    const startedAt =
      status.containerStatuses[0]?.state.running?.startedAt ?? "2024-11-13T14:02:20Z";
    c.crashed(plus(t, 1), pod, { exitCode: 137, reason: "OOMKilled", startedAt, finishedAt: t });
    c.endpoints(plus(t, 1), "cartservice", { [pod.metadata.name]: false });
    const ready = workloadStatusOf(deployment);
    Object.assign(ready, { readyReplicas: 1, availableReplicas: 1, unavailableReplicas: 1 });
    c.modified(plus(t, 2), deployment);
    if (i > 0)
      c.event(plus(t, 2), pod, {
        type: "Warning",
        reason: "BackOff",
        message: `Back-off restarting failed container server in pod ${pod.metadata.name}_${NS}(${pod.metadata.uid})`,
        ...kubelet(pod),
      });
    const restart = plus(t, 10 * 2 ** i + 1);
    c.event(restart, pod, {
      type: "Normal",
      reason: "Pulled",
      message: `Container image "${image}" already present on machine`,
      ...kubelet(pod),
    });
    c.event(restart, pod, {
      type: "Normal",
      reason: "Created",
      message: "Created container server",
      ...kubelet(pod),
    });
    c.event(restart, pod, {
      type: "Normal",
      reason: "Started",
      message: "Started container server",
      ...kubelet(pod),
    });
    c.restarted(plus(restart, 1), pod, restart);
    // Ready again once the readiness probe passes.
    const s = podStatusOf(pod);
    const cs = s.containerStatuses[0];
    if (cs) cs.ready = true;
    for (const cond of s.conditions)
      if (cond.type === "Ready" || cond.type === "ContainersReady") {
        cond.status = "True";
        cond.lastTransitionTime = plus(restart, 8);
        delete cond.reason;
        delete cond.message;
      }
    c.modified(plus(restart, 9), pod);
    c.endpoints(plus(restart, 9), "cartservice", { [pod.metadata.name]: true });
    Object.assign(ready, { readyReplicas: 2, availableReplicas: 2 });
    delete ready.unavailableReplicas;
    c.modified(plus(restart, 10), deployment);
    // The frontend's calls to the killed pod fail until it is back.
    const errors = Array.from({ length: 6 }, (_, k) => ({
      at: plus(t, 1 + 2 * k),
      message: JSON.stringify({
        error: `failed to retrieve cart: rpc error: code = Unavailable desc = connection error: desc = "transport: Error while dialing: dial tcp ${podStatusOf(pod).podIP}:7070: connect: connection refused"`,
        "http.req.id": tl.uid(),
        "http.req.method": "GET",
        "http.req.path": "/cart",
        message: "request error",
        session: tl.uid(),
        severity: "error",
        timestamp: `${plus(t, 1 + 2 * k).replace("Z", "")}.${String(100 + k * 37).padStart(3, "0")}412Z`,
      }),
    }));
    c.logs(k2(frontend, frontend2, i), errors);
  }

  // Background: the real `Warning BackOff` watch event of another cluster's memory-hog pod
  // (fixtures/k8s-events, cardinalhq, Apache-2.0), unrelated to the boutique.
  const [backOff] = JSON.parse(
    readFileSync(
      new URL(
        "../../modules/rca/fixtures/k8s-events/cardinalhq-k8sobjects-watch-events.json",
        import.meta.url,
      ),
      "utf8",
    ),
  ) as { object: { lastTimestamp: string } }[];
  if (backOff) tl.k8sEvent(backOff.object.lastTimestamp, backOff);

  const header: IncidentHeader = {
    kind: "incident",
    version: 1,
    id: "oom-killed",
    title: "cartservice OOMKilled at its memory limit",
    summary:
      "cartservice's memory grows to its 128Mi limit: the kernel kills the container (OOMKilled, exit code 137) three times on one pod and once on the other, each time backing off in CrashLoopBackOff before the kubelet restarts it. The frontend's calls to the killed pod fail and its p90 latency triples. Background: a real BackOff Event of an unrelated pod in another namespace.",
    constructed: true,
    symptom: {
      from: "2024-11-19T19:20:00Z",
      to: "2024-11-19T19:35:00Z",
      service: "frontend",
      alert: "FrontendLatencyHigh",
    },
    expected: {
      service: "cartservice",
      resource: `deployment/${NS}/cartservice`,
      faultType: "memory",
      causalPath: [
        `deployment/${NS}/cartservice`,
        `replicaset/${NS}/${cart}`,
        `pod/${NS}/${leaky.metadata.name}`,
        `service/${NS}/cartservice`,
        `service/${NS}/frontend`,
      ],
    },
  };
  return tl.write(dir, header);
}

/** The frontend pod whose request hit the killed cart pod: alternating. */
const k2 = <T>(a: T, b: T, i: number): T => (i % 2 === 0 ? a : b);
