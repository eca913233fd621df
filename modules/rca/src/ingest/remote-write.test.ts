import { describe, expect, it } from "vitest";
import { buildGraph } from "./build-graph.ts";
import { metricMeta, serviceOfPod } from "./remote-write.ts";

describe("serviceOfPod", () => {
  it.each([
    ["cartservice-579f59597d-wc2lz", "cartservice"],
    ["ts-verification-code-service-7b6dc75c45-2z9p2", "ts-verification-code-service"],
    ["ts-station-food-service-dc4d75dd-fw6ft", "ts-station-food-service"],
    ["redis-0", "redis"],
    ["standalone", "standalone"],
  ])("%s belongs to %s", (pod, service) => expect(serviceOfPod(pod)).toBe(service));
});

describe("metricMeta", () => {
  it.each([
    ["pod_cpu_usage_millicores", "millicores", "cpu"],
    ["pod_memory_usage_mebibytes", "mebibytes", "memory"],
    ["pod_server_latency_p90_seconds", "seconds", "latency"],
    ["pod_success_rate_percent", "percent", "errors"],
    ["pod_network_receive_bytes", "bytes", "network"],
    ["pod_workload_ops", "ops", "traffic"],
    ["node_cpu_usage_percent", "percent", "node"],
  ])("%s is in %s and measures %s", (name, unit, signal) =>
    expect(metricMeta(name)).toEqual({ unit, signal }),
  );
});

describe("buildGraph", () => {
  it("makes pods, services, SELECTS and CALLS from remote-write series, with baselines", () => {
    const at = (m: number) => Date.UTC(2024, 0, 1) + m * 60_000;
    const cpu = (pod: string, v: number) => ({
      labels: { __name__: "pod_cpu_usage_millicores", namespace: "shop", pod },
      samples: [0, 1, 2].map((m) => ({ timestamp: at(m), value: v + m })),
    });
    const g = buildGraph({
      series: [cpu("cart-5d8f7c9b4-x2k9q", 10), cpu("frontend-6b7c8d9f5-abcde", 20)],
      normal: [cpu("cart-5d8f7c9b4-x2k9q", 10)],
      calls: [{ source: "frontend", target: "cart", weight: 2 }],
    });
    expect(g.resources.map((r) => r.id).sort()).toEqual([
      "pod/shop/cart-5d8f7c9b4-x2k9q",
      "pod/shop/frontend-6b7c8d9f5-abcde",
      "service/shop/cart",
      "service/shop/frontend",
    ]);
    expect(g.relations).toContainEqual({
      type: "CALLS",
      from: "service/shop/frontend",
      to: "service/shop/cart",
      weight: 2,
    });
    const cart = g.metrics.find((m) => m.resource === "pod/shop/cart-5d8f7c9b4-x2k9q");
    expect(cart?.baseline?.median).toBe(11);
    expect(cart?.signal).toBe("cpu");
    expect(g.metrics.find((m) => m.resource.includes("frontend"))?.baseline).toBeUndefined();
  });
});
