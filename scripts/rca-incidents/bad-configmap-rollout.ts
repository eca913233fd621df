/**
 * (b) CrashLoopBackOff after a bad ConfigMap rollout: `currency-config` is edited (a JSON syntax
 * error), then `kubectl rollout restart deployment/currencyservice`; the new ReplicaSet's pod
 * cannot parse the file and crash-loops while the old pods keep serving. Distractors: an edit of
 * `payment-config` that breaks nothing, and checkoutservice's CPU rising a little.
 */
import type { IncidentHeader } from "../../modules/rca/src/incidents/format.ts";
import { Boutique, NS } from "./boutique.ts";
import { backOff, rollout, running, started } from "./controllers.ts";
import { noisy, writeSamples } from "./metrics.ts";
import { podStatusOf, workloadStatusOf } from "./object-types.ts";
import { plus, Timeline } from "./timeline.ts";

const ms = Date.parse;
const RATES = '{"EUR":1.0,"USD":1.1305,"JPY":126.40,"GBP":0.85970,"CAD":1.5128}';

export function buildBadConfigMapRollout(dir: string) {
  const tl = new Timeline(2602, 51_804_113);
  const c = new Boutique(tl);
  c.list("2024-11-19T18:30:00Z", {
    "currency-config": { app: "currencyservice", data: { "currency.json": RATES } },
    "payment-config": {
      app: "paymentservice",
      data: { "payment.yaml": "provider: mock\nretries: 2\n" },
    },
  });
  const checkout = c.pod("checkoutservice-84c5f7d69b-s7fh2");
  const currencyPods = ["gk4rt", "wz2n8"].map((s) => c.pod(`currencyservice-7b6d9c8f5-${s}`));
  writeSamples(tl, "2024-11-19T18:15:00Z", "2024-11-19T19:30:00Z", [
    {
      metric: "container_cpu_usage_millicores",
      pod: checkout.metadata.name,
      container: "server",
      value: (t) => noisy(tl)(t >= ms("2024-11-19T19:14:00Z") ? 52 : 40),
    },
    ...currencyPods.map((p) => ({
      metric: "container_cpu_usage_millicores",
      pod: p.metadata.name,
      container: "server",
      value: () => noisy(tl)(61),
    })),
  ]);

  // A routine edit elsewhere: payment-config's retries (its pods do not restart, nothing fails).
  const payment = c.configMaps.get("payment-config");
  const currency = c.configMaps.get("currency-config");
  if (!payment || !currency) throw new Error("no ConfigMaps");
  payment.data = { "payment.yaml": "provider: mock\nretries: 3\n" };
  c.modified("2024-11-19T19:02:10Z", payment);

  // The bad edit: a trailing comma in the rates, then a restart to pick it up.
  currency.data = { "currency.json": RATES.replace("}", ",\n}") };
  currency.metadata.annotations = {
    "kubectl.kubernetes.io/last-applied-configuration": JSON.stringify({
      apiVersion: "v1",
      data: currency.data,
      kind: "ConfigMap",
      metadata: {
        annotations: {},
        labels: { app: "currencyservice" },
        name: "currency-config",
        namespace: NS,
      },
    }),
  };
  c.modified("2024-11-19T19:10:00Z", currency);
  const restartedAt = "2024-11-19T19:10:19Z";
  const { rs, pod } = rollout(
    c,
    "2024-11-19T19:10:20Z",
    "currencyservice",
    (template) => {
      template.metadata.annotations = { "kubectl.kubernetes.io/restartedAt": restartedAt };
    },
    { hash: "5f4b8d6c7", suffix: "hx9vb", node: "c", ip: "10.0.3.201" },
  );
  // The new container starts, reads /etc/currency/currency.json and exits 1; backing off longer.
  let startedAt = "2024-11-19T19:10:23Z";
  for (const [i, backoff] of [10, 20, 40, 80, 160, 300].entries()) {
    if (i === 0) running(c, plus(startedAt, 0), pod, false);
    else {
      started(c, startedAt, pod);
      c.restarted(plus(startedAt, 0), pod, startedAt);
    }
    const died = plus(startedAt, 1);
    c.logs(pod, [
      {
        at: plus(startedAt, 0),
        message: JSON.stringify({
          severity: "info",
          time: ms(startedAt),
          pid: 1,
          hostname: pod.metadata.name,
          name: "currencyservice-server",
          message: "Loading currency data from /etc/currency/currency.json",
        }),
        stream: "stdout",
      },
      {
        at: died,
        message: JSON.stringify({
          severity: "error",
          time: ms(died),
          pid: 1,
          hostname: pod.metadata.name,
          name: "currencyservice-server",
          message:
            "could not load currency data: SyntaxError: Expected double-quoted property name in JSON at position 65",
        }),
      },
    ]);
    const restarts = podStatusOf(pod).containerStatuses[0]?.restartCount ?? 0;
    c.crashed(plus(died, 1), pod, {
      exitCode: 1,
      reason: "Error",
      startedAt,
      finishedAt: died,
    });
    if (restarts > 0) backOff(c, plus(died, 2), pod);
    startedAt = plus(died, backoff + 1);
    if (ms(startedAt) > ms("2024-11-19T19:29:00Z")) break;
  }
  const dep = c.deployments.get("currencyservice");
  if (!dep) throw new Error("no Deployment");
  const progressing = workloadStatusOf(dep).conditions?.find((x) => x.type === "Progressing");
  if (progressing)
    Object.assign(progressing, {
      status: "False",
      reason: "ProgressDeadlineExceeded",
      message: `ReplicaSet "${rs.metadata.name}" has timed out progressing.`,
      lastUpdateTime: "2024-11-19T19:20:21Z",
      lastTransitionTime: "2024-11-19T19:20:21Z",
    });
  c.modified("2024-11-19T19:20:21Z", dep);

  const header: IncidentHeader = {
    kind: "incident",
    version: 1,
    id: "bad-configmap-rollout",
    title: "currencyservice crash-loops after a bad ConfigMap rollout",
    summary:
      "currency-config is edited with a JSON syntax error at 19:10:00 and the Deployment is restarted at 19:10:19 (kubectl rollout restart): the new ReplicaSet's pod exits 1 on start (could not load currency data) and crash-loops; the rollout stalls and times out at 19:20; the old pods keep serving. Distractors: payment-config edited at 19:02 without failures, checkoutservice's CPU up 30 %.",
    constructed: true,
    symptom: {
      from: "2024-11-19T19:12:00Z",
      to: "2024-11-19T19:27:00Z",
      service: "currencyservice",
      alert: "KubePodCrashLooping",
    },
    expected: {
      service: "currencyservice",
      resource: `configmap/${NS}/currency-config`,
      faultType: "config",
      causalPath: [
        `configmap/${NS}/currency-config`,
        `pod/${NS}/${pod.metadata.name}`,
        `service/${NS}/currencyservice`,
      ],
    },
  };
  return tl.write(dir, header);
}
