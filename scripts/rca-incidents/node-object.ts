/** An EKS worker node as the API server returns it (labels, conditions, capacity, nodeInfo). */
import type { Condition } from "./object-types.ts";
import { hex, meta } from "./objects.ts";
import type { KubeObject, Timeline } from "./timeline.ts";

/** An EKS worker node, Ready since `readySince`. */
export function nodeObject(
  tl: Timeline,
  name: string,
  ip: string,
  zone: string,
  createdAt: string,
  heartbeat: string,
): KubeObject {
  const since = createdAt;
  const condition = (type: string, reason: string, message: string): Condition => ({
    type,
    status: type === "Ready" ? "True" : "False",
    lastHeartbeatTime: heartbeat,
    lastTransitionTime: since,
    reason,
    message,
  });
  return {
    apiVersion: "v1",
    kind: "Node",
    metadata: meta(tl, name, createdAt, {
      labels: {
        "beta.kubernetes.io/arch": "amd64",
        "beta.kubernetes.io/instance-type": "m5.large",
        "beta.kubernetes.io/os": "linux",
        "eks.amazonaws.com/capacityType": "ON_DEMAND",
        "eks.amazonaws.com/nodegroup": "boutique-ng-1",
        "kubernetes.io/arch": "amd64",
        "kubernetes.io/hostname": name,
        "kubernetes.io/os": "linux",
        "node.kubernetes.io/instance-type": "m5.large",
        "topology.kubernetes.io/region": "us-east-2",
        "topology.kubernetes.io/zone": zone,
      },
      annotations: {
        "alpha.kubernetes.io/provided-node-ip": ip,
        "node.alpha.kubernetes.io/ttl": "0",
        "volumes.kubernetes.io/controller-managed-attach-detach": "true",
      },
    }),
    spec: { providerID: `aws:///${zone}/i-0${hex(tl, 16)}` },
    status: {
      capacity: {
        cpu: "2",
        "ephemeral-storage": "83873772Ki",
        "hugepages-1Gi": "0",
        "hugepages-2Mi": "0",
        memory: "7910348Ki",
        pods: "29",
      },
      allocatable: {
        cpu: "1930m",
        "ephemeral-storage": "76224326324",
        "hugepages-1Gi": "0",
        "hugepages-2Mi": "0",
        memory: "7220172Ki",
        pods: "29",
      },
      conditions: [
        condition(
          "MemoryPressure",
          "KubeletHasSufficientMemory",
          "kubelet has sufficient memory available",
        ),
        condition("DiskPressure", "KubeletHasNoDiskPressure", "kubelet has no disk pressure"),
        condition("PIDPressure", "KubeletHasSufficientPID", "kubelet has sufficient PID available"),
        condition("Ready", "KubeletReady", "kubelet is posting ready status"),
      ],
      addresses: [
        { type: "InternalIP", address: ip },
        { type: "InternalDNS", address: name },
        { type: "Hostname", address: name },
      ],
      daemonEndpoints: { kubeletEndpoint: { Port: 10250 } },
      nodeInfo: {
        machineID: hex(tl, 32),
        systemUUID: `ec2${hex(tl, 5)}-${hex(tl, 4)}-${hex(tl, 4)}-${hex(tl, 4)}-${hex(tl, 12)}`,
        bootID: tl.uid(),
        kernelVersion: "5.10.226-214.879.amzn2.x86_64",
        osImage: "Amazon Linux 2",
        containerRuntimeVersion: "containerd://1.7.22",
        kubeletVersion: "v1.30.4-eks-a737599",
        kubeProxyVersion: "v1.30.4-eks-a737599",
        operatingSystem: "linux",
        architecture: "amd64",
      },
    },
  };
}
