/** The objects that route to pods and configure them: Services, EndpointSlices, ConfigMaps. */
import { type AppSpec, type Endpoint, podStatusOf } from "./object-types.ts";
import { meta, owner } from "./objects.ts";
import type { KubeObject, Timeline } from "./timeline.ts";

/** A ClusterIP Service selecting the app's pods. */
export function serviceObject(tl: Timeline, app: AppSpec, createdAt: string): KubeObject {
  return {
    apiVersion: "v1",
    kind: "Service",
    metadata: meta(tl, app.name, createdAt, {
      namespace: app.namespace,
      labels: { app: app.name },
    }),
    spec: {
      ports: [
        {
          name: app.portName,
          protocol: "TCP",
          port: app.servicePort ?? app.port,
          targetPort: app.port,
        },
      ],
      selector: { app: app.name },
      clusterIP: app.clusterIP,
      clusterIPs: [app.clusterIP],
      type: "ClusterIP",
      sessionAffinity: "None",
      ipFamilies: ["IPv4"],
      ipFamilyPolicy: "SingleStack",
      internalTrafficPolicy: "Cluster",
    },
    status: { loadBalancer: {} },
  };
}

/** The EndpointSlice the endpointslice controller keeps for `service`. */
export function endpointSliceObject(
  tl: Timeline,
  app: AppSpec,
  service: KubeObject,
  suffix: string,
  endpoints: Endpoint[],
  createdAt: string,
): KubeObject {
  return {
    apiVersion: "discovery.k8s.io/v1",
    kind: "EndpointSlice",
    metadata: meta(tl, `${app.name}-${suffix}`, createdAt, {
      generateName: `${app.name}-`,
      namespace: app.namespace,
      generation: 1,
      labels: {
        app: app.name,
        "endpointslice.kubernetes.io/managed-by": "endpointslice-controller.k8s.io",
        "kubernetes.io/service-name": app.name,
      },
      annotations: { "endpoints.kubernetes.io/last-change-trigger-time": createdAt },
      ownerReferences: [owner(service)],
    }),
    addressType: "IPv4",
    endpoints,
    ports: [{ name: app.portName, protocol: "TCP", port: app.port }],
  };
}

/** An endpoint of a pod. */
export function endpointOf(pod: KubeObject, ready: boolean, zone: string): Endpoint {
  const status = podStatusOf(pod);
  return {
    addresses: [status.podIP ?? ""],
    conditions: { ready, serving: ready, terminating: false },
    targetRef: {
      kind: "Pod",
      namespace: pod.metadata.namespace ?? "",
      name: pod.metadata.name,
      uid: pod.metadata.uid,
    },
    nodeName: (pod.spec as { nodeName: string }).nodeName,
    zone,
  };
}

/** A ConfigMap with its data (the graph builder never reads `data`). */
export function configMapObject(
  tl: Timeline,
  namespace: string,
  name: string,
  labels: Record<string, string>,
  data: Record<string, string>,
  createdAt: string,
): KubeObject {
  return {
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: meta(tl, name, createdAt, { namespace, labels }),
    data,
  };
}
