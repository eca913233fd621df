import { describe, expect, it } from "vitest";
import { syntheticInput } from "../testing/synthetic.ts";
import { DEFAULT_RANK, rankCandidates } from "./rank.ts";

const SERVICES = ["frontend", "checkout", "cart", "ad"];
const CALLS: [string, string][] = [
  ["frontend", "checkout"],
  ["frontend", "ad"],
  ["checkout", "cart"],
];
const services = (r: ReturnType<typeof rankCandidates>) => r.map((c) => c.service);

describe("rankCandidates", () => {
  it("ranks a CPU fault first, types it cpu and gives its path to the symptom", () => {
    const input = syntheticInput(
      SERVICES,
      CALLS,
      [
        { service: "cart", metric: "pod_cpu_usage_millicores", factor: 5 },
        { service: "cart", metric: "pod_server_latency_p90_seconds", factor: 4 },
        { service: "checkout", metric: "pod_client_latency_p90_seconds", factor: 5 },
        { service: "frontend", metric: "pod_client_latency_p90_seconds", factor: 3 },
      ],
      "frontend",
    );
    const [top] = rankCandidates(input);
    expect(top?.service).toBe("cart");
    expect(top?.resource).toBe("pod/shop/cart-0");
    expect(top?.faultType).toBe("cpu");
    expect(top?.path).toEqual(["cart", "checkout", "frontend"]);
    expect(top?.evidence[0]).toMatchObject({ metric: "pod_cpu_usage_millicores", signal: "cpu" });
    expect(top?.evidence[0]?.z).toBeGreaterThan(10);
    expect(top?.evidence[0]?.value).toBeGreaterThan(4 * (top?.evidence[0]?.baseline ?? 0));
  });

  it("lets a callee's latency explain its callers' larger latency", () => {
    // A slow cart: its callers' latency rises even more (they wait on it, plus their own work).
    const input = syntheticInput(SERVICES, CALLS, [
      { service: "cart", metric: "pod_server_latency_p90_seconds", factor: 6 },
      { service: "checkout", metric: "pod_server_latency_p90_seconds", factor: 7 },
      { service: "frontend", metric: "pod_server_latency_p90_seconds", factor: 7 },
    ]);
    expect(services(rankCandidates(input))[0]).toBe("cart");
    // Without the call graph the caller with the largest move wins: the rule is what finds cart.
    const blind = rankCandidates(input, { ...DEFAULT_RANK, graph: "none" });
    expect(services(blind)[0]).not.toBe("cart");
  });

  it("blames the caller when its callees' traffic drops", () => {
    // checkout fails before calling cart: cart sees fewer calls, checkout itself moves a little.
    const input = syntheticInput(SERVICES, CALLS, [
      { service: "cart", metric: "pod_workload_ops", factor: 0.1 },
      { service: "checkout", metric: "pod_memory_usage_mebibytes", factor: 1.15 },
    ]);
    expect(services(rankCandidates(input))[0]).toBe("checkout");
    const kept = rankCandidates(input, { ...DEFAULT_RANK, dropTransfer: 0 });
    expect(services(kept)[0]).toBe("cart");
  });

  it("ranks every service with metrics, and none that has only service-level series", () => {
    const input = syntheticInput(SERVICES, CALLS, []);
    const ranked = rankCandidates(input);
    expect(services(ranked).sort()).toEqual([...SERVICES].sort());
    for (const c of ranked) expect(c.faultType).toBe("unknown");
  });

  it("with only the anomalous series (what stored anomaly events give), still blames the callers of a drop, the one that moved itself first", () => {
    // cart is called by frontend and checkout; only cart's drop and checkout's memory moved.
    const calls: [string, string][] = [
      ["frontend", "checkout"],
      ["frontend", "cart"],
      ["checkout", "cart"],
    ];
    const full = syntheticInput(SERVICES, calls, [
      { service: "cart", metric: "pod_workload_ops", factor: 0.1 },
      { service: "checkout", metric: "pod_memory_usage_mebibytes", factor: 1.3 },
    ]);
    const moved = (m: (typeof full.metrics)[number]) =>
      (m.resource === "pod/shop/cart-0" && m.name === "pod_workload_ops") ||
      (m.resource === "pod/shop/checkout-0" && m.name === "pod_memory_usage_mebibytes");
    const ranked = rankCandidates({ ...full, metrics: full.metrics.filter(moved) });
    expect(services(ranked).slice(0, 2)).toEqual(["checkout", "frontend"]);
    expect(ranked[0]?.score).toBe(ranked[1]?.score);
    expect(ranked[1]?.evidence).toEqual([]);
  });
});
