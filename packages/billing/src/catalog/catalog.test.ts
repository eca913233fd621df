import { describe, expect, it } from "vitest";
import {
  CATALOG,
  EDITION_IDS,
  type FeatureId,
  GB,
  isPlanId,
  type Limits,
  PLAN_IDS,
  planAllows,
  planById,
  plansOf,
} from "./index.ts";

/** The plan ids of issue 13, by product. */
const IDS = {
  platform: ["open_source", "cloud_basic", "cloud_pro", "cloud_enterprise"],
  intel: ["intel_free", "intel_pro", "intel_team", "intel_enterprise"],
  rca: ["rca_free", "rca_basic", "rca_pro", "rca_enterprise"],
  shield: ["shield_oaas"],
} as const;

const limit = (id: string, key: keyof Limits) => planById(id).limits[key];

describe("the catalog", () => {
  it("has every plan of every product, once, in price order", () => {
    for (const [product, ids] of Object.entries(IDS))
      expect(plansOf(product as keyof typeof IDS).map((p) => p.id)).toEqual(ids);
    expect(PLAN_IDS).toEqual(Object.values(IDS).flat());
    expect(new Set(PLAN_IDS).size).toBe(PLAN_IDS.length);
    expect(EDITION_IDS).toEqual(IDS.platform);
    expect(isPlanId("intel_team")).toBe(true);
    expect(isPlanId("intel_gold")).toBe(false);
    expect(() => planById("intel_gold")).toThrow(/unknown plan "intel_gold"; one of open_source/);
  });

  it("states money in whole cents and limits in whole units", () => {
    for (const p of CATALOG) {
      if (p.monthlyCents !== null) expect(Number.isSafeInteger(p.monthlyCents)).toBe(true);
      for (const v of Object.values(p.limits))
        if (v !== null) expect(Number.isSafeInteger(v) && v >= 0, `${p.id}: ${v}`).toBe(true);
      for (const o of p.overage)
        expect(Number.isSafeInteger(o.cents) && Number.isSafeInteger(o.per) && o.per > 0).toBe(
          true,
        );
    }
  });

  it("prices the plans as PRODUCT.md §2 sells them", () => {
    const cents = Object.fromEntries(CATALOG.map((p) => [p.id, p.monthlyCents]));
    expect(cents).toEqual({
      open_source: 0,
      cloud_basic: 9_900,
      cloud_pro: 29_900,
      cloud_enterprise: 249_900,
      intel_free: 0,
      intel_pro: 4_900,
      intel_team: 14_900,
      intel_enterprise: 79_900,
      rca_free: 0,
      rca_basic: 9_900,
      rca_pro: 49_900,
      rca_enterprise: null,
      shield_oaas: 0,
    });
    expect(planById("shield_oaas").outcomeShareBps).toBe(1_500);
    // A bidder's checks are not held to the install's per-key rate for people (6,000 a minute).
    expect(planById("shield_oaas").limits.requestsPerMinute).toBe(1_200_000);
  });

  it("gives the editions the matrix's limits, features and support", () => {
    const row = (key: keyof Limits) => IDS.platform.map((id) => limit(id, key));
    expect(row("apiCallsPerDay")).toEqual([100_000, 10_000, 100_000, null]);
    expect(row("alertsPerDay")).toEqual([1_000, 100, 500, 10_000]);
    expect(row("historyDays")).toEqual([90, 30, 180, 365]);
    expect(row("protocols")).toEqual([1, 5, 20, null]);
    expect(IDS.platform.map((id) => planById(id).support)).toEqual([
      "community",
      "email",
      "priority",
      "dedicated",
    ]);
    const has = (f: FeatureId) => IDS.platform.filter((id) => planAllows(id, f));
    expect(has("mlEnsemble")).toEqual(["cloud_pro", "cloud_enterprise"]);
    expect(has("crossProtocolCorrelation")).toEqual(["cloud_pro", "cloud_enterprise"]);
    expect(has("customBranding")).toEqual(["cloud_pro", "cloud_enterprise"]);
    for (const f of ["whiteLabel", "sso", "rbac", "auditLogExport", "sla"] as const)
      expect(has(f)).toEqual(["cloud_enterprise"]);
  });

  it("gives exploit intelligence its quotas and webhook endpoints", () => {
    expect(limit("intel_free", "apiCallsPerDay")).toBe(100);
    expect(limit("intel_pro", "apiCallsPerDay")).toBe(10_000);
    expect(limit("intel_team", "webhooks")).toBe(5);
    expect(limit("intel_enterprise", "webhooks")).toBe(50);
  });

  it("gives RCA its quotas, request rates and overage", () => {
    const row = (key: keyof Limits) => IDS.rca.map((id) => limit(id, key));
    expect(row("eventsPerDay")).toEqual([10_000, 100_000, 1_000_000, null]);
    expect(row("rcaQueriesPerPeriod")).toEqual([100, 1_000, 10_000, null]);
    expect(row("storageBytes")).toEqual([1 * GB, 10 * GB, 100 * GB, null]);
    expect(row("apiCallsPerDay")).toEqual([10_000, 100_000, 1_000_000, null]);
    expect(row("requestsPerMinute")).toEqual([100, 1_000, 10_000, 100_000]);
    expect(planById("rca_basic").overage).toEqual([
      { meter: "events_ingested", per: 1_000, cents: 10 },
      { meter: "rca_queries", per: 1, cents: 50 },
      { meter: "storage_bytes", per: GB, cents: 200 },
    ]);
    expect(planById("rca_pro").overage.map((o) => o.cents)).toEqual([5, 25, 100]);
  });
});
