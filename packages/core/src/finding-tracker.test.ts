import { describe, expect, it } from "vitest";
import type { Signal } from "./finding.ts";
import { FindingTracker } from "./finding-tracker.ts";

const base: Signal = {
  kind: "deviation",
  subject: { type: "asset", id: "ETH" },
  severity: "medium",
  title: "ETH deviates 0.4%",
  evidence: { deviationPct: 0.4 },
  dataTime: 1_000,
};

describe("FindingTracker", () => {
  it("keeps one finding with a stable id while the condition holds, escalating severity", () => {
    let now = 5_000;
    const t = new FindingTracker("ten_default", () => now);
    const a = t.raise("oracle", base);
    expect(a.change).toBe("opened");
    now = 6_000;
    const b = t.raise("oracle", {
      ...base,
      severity: "critical",
      title: "ETH deviates 1.2%",
      dataTime: 2_000,
    });
    expect(b.change).toBe("escalated");
    expect(b.finding.id).toBe(a.finding.id);
    expect(b.finding.severity).toBe("critical");
    const c = t.raise("oracle", {
      ...base,
      severity: "medium",
      title: "ETH deviates 0.35%",
      dataTime: 3_000,
    });
    expect(c.change).toBe("updated");
    expect(c.finding.severity).toBe("critical");
    expect(c.finding.title).toBe("ETH deviates 1.2%");
    expect(c.finding.occurrences).toBe(3);
    expect(c.finding.firstDataAt).toBe(1_000);
    expect(c.finding.dataAt).toBe(3_000);
    expect(c.finding.detectedAt).toBe(5_000);
  });

  it("starts a new episode with a new id after resolution, and the same ids on replay", () => {
    const t = new FindingTracker("ten_default", () => 0);
    const first = t.raise("oracle", base).finding.id;
    expect(t.resolve("oracle", base, 2_000, "back inside band")?.finding.status).toBe("resolved");
    expect(t.resolve("oracle", base, 2_000, "again")).toBeNull();
    const second = t.raise("oracle", { ...base, dataTime: 9_000 }).finding.id;
    expect(second).not.toBe(first);
    const replay = new FindingTracker("ten_default", () => 123);
    expect(replay.raise("oracle", base).finding.id).toBe(first);
  });

  it("separates subjects, keys and detectors", () => {
    const t = new FindingTracker("ten_default", () => 0);
    const ids = new Set([
      t.raise("oracle", base).finding.id,
      t.raise("oracle", { ...base, subject: { type: "asset", id: "BTC" } }).finding.id,
      t.raise("oracle", { ...base, key: "x" }).finding.id,
      t.raise("liquidations", base).finding.id,
    ]);
    expect(ids.size).toBe(4);
  });

  it("expires findings not refreshed within their hold time", () => {
    let now = 0;
    const t = new FindingTracker("ten_default", () => now);
    t.raise("liquidations", { ...base, holdMs: 60_000 });
    now = 59_999;
    expect(t.expire()).toHaveLength(0);
    now = 60_000;
    const [expired] = t.expire();
    expect(expired?.finding.status).toBe("resolved");
    expect(t.openFindings()).toHaveLength(0);
  });
});
