import { describe, expect, it } from "vitest";
import { CompiledPolicy } from "./compiled-policy.ts";
import { type BidFacts, type CampaignState, evaluateBid } from "./evaluate.ts";
import { mulDivFloor, productLess } from "./integer-math.ts";
import { periodBounds } from "./periods.ts";
import { PolicyError, parsePolicy } from "./policy-document.ts";

const DAY = 86_400_000;
const START = Date.UTC(2026, 11, 6);
/** $1,000 a day, nothing spent, the day half gone. */
const state = (over: Partial<CampaignState> = {}): CampaignState => ({
  clientKilled: false,
  clientKillReason: null,
  campaignKilled: false,
  campaignKillReason: null,
  budgetMicros: 1_000_000_000,
  spentMicros: 0,
  periodStartMs: START,
  periodEndMs: START + DAY,
  ...over,
});
const bid = (over: Partial<BidFacts> = {}): BidFacts => ({
  clientId: "acme",
  campaignId: "search",
  bidMicros: 2_000_000,
  predictedLtvMicros: 10_000_000,
  atMs: START + DAY / 2,
  ...over,
});
const policy = (doc: unknown = {}) => new CompiledPolicy(1, parsePolicy(doc));
const codes = (v: { reasons: readonly { code: string }[] }) => v.reasons.map((r) => r.code);

describe("the policy check's evaluation", () => {
  it("allows a bid within every rule, and allocates no reasons for it", () => {
    const p = policy({ pacing: { toleranceBps: 1000 }, roasFloor: { minRoasBps: 30_000 } });
    const a = evaluateBid(p, state(), bid());
    const b = evaluateBid(p, state(), bid({ bidMicros: 3_000_000 }));
    expect(a).toEqual({ verdict: "allow", reasons: [] });
    expect(a).toBe(b);
  });

  it("denies over the budget: spent + bid > budget, to the micro", () => {
    const p = policy();
    const at = (spent: number) => evaluateBid(p, state({ spentMicros: spent }), bid());
    expect(at(998_000_000).verdict).toBe("allow");
    expect(at(998_000_001)).toMatchObject({
      verdict: "deny",
      reasons: [
        {
          code: "budget_exceeded",
          message: "spent 998000001 + bid 2000000 micros is over the budget of 1000000000",
        },
      ],
    });
  });

  it("denies spend running ahead of the pace by more than the tolerance", () => {
    const p = policy({ pacing: { toleranceBps: 1000 } });
    // Half the day gone: 500M by now, plus 10 % of the budget = 600M.
    expect(evaluateBid(p, state({ spentMicros: 598_000_000 }), bid()).verdict).toBe("allow");
    const ahead = evaluateBid(p, state({ spentMicros: 598_000_001 }), bid());
    expect(codes(ahead)).toEqual(["pacing_ahead"]);
    expect(ahead.reasons[0]?.message).toContain("600000000 by now (1000 bps tolerance)");
    // At the period's start only the tolerance is open; without pacing, only the budget.
    const early = bid({ atMs: START, bidMicros: 100_000_001 });
    expect(codes(evaluateBid(p, state(), early))).toEqual(["pacing_ahead"]);
    expect(evaluateBid(policy(), state(), early).verdict).toBe("allow");
  });

  it("denies a bid whose predicted LTV is below the ROAS floor, in integer arithmetic", () => {
    const p = policy({ roasFloor: { minRoasBps: 30_000 } });
    expect(evaluateBid(p, state(), bid({ predictedLtvMicros: 6_000_000 })).verdict).toBe("allow");
    const low = evaluateBid(p, state(), bid({ predictedLtvMicros: 5_999_999 }));
    expect(low.reasons).toEqual([
      {
        code: "roas_below_floor",
        message: "predicted LTV 5999999 ÷ bid 2000000 micros is below the ROAS floor of 3×",
      },
    ]);
    expect(codes(evaluateBid(p, state(), bid({ predictedLtvMicros: null })))).toEqual([
      "ltv_missing",
    ]);
    // Past 2^53: 9e15 × 10,000 against 30,000 × 3e15 + 1 (a double would call them equal).
    const big = state({ budgetMicros: Number.MAX_SAFE_INTEGER });
    const huge = bid({ predictedLtvMicros: 9_000_000_000_000_000, bidMicros: 3e15 + 1 });
    expect(codes(evaluateBid(p, big, huge))).toEqual(["roas_below_floor"]);
    expect(evaluateBid(p, big, { ...huge, bidMicros: 3e15 }).verdict).toBe("allow");
  });

  it("denies when the client's or the campaign's kill switch is on, naming the reason", () => {
    const p = policy();
    const killed = evaluateBid(p, state({ clientKilled: true, clientKillReason: "fraud" }), bid());
    expect(killed.reasons).toEqual([
      { code: "client_killed", message: "client acme is stopped: fraud" },
    ]);
    expect(codes(evaluateBid(p, state({ campaignKilled: true }), bid()))).toEqual([
      "campaign_killed",
    ]);
  });

  it("denies a bid above the largest allowed", () => {
    const p = policy({ maxBidMicros: 1_999_999 });
    expect(codes(evaluateBid(p, state(), bid()))).toEqual(["bid_above_max"]);
  });

  it("lists every reason, not the first", () => {
    const p = policy({ pacing: { toleranceBps: 0 }, roasFloor: { minRoasBps: 30_000 } });
    const all = evaluateBid(
      p,
      state({ clientKilled: true, campaignKilled: true, spentMicros: 999_000_000 }),
      bid({ predictedLtvMicros: 1 }),
    );
    expect(codes(all)).toEqual([
      "client_killed",
      "campaign_killed",
      "budget_exceeded",
      "pacing_ahead",
      "roas_below_floor",
    ]);
  });

  it("applies a campaign's rule over its client's over the default; null turns one off", () => {
    const p = policy({
      roasFloor: { minRoasBps: 30_000 },
      clients: { acme: { roasFloor: { minRoasBps: 10_000 } } },
      campaigns: { brand: { roasFloor: null }, search: { roasFloor: { minRoasBps: 60_000 } } },
    });
    const ltv = bid({ predictedLtvMicros: 8_000_000 }); // 4×
    expect(evaluateBid(p, state(), ltv).verdict).toBe("deny"); // search: 6×
    expect(evaluateBid(p, state(), { ...ltv, campaignId: "display" }).verdict).toBe("allow"); // acme: 1×
    expect(evaluateBid(p, state(), { ...ltv, clientId: "other", campaignId: "x" }).verdict).toBe(
      "allow",
    ); // default 3×
    const none = { ...ltv, clientId: "other", campaignId: "brand", predictedLtvMicros: 1 };
    expect(evaluateBid(p, state(), none).verdict).toBe("allow");
  });
});

