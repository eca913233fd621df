import { describe, expect, it } from "vitest";
import { DEFAULT_ANOMALY, scoreMetric } from "../analysis/anomaly.ts";
import { learnBaseline } from "../analysis/baseline.ts";
import type { MetricSeries } from "../model.ts";
import { NEZHA_FIXTURE } from "../nezha/fixture.ts";
import { loadNezhaDay, resolveNezhaDay } from "../nezha/load-day.ts";
import type { MetricIngestedEvent } from "./events.ts";
import { SampleRing } from "./sample-ring.ts";
import { resourceIdOf, StreamingAnomalyDetector } from "./streaming-anomaly.ts";

const MIN = 60_000;
const T0 = Date.UTC(2024, 0, 1);
const CPU = {
  __name__: "pod_cpu_usage_millicores",
  namespace: "shop",
  pod: "cart-5d8f7c9b4-x2k9q",
};

/** A deterministic wiggle around `level` (±1). */
const calm = (level: number, i: number) => level + Math.sin(i * 1.7);

/** Feeds `values` one a minute from T0 and collects every event. */
function run(det: StreamingAnomalyDetector, values: readonly number[], labels = CPU) {
  const events: MetricIngestedEvent[] = [];
  values.forEach((value, i) => {
    const r = det.observe(labels, { at: T0 + i * MIN, value });
    if (!r.accepted) throw new Error(r.message);
    events.push(...r.events);
  });
  return events;
}

describe("StreamingAnomalyDetector on a synthetic series", () => {
  // 90 calm minutes at 10, a 20-minute step to 40, then calm again.
  const values = Array.from({ length: 150 }, (_, i) =>
    i >= 90 && i < 110 ? 40 + Math.sin(i) : calm(10, i),
  );

  it("emits exactly one anomaly per episode and one recovery, with the window's figures", () => {
    const events = run(new StreamingAnomalyDetector(), values);
    expect(events.map((e) => [e.kind, (e.occurredAt - T0) / MIN])).toEqual([
      ["metric_anomaly", 92], // the window's median moves once 3 of its 5 samples are high
      ["metric_recovery", 112],
    ]);
    const [anomaly, recovery] = events;
    expect(anomaly).toMatchObject({
      resource: "pod/shop/cart-5d8f7c9b4-x2k9q",
      metric: "pod_cpu_usage_millicores",
      signal: "cpu",
      labels: {},
      severity: "warning",
      windowStart: T0 + 87 * MIN,
      windowEnd: T0 + 92 * MIN,
    });
    expect(anomaly?.value).toBeCloseTo(39.5, 0);
    expect(anomaly?.baseline).toBeCloseTo(10, 0);
    expect(anomaly?.z).toBeGreaterThan(10);
    // The recovery is judged against the reference frozen when the episode opened.
    expect(recovery?.baseline).toBe(anomaly?.baseline);
    expect(recovery?.value).toBeLessThan(12);
  });

  it("keeps a fault that outlasts the reference period open instead of learning it as normal", () => {
    const long = Array.from({ length: 260 }, (_, i) => (i >= 90 && i < 240 ? 40 : calm(10, i)));
    const events = run(new StreamingAnomalyDetector(), long);
    expect(events.map((e) => [e.kind, (e.occurredAt - T0) / MIN])).toEqual([
      ["metric_anomaly", 92],
      ["metric_recovery", 242],
    ]);
  });

  it("does not open an episode when CPU falls (not the way faults move it)", () => {
    const drop = values.map((v, i) => (i >= 90 && i < 110 ? 1 : v));
    expect(run(new StreamingAnomalyDetector(), drop)).toEqual([]);
  });

  it("uses a supplied baseline before a reference period exists", () => {
    const baseline = learnBaseline(Array.from({ length: 100 }, (_, i) => calm(10, i)));
    const det = new StreamingAnomalyDetector({ baselineFor: () => baseline });
    const events = run(det, [10, 11, 9, 40, 41, 39, 40]);
    expect(events.map((e) => [e.kind, (e.occurredAt - T0) / MIN])).toEqual([["metric_anomaly", 5]]);
    // Without one, it warms up first and says nothing.
    expect(run(new StreamingAnomalyDetector(), [10, 11, 9, 40, 41, 39, 40])).toEqual([]);
  });

  it("refuses a new series past the tenant's bound, an unnamed resource and out-of-order samples", () => {
    const det = new StreamingAnomalyDetector({ options: { maxSeries: 2 } });
    const at = { at: T0, value: 1 };
    expect(det.observe(CPU, at).accepted).toBe(true);
    expect(det.observe({ ...CPU, pod: "b" }, at).accepted).toBe(true);
    expect(det.observe({ ...CPU, pod: "c" }, at)).toEqual({
      accepted: false,
      reason: "series_limit",
      message: expect.stringMatching(
        /already has 2 series.*pod_cpu_usage_millicores on pod\/shop\/c/,
      ),
    });
    expect(det.observe(CPU, { at: T0 + MIN, value: 1 }).accepted).toBe(true);
    expect(det.observe(CPU, at)).toMatchObject({ accepted: false, reason: "out_of_order" });
    expect(det.observe({ __name__: "up" }, at)).toMatchObject({ reason: "no_resource" });
    expect(det.seriesCount).toBe(2);
    expect(det.evictIdle(T0 + 1)).toBe(1);
    expect(det.observe({ ...CPU, pod: "c" }, at).accepted).toBe(true);
  });
});

