import { describe, expect, it } from "vitest";
import { syntheticInput } from "../testing/synthetic.ts";
import { callGraph, pathToSymptom, personalizedPageRank } from "./graph.ts";

const input = syntheticInput(
  ["frontend", "checkout", "cart", "ad"],
  [
    ["frontend", "checkout"],
    ["frontend", "ad"],
    ["checkout", "cart"],
  ],
  [],
);

describe("the call graph", () => {
  const graph = callGraph(input);

  it("maps CALLS relations to services both ways", () => {
    expect([...(graph.callees.get("frontend") ?? [])].sort()).toEqual(["ad", "checkout"]);
    expect([...(graph.callers.get("cart") ?? [])]).toEqual(["checkout"]);
  });

  it("gives the chain of callers from a candidate to the symptom", () => {
    expect(pathToSymptom(graph, "cart", "frontend")).toEqual(["cart", "checkout", "frontend"]);
    expect(pathToSymptom(graph, "ad", "checkout")).toEqual(["ad"]);
    expect(pathToSymptom(graph, "cart")).toEqual(["cart"]);
  });

  it("personalized PageRank sums to 1 and carries blame to the anomalous callee", () => {
    const pr = personalizedPageRank(
      graph,
      new Map([
        ["frontend", 1],
        ["checkout", 1],
        ["cart", 1],
        ["ad", 0],
      ]),
    );
    const total = [...pr.values()].reduce((s, v) => s + v, 0);
    expect(total).toBeCloseTo(1, 9);
    expect(pr.get("cart") ?? 0).toBeGreaterThan(pr.get("checkout") ?? 0);
    expect(pr.get("ad") ?? 1).toBeLessThan(0.01);
    // networkx 3.6.1: nx.pagerank(G, alpha=0.85, personalization=p, dangling=p, weight="weight",
    // tol=1e-14) with each edge weighted 1e-6 + p[callee], p = the normalised scores above.
    expect(pr.get("frontend")).toBeCloseTo(0.1844168065, 6);
    expect(pr.get("checkout")).toBeCloseTo(0.3411709353, 6);
    expect(pr.get("cart")).toBeCloseTo(0.4744121015, 6);
    expect(pr.get("ad")).toBeCloseTo(1.568e-7, 6);
  });
});