describe("policy documents", () => {
  it("refuses a bad document naming the field's path", () => {
    const bad = (doc: unknown) => {
      try {
        parsePolicy(doc);
      } catch (err) {
        expect(err).toBeInstanceOf(PolicyError);
        return (err as PolicyError).message;
      }
      throw new Error("accepted");
    };
    expect(bad({ pacing: { toleranceBps: 10_001 } })).toMatch(/^pacing\.toleranceBps: /);
    expect(bad({ roasFloor: { minRoasBps: 2.5 } })).toMatch(
      /^roasFloor\.minRoasBps: .*expected int/,
    );
    expect(bad({ campaigns: { c1: { pacing: { tolerance: 5 } } } })).toMatch(
      /^campaigns\.c1\.pacing\.toleranceBps: .*received undefined/,
    );
    expect(bad({ campaigns: { c1: { pacing: { toleranceBps: 5, x: 1 } } } })).toMatch(
      /^campaigns\.c1\.pacing: .*"x"/,
    );
    expect(bad({ maxBidMicros: 0 })).toMatch(/^maxBidMicros: /);
    expect(bad({ budget: 5 })).toMatch(/^\(root\): .*budget/);
    expect(bad({ clients: { "no spaces": {} } })).toMatch(/^clients/);
    expect(bad([])).toMatch(/^\(root\)/);
  });
});

describe("periods and integer arithmetic", () => {
  it("bounds days, ISO weeks from Monday and calendar months in UTC", () => {
    const at = Date.UTC(2026, 11, 6, 15); // a Sunday
    expect(periodBounds("day", at)).toEqual({ startMs: START, endMs: START + DAY });
    expect(periodBounds("week", at)).toEqual({
      startMs: Date.UTC(2026, 10, 30),
      endMs: Date.UTC(2026, 11, 7),
    });
    expect(periodBounds("week", Date.UTC(2026, 10, 30))).toEqual(periodBounds("week", at));
    expect(periodBounds("month", at)).toEqual({
      startMs: Date.UTC(2026, 11, 1),
      endMs: Date.UTC(2027, 0, 1),
    });
  });

  it("multiplies and divides exactly past 2^53", () => {
    expect(mulDivFloor(7, 3, 2)).toBe(10);
    const budget = 9_007_199_254_740_991;
    expect(mulDivFloor(budget, 1_234_567_891, 2_678_400_000)).toBe(
      Number((BigInt(budget) * 1_234_567_891n) / 2_678_400_000n),
    );
    expect(productLess(2 ** 52, 4, 2 ** 53, 2)).toBe(false);
    expect(productLess(2 ** 52 + 1, 3, 2 ** 53, 2)).toBe(true);
  });
});
