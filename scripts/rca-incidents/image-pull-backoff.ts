/**
 * (c) ImagePullBackOff after a Deployment image change: paymentservice's image is set to a tag
 * that does not exist (`v0.10.12` for `v0.10.2`); the new ReplicaSet's pod cannot pull it. Four
 * minutes earlier `payment-config`, which the pods mount, was edited: a change that cannot explain
 * an image pull.
 */
import type { IncidentHeader } from "../../modules/rca/src/incidents/format.ts";
import { Boutique, NODES, NS } from "./boutique.ts";
import { rollout } from "./controllers.ts";
import { noisy, writeSamples } from "./metrics.ts";
import { type ContainerStatus, podStatusOf } from "./object-types.ts";
import { plus, Timeline } from "./timeline.ts";

const REGISTRY = "us-central1-docker.pkg.dev/google-samples/microservices-demo";

export function buildImagePullBackOff(dir: string) {
  const tl = new Timeline(3703, 53_120_442);
  const c = new Boutique(tl);
  c.list("2024-11-19T18:30:00Z", {
    "currency-config": {
      app: "currencyservice",
      data: { "currency.json": '{"EUR":1.0,"USD":1.1305}' },
    },
    "payment-config": {
      app: "paymentservice",
      data: { "payment.yaml": "provider: mock\nfraudCheck: false\n" },
    },
  });
  const old = c.pod("paymentservice-6c8b4d7f95-tq4zd");
  writeSamples(tl, "2024-11-19T18:15:00Z", "2024-11-19T19:25:00Z", [
    {
      metric: "container_cpu_usage_millicores",
      pod: old.metadata.name,
      container: "server",
      value: () => noisy(tl)(23),
    },
  ]);

  const config = c.configMaps.get("payment-config");
  if (!config) throw new Error("no payment-config");
  config.data = { "payment.yaml": "provider: mock\nfraudCheck: true\n" };
  c.modified("2024-11-19T19:02:30Z", config);

  const image = `${REGISTRY}/paymentservice:v0.10.12`;
  const { pod } = rollout(
    c,
    "2024-11-19T19:06:00Z",
    "paymentservice",
    (template) => {
      for (const container of template.spec.containers) container.image = image;
    },
    { hash: "7d4c9b8f6", suffix: "j5rwx", node: "a", ip: "10.0.1.96" },
  );
  const kubelet = {
    component: "kubelet",
    host: NODES.a.name,
    fieldPath: "spec.containers{server}",
  };
  const cs = podStatusOf(pod).containerStatuses[0] as ContainerStatus;
  const notFound = `rpc error: code = NotFound desc = failed to pull and unpack image "${image}": failed to resolve reference "${image}": ${image}: not found`;
  // The kubelet pulls, fails, and backs off: 10 s, 20 s, 40 s … up to 5 minutes.
  let at = "2024-11-19T19:06:02Z";
  for (const backoff of [10, 20, 40, 80, 160, 300, 300]) {
    c.event(at, pod, {
      type: "Normal",
      reason: "Pulling",
      message: `Pulling image "${image}"`,
      ...kubelet,
    });
    const failed = plus(at, 1);
    c.event(failed, pod, {
      type: "Warning",
      reason: "Failed",
      message: `Failed to pull image "${image}": ${notFound}`,
      ...kubelet,
    });
    c.event(failed, pod, {
      type: "Warning",
      reason: "Failed",
      message: "Error: ErrImagePull",
      ...kubelet,
    });
    cs.state = { waiting: { reason: "ErrImagePull", message: notFound } };
    c.modified(failed, pod);
    const waiting = plus(failed, 1);
    c.event(waiting, pod, {
      type: "Normal",
      reason: "BackOff",
      message: `Back-off pulling image "${image}"`,
      ...kubelet,
    });
    c.event(waiting, pod, {
      type: "Warning",
      reason: "Failed",
      message: "Error: ImagePullBackOff",
      ...kubelet,
    });
    cs.state = {
      waiting: { reason: "ImagePullBackOff", message: `Back-off pulling image "${image}"` },
    };
    c.modified(waiting, pod);
    at = plus(waiting, backoff);
    if (Date.parse(at) > Date.parse("2024-11-19T19:24:00Z")) break;
  }

  const header: IncidentHeader = {
    kind: "incident",
    version: 1,
    id: "image-pull-backoff",
    title: "paymentservice rollout stuck in ImagePullBackOff",
    summary:
      "At 19:06:00 paymentservice's image is changed to a tag that does not exist (v0.10.12): the Deployment rolls out revision 7 and the new ReplicaSet's pod cannot pull the image (ErrImagePull, then ImagePullBackOff, again and again); the old pod keeps serving. Distractor: payment-config, which the pods mount, was edited at 19:02:30.",
    constructed: true,
    symptom: {
      from: "2024-11-19T19:05:00Z",
      to: "2024-11-19T19:20:00Z",
      service: "paymentservice",
      alert: "KubeDeploymentReplicasMismatch",
    },
    expected: {
      service: "paymentservice",
      resource: `deployment/${NS}/paymentservice`,
      faultType: "image",
      causalPath: [
        `deployment/${NS}/paymentservice`,
        `replicaset/${NS}/paymentservice-7d4c9b8f6`,
        `pod/${NS}/${pod.metadata.name}`,
        `service/${NS}/paymentservice`,
      ],
    },
  };
  return tl.write(dir, header);
}
