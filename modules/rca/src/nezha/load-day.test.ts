import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { NEZHA_FIXTURE } from "./fixture.ts";
import { loadNezhaDay, resolveNezhaDay, utcMs } from "./load-day.ts";

const ob = loadNezhaDay(resolveNezhaDay(NEZHA_FIXTURE, { day: "2022-08-22" }));
const tt = loadNezhaDay(resolveNezhaDay(NEZHA_FIXTURE, { day: "2023-01-29" }));

describe("loadNezhaDay on the fixture", () => {
  it("reads Online Boutique: 10 pods, 14 service CALLS edges, 24 faults", () => {
    expect(ob.pods).toHaveLength(10);
    expect(ob.calls).toHaveLength(14);
    expect(ob.calls).toContainEqual({ source: "frontend", target: "cartservice", weight: 1 });
    expect(ob.cases).toHaveLength(24);
    expect(ob.entryService).toBe("frontend");
    expect(tt.entryService).toBe("Frontend");
    expect(new Set(ob.cases.map((c) => c.faultType))).toEqual(
      new Set(["cpu_contention", "cpu_consumed", "network_delay", "return", "exception"]),
    );
  });

  it("reads Train Ticket: 46 pods, no call graph, 28 faults", () => {
    expect(tt.pods).toHaveLength(46);
    expect(tt.calls).toHaveLength(0);
    expect(tt.cases).toHaveLength(28);
  });

  it("labels each case with the service of its pod and the UTC inject time", () => {
    expect(ob.cases[4]).toMatchObject({
      id: "2022-08-22#5",
      pod: "cartservice-579f59597d-wc2lz",
      service: "cartservice",
      faultType: "network_delay",
      injectAt: Date.UTC(2022, 7, 22, 4, 27, 3),
    });
    // inject_time, not the 8-hours-off inject_timestamp: the case falls inside the metrics.
    expect(tt.cases[0]?.injectAt).toBe(Date.UTC(2023, 0, 29, 8, 43, 4));
  });

  it("shapes metrics as remote-write series: name, namespace and pod labels, ms timestamps", () => {
    // 10 pods × 19 columns + 5 entry-service columns + 2 × 14 call edges.
    expect(ob.series).toHaveLength(10 * 19 + 5 + 28);
    const cpu = ob.series.find(
      (s) =>
        s.labels.__name__ === "pod_cpu_usage_millicores" && s.labels.pod?.startsWith("cartservice"),
    );
    expect(cpu?.labels).toEqual({
      __name__: "pod_cpu_usage_millicores",
      namespace: "default",
      pod: "cartservice-579f59597d-wc2lz",
    });
    expect(cpu?.samples[0]).toEqual({
      timestamp: Date.UTC(2022, 7, 22, 3, 51, 19),
      value: expect.closeTo(2.8428, 3),
    });
    expect(ob.normal).toHaveLength(ob.series.length);
  });

  it("takes times from the Time column, so adservice's broken TimeStamp column does not matter", () => {
    const ad = ob.series.find((s) => s.labels.pod?.startsWith("adservice"));
    const cart = ob.series.find((s) => s.labels.pod?.startsWith("cartservice"));
    expect(ad?.samples[0]?.timestamp).toBe(cart?.samples[0]?.timestamp);
  });

  it("accepts the day's folders given directly, and names what is missing", () => {
    const direct = resolveNezhaDay(join(NEZHA_FIXTURE, "rca_data", "2022-08-22"));
    expect(direct).toEqual(resolveNezhaDay(NEZHA_FIXTURE, { day: "2022-08-22" }));
    expect(() => resolveNezhaDay(NEZHA_FIXTURE)).toThrow(/holds 2 days/);
    expect(() =>
      loadNezhaDay({
        day: "x",
        rca: join(NEZHA_FIXTURE, "rca_data", "2022-08-22"),
        construct: "/nowhere",
      }),
    ).toThrow(/construct_data/);
  });

  it("parses Nezha's time text as UTC", () => {
    expect(utcMs("2022-08-22 03:51:19.640328427 +0000 UTC m=+0.146282408")).toBe(
      Date.UTC(2022, 7, 22, 3, 51, 19),
    );
    expect(utcMs("garbage")).toBeNaN();
  });
});