describe("SampleRing", () => {
  it("keeps at most its capacity, oldest dropped first, and drops by time", () => {
    const ring = new SampleRing(3);
    for (let i = 0; i < 5; i++) ring.push(i, i * 10);
    expect(ring.toArray()).toEqual([
      { at: 2, value: 20 },
      { at: 3, value: 30 },
      { at: 4, value: 40 },
    ]);
    ring.dropBefore(4);
    expect(ring.toArray()).toEqual([{ at: 4, value: 40 }]);
    expect(ring.last).toBe(4);
  });
});

describe("resourceIdOf", () => {
  it("names a pod, a service or a node", () => {
    expect(resourceIdOf({ pod: "p", namespace: "n" })).toBe("pod/n/p");
    expect(resourceIdOf({ service: "s" })).toBe("service/default/s");
    expect(resourceIdOf({ node: "k1" })).toBe("node/k1");
    expect(resourceIdOf({ job: "x" })).toBeUndefined();
  });
});

describe("StreamingAnomalyDetector on a Nezha fault (Online Boutique, 2022-08-22)", () => {
  const day = loadNezhaDay(resolveNezhaDay(NEZHA_FIXTURE, { day: "2022-08-22" }));
  // Case 13: CPU contention injected into emailservice's pod at 05:27.
  const fault = day.cases.find((c) => c.id === "2022-08-22#13");
  const series = day.series.find(
    (s) => s.labels.pod === fault?.pod && s.labels.__name__ === "pod_cpu_usage_millicores",
  );
  const normal = day.normal.find(
    (s) => s.labels.pod === fault?.pod && s.labels.__name__ === "pod_cpu_usage_millicores",
  );
  const baseline = learnBaseline(normal?.samples.map((s) => s.value) ?? []);

  it("fires within the window after the injection, scoring each window as the batch ranking does", () => {
    if (!fault || !series || !baseline) throw new Error("fixture case missing");
    expect(fault.faultType).toBe("cpu_contention");
    const det = new StreamingAnomalyDetector({ baselineFor: () => baseline });
    const full: MetricSeries = {
      resource: `pod/default/${fault.pod}`,
      name: "pod_cpu_usage_millicores",
      unit: "millicores",
      signal: "cpu",
      samples: series.samples.map((s) => ({ at: s.timestamp, value: s.value })),
      baseline,
    };
    const anomalies: MetricIngestedEvent[] = [];
    let compared = 0;
    let open = false;
    for (const s of series.samples) {
      if (s.timestamp > fault.injectAt + 10 * MIN) break;
      const r = det.observe(series.labels, { at: s.timestamp, value: s.value });
      if (!r.accepted) throw new Error(r.message);
      const batch = scoreMetric(
        full,
        { from: s.timestamp - 5 * MIN + 1, to: s.timestamp + 1 },
        DEFAULT_ANOMALY,
      );
      // Outside an episode the streaming z is the batch scoring's z for the same window.
      if (!open && r.z !== undefined) {
        expect(r.z).toBeCloseTo(batch?.z ?? Number.NaN, 9);
        compared++;
      }
      for (const e of r.events) {
        open = e.kind === "metric_anomaly";
        if (e.kind === "metric_anomaly") anomalies.push(e);
      }
    }
    expect(compared).toBeGreaterThan(60);
    const after = anomalies.filter((e) => e.occurredAt >= fault.injectAt);
    expect(after).toHaveLength(1);
    const first = after[0] as MetricIngestedEvent;
    expect(first.occurredAt - fault.injectAt).toBeLessThanOrEqual(5 * MIN);
    expect(first.z).toBeGreaterThan(100);
    expect(first.value).toBeGreaterThan(10 * first.baseline);
  });
});

