import { describe, expect, it } from "vitest";
import { planById } from "./catalog/index.ts";
import { entitlementsOf } from "./entitlements.ts";
import type { Subscription, SubscriptionStatus } from "./subscriptions.ts";

const sub = (planId: string, status: SubscriptionStatus = "active"): Subscription => {
  const plan = planById(planId);
  return {
    tenantId: "ten_x",
    product: plan.product,
    plan,
    status,
    trialEndsAt: null,
    anchorAt: 0,
    cancelAtPeriodEnd: false,
    createdAt: 0,
    updatedAt: 0,
  };
};

describe("entitlementsOf", () => {
  it("takes each product's limits and the features from the plans in force", () => {
    const e = entitlementsOf([sub("cloud_pro"), sub("intel_team", "past_due")]);
    expect(e.plan("platform")?.id).toBe("cloud_pro");
    expect(e.allows("crossProtocolCorrelation")).toBe(true);
    expect(e.limit("intel", "webhooks")).toBe(5);
    expect(e.limit("platform", "alertsPerDay")).toBe(500);
    // No RCA subscription: nothing of RCA's.
    expect(e.plan("rca")).toBeNull();
    expect(e.limit("rca", "eventsPerDay")).toBe(0);
  });

  it("drops plans that are suspended or canceled", () => {
    for (const status of ["suspended", "canceled"] as const) {
      const e = entitlementsOf([sub("cloud_enterprise", status)]);
      expect(e.plan("platform")).toBeNull();
      expect(e.allows("mlEnsemble")).toBe(false);
    }
    expect(entitlementsOf([sub("cloud_enterprise", "trialing")]).allows("sso")).toBe(true);
  });

  it("finds the most generous limit a plan sets on a shared resource, or none", () => {
    expect(entitlementsOf([sub("open_source"), sub("intel_team")]).most("webhooks")).toMatchObject({
      limit: 5,
      plan: { id: "intel_team" },
    });
    expect(entitlementsOf([sub("open_source"), sub("intel_free")]).most("webhooks")?.limit).toBe(0);
    expect(entitlementsOf([sub("open_source")]).most("webhooks")).toBeNull();
  });

  it("governs a product's API by its own plan, else by the platform edition", () => {
    const both = entitlementsOf([sub("open_source"), sub("intel_free")]);
    expect(both.governing("intel")?.id).toBe("intel_free");
    expect(both.governing("platform")?.id).toBe("open_source");
    expect(entitlementsOf([sub("cloud_pro")]).governing("intel")?.id).toBe("cloud_pro");
    const suspended = entitlementsOf([sub("intel_pro", "suspended")]);
    expect(suspended.governing("intel")).toBeNull();
    expect(suspended.subscription("intel")?.status).toBe("suspended");
    expect(suspended.subscription("rca")).toBeNull();
  });
});
