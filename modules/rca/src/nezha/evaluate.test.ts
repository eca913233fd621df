import { describe, expect, it } from "vitest";
import { accuracy, graphOfDay, runCases, splitByHour } from "./evaluate.ts";
import { NEZHA_FIXTURE } from "./fixture.ts";
import { loadNezhaDay, resolveNezhaDay } from "./load-day.ts";

/**
 * Floors at what the default parameters measured (scripts/rca-nezha.ts) minus one case, so a
 * regression turns this red. Measured: Online Boutique AC@1 22/24, AC@3 24/24; Train Ticket
 * AC@1 = AC@3 = 5/28 (its return/exception faults leave no trace in these metrics).
 */
describe("accuracy on the labelled Nezha faults", () => {
  it("Online Boutique (2022-08-22)", () => {
    const day = loadNezhaDay(resolveNezhaDay(NEZHA_FIXTURE, { day: "2022-08-22" }));
    const results = runCases(day, graphOfDay(day));
    const a = accuracy(results);
    expect(a.cases).toBe(24);
    expect(a.ac1).toBeGreaterThanOrEqual(21 / 24);
    expect(a.ac3).toBeGreaterThanOrEqual(23 / 24);
    expect(a.byFaultType.cpu_contention?.ac1).toBe(1);
    expect(a.byFaultType.network_delay?.ac1).toBeGreaterThanOrEqual(6 / 7);
    const held = new Set(splitByHour(day.cases).holdOut.map((c) => c.id));
    expect(accuracy(results.filter((r) => held.has(r.case.id))).ac1).toBeGreaterThanOrEqual(8 / 9);
    // The answer carries a causal path to the entry service and the evidence behind it.
    const cart = results.find((r) => r.case.id === "2022-08-22#6")?.top[0];
    expect(cart?.service).toBe("cartservice");
    expect(cart?.path).toEqual(["cartservice", "frontend"]);
    expect(cart?.faultType).toBe("cpu");
    expect(cart?.evidence.length).toBeGreaterThan(0);
  });

  it("Train Ticket (2023-01-29)", () => {
    const day = loadNezhaDay(resolveNezhaDay(NEZHA_FIXTURE, { day: "2023-01-29" }));
    const a = accuracy(runCases(day, graphOfDay(day)));
    expect(a.cases).toBe(28);
    expect(a.ac1).toBeGreaterThanOrEqual(4 / 28);
    expect(a.ac3).toBeGreaterThanOrEqual(4 / 28);
    expect(a.byFaultType.cpu_contention?.ac1).toBeGreaterThanOrEqual(3 / 4);
  });

  it("computes AC@k and Avg@5 from ranks", () => {
    const c = (faultType: string) => ({
      id: "",
      hour: "",
      injectAt: 0,
      pod: "",
      service: "",
      faultType,
    });
    const a = accuracy([
      { case: c("cpu"), rank: 1, top: [] },
      { case: c("cpu"), rank: 3, top: [] },
      { case: c("return"), rank: 6, top: [] },
      { case: c("return"), rank: 0, top: [] },
    ]);
    expect(a).toMatchObject({ cases: 4, ac1: 0.25, ac3: 0.5, ac5: 0.5 });
    expect(a.avg5).toBeCloseTo((0.25 + 0.25 + 0.5 + 0.5 + 0.5) / 5, 12);
    expect(a.byFaultType).toEqual({
      cpu: { cases: 2, ac1: 0.5, ac3: 1 },
      return: { cases: 2, ac1: 0, ac3: 0 },
    });
  });
});