describe("StreamingAnomalyDetector on every Nezha CPU fault", () => {
  it.each(["2022-08-22", "2023-01-29"])(
    "%s: the faulty pod's CPU opens an episode within 5 minutes of each CPU injection",
    (dayName) => {
      const day = loadNezhaDay(resolveNezhaDay(NEZHA_FIXTURE, { day: dayName }));
      const key = (l: Readonly<Record<string, string>>) => JSON.stringify(Object.entries(l).sort());
      const normal = new Map(day.normal.map((s) => [key(s.labels), s]));
      const cases = day.cases.filter((c) => c.faultType.startsWith("cpu"));
      expect(cases.length).toBeGreaterThanOrEqual(4);
      const delays = cases.map((c) => {
        const det = new StreamingAnomalyDetector({
          baselineFor: (l) => learnBaseline(normal.get(key(l))?.samples.map((s) => s.value) ?? []),
        });
        let firedAt: number | undefined;
        for (const s of day.series.filter(
          (x) => x.labels.pod === c.pod && x.labels.__name__?.startsWith("pod_cpu_usage"),
        ))
          for (const x of s.samples) {
            if (x.timestamp > c.injectAt + 5 * MIN) break;
            const r = det.observe(s.labels, { at: x.timestamp, value: x.value });
            for (const e of r.accepted ? r.events : [])
              if (e.kind === "metric_anomaly" && e.occurredAt >= c.injectAt)
                firedAt = Math.min(firedAt ?? e.occurredAt, e.occurredAt);
          }
        return firedAt === undefined ? undefined : (firedAt - c.injectAt) / 1000;
      });
      for (const d of delays) {
        expect(d).toBeDefined();
        expect(d).toBeLessThanOrEqual(300);
      }
    },
  );
});

describe("StreamingAnomalyDetector's learnt baseline", () => {
  /** Deterministic noise in [−1, 1). */
  const noise = (i: number) => (Math.abs(Math.sin(i * 12.9898) * 43758.5453) % 1) * 2 - 1;
  // Four noisy hours (±40 around 100: a bursty queue depth), one unusually calm hour, the usual
  // noise again, then a fault.
  const values = Array.from({ length: 400 }, (_, i) =>
    i < 240 ? 100 + 40 * noise(i) : i < 300 ? 100 + noise(i) : i < 360 ? 100 + 40 * noise(i) : 400,
  );
  const anomaliesIn = (events: readonly MetricIngestedEvent[], from: number, to: number) =>
    events.filter(
      (e) =>
        e.kind === "metric_anomaly" &&
        e.occurredAt >= T0 + from * MIN &&
        e.occurredAt < T0 + to * MIN,
    );

  it("does not take the usual noise after a calm hour for a fault, as the hour before alone does", () => {
    const learning = run(new StreamingAnomalyDetector(), values);
    const hourOnly = run(new StreamingAnomalyDetector({ options: { learnSlots: 0 } }), values);
    expect(anomaliesIn(hourOnly, 300, 360).length).toBeGreaterThan(0);
    expect(anomaliesIn(learning, 300, 360)).toEqual([]);
    // A real fault is still one.
    expect(anomaliesIn(learning, 360, 400)).toHaveLength(1);
  });
});
