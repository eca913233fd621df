import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { TraceCallGraph } from "./otlp-traces.ts";

/** An OTLP/HTTP JSON export (constructed, the shape of opentelemetry-proto's examples/trace.json). */
function exportOf(
  spans: readonly { service: string; id: string; parent?: string; trace?: string }[],
) {
  return {
    resourceSpans: spans.map((s) => ({
      resource: { attributes: [{ key: "service.name", value: { stringValue: s.service } }] },
      scopeSpans: [
        {
          scope: { name: "test" },
          spans: [
            {
              traceId: s.trace ?? "5B8EFFF798038103D269B633813FC60C",
              spanId: s.id,
              ...(s.parent ? { parentSpanId: s.parent } : {}),
              name: "op",
              kind: 2,
              startTimeUnixNano: "1544712660000000000",
              endTimeUnixNano: "1544712661000000000",
            },
          ],
        },
      ],
    })),
  };
}

describe("TraceCallGraph", () => {
  it("reads opentelemetry-proto's example export (one span, its parent not sent)", () => {
    const g = new TraceCallGraph();
    const body = readFileSync(new URL("../../fixtures/otlp/trace.json", import.meta.url), "utf8");
    expect(g.add(JSON.parse(body))).toEqual({ spans: 1, withoutService: 0, pending: 1 });
    expect(g.edges()).toEqual([]);
  });

  it("makes CALLS edges from parent service to child service, weighted by count, across batches", () => {
    const g = new TraceCallGraph();
    // Children end first and often arrive before their parent.
    g.add(
      exportOf([
        { service: "cart", id: "c1", parent: "f1" },
        { service: "redis", id: "r1", parent: "c1" },
        { service: "cart", id: "c2", parent: "F1" },
        { service: "cart", id: "c3", parent: "c1" }, // same service: not a call between services
      ]),
    );
    expect(g.edges()).toEqual([{ source: "cart", target: "redis", weight: 1 }]);
    g.add(exportOf([{ service: "frontend", id: "F1" }]));
    g.add(exportOf([{ service: "checkout", id: "k1", parent: "f1" }]));
    // Another trace with the same span ids does not join this one.
    g.add(exportOf([{ service: "payment", id: "p1", parent: "k1", trace: "00ff" }]));
    expect(g.edges()).toEqual([
      { source: "frontend", target: "cart", weight: 2 },
      { source: "cart", target: "redis", weight: 1 },
      { source: "frontend", target: "checkout", weight: 1 },
    ]);
  });

  it("bounds what it remembers and refuses what is not an export", () => {
    const g = new TraceCallGraph({ maxPending: 1 });
    g.add(
      exportOf([
        { service: "a", id: "1", parent: "x" },
        { service: "b", id: "2", parent: "y" },
      ]),
    );
    expect(g.forgotten).toBe(1);
    g.add(
      exportOf([
        { service: "root", id: "x" },
        { service: "root", id: "y" },
      ]),
    );
    expect(g.edges()).toEqual([{ source: "root", target: "b", weight: 1 }]);
    expect(() => g.add({ resourceSpans: [{ scopeSpans: [{ spans: [{ spanId: 1 }] }] }] })).toThrow(
      /not an OTLP traces export: resourceSpans.0.scopeSpans.0.spans.0.traceId/,
    );
    const noService = {
      resourceSpans: [{ scopeSpans: [{ spans: [{ traceId: "t", spanId: "s" }] }] }],
    };
    expect(g.add(noService)).toMatchObject({ spans: 1, withoutService: 1 });
  });
});
