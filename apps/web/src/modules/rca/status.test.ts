import { describe, expect, it } from "vitest";
import { causalChain, statusLine } from "./status.ts";

describe("a resource's status in a table cell", () => {
  it.each([
    ["node", { conditions: { Ready: "True" } }, "Ready", "ok"],
    ["node", { conditions: { Ready: "Unknown" } }, "Not ready (Ready=Unknown)", "bad"],
    ["deployment", { replicas: 2, available: 1, unavailable: 1 }, "1 of 2 available", "warn"],
    ["statefulset", { replicas: 1, available: 1 }, "1 of 1 available", "ok"],
    [
      "pod",
      {
        phase: "Running",
        containers: [
          {
            name: "cart",
            ready: false,
            restarts: 1,
            state: "waiting",
            reason: "CrashLoopBackOff",
            lastTermination: { reason: "OOMKilled", exitCode: 137 },
          },
        ],
      },
      "Running; cart waiting (CrashLoopBackOff), 1 restart, last OOMKilled",
      "bad",
    ],
    [
      "pod",
      {
        phase: "Succeeded",
        containers: [
          { name: "report", ready: false, restarts: 0, state: "terminated", reason: "Completed" },
        ],
      },
      "Succeeded",
      "ok",
    ],
    ["configmap", {}, "–", "none"],
  ] as const)("%s %j", (kind, status, text, level) => {
    expect(statusLine(kind, structuredClone(status) as never)).toEqual({ text, level });
  });
});

describe("a candidate's causal path", () => {
  it("goes from its resource through its service and each caller to the symptom's service", () => {
    const chain = causalChain(
      {
        service: "cart",
        resource: "pod/shop/cart-1",
        score: 3,
        faultType: "memory",
        path: ["cart", "checkout", "frontend"],
        evidence: [],
      },
      "frontend",
    );
    expect(chain.nodes.map((n) => [n.label, n.kind, n.cause, n.symptom])).toEqual([
      ["pod/shop/cart-1", "resource", false, false],
      ["cart", "service", true, false],
      ["checkout", "service", false, false],
      ["frontend", "service", false, true],
    ]);
    expect(chain.edges).toEqual(["part of", "called by", "called by"]);
  });

  it("is one node when the candidate is the symptom's own service, or no symptom was named", () => {
    const own = {
      service: "frontend",
      score: 1,
      faultType: "latency",
      path: ["frontend"],
      evidence: [],
    };
    expect(causalChain(own, "frontend")).toEqual({
      nodes: [{ label: "frontend", kind: "service", cause: true, symptom: true }],
      edges: [],
    });
    expect(causalChain({ ...own, path: [] }).nodes).toEqual([
      { label: "frontend", kind: "service", cause: true, symptom: false },
    ]);
  });

  it("draws the answer's causal path of resources when it has one, with how the fault travels", () => {
    const chain = causalChain(
      {
        service: "currency",
        resource: "configmap/shop/currency-config",
        score: 5,
        faultType: "config",
        path: ["currency", "frontend"],
        causalPath: [
          "configmap/shop/currency-config",
          "pod/shop/currency-5f9-x",
          "service/shop/currency",
          "service/shop/frontend",
        ],
        evidence: [],
      },
      "frontend",
    );
    expect(chain.nodes.map((n) => [n.label, n.cause, n.symptom])).toEqual([
      ["configmap/shop/currency-config", true, false],
      ["pod/shop/currency-5f9-x", false, false],
      ["service/shop/currency", false, false],
      ["service/shop/frontend", false, true],
    ]);
    expect(chain.edges).toEqual(["mounted by", "selected by", "called by"]);
  });
});
