import { apiHarness, type Harness, NOW } from "@kamiyo/api/testing";
import { createTenant } from "@kamiyo/tenancy";
import { testDbKind } from "@kamiyo/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { intelApi } from "./index.ts";

const DAY = 86_400_000;
let h: Harness;

beforeAll(async () => {
  h = await apiHarness({ seeded: false, modules: [intelApi] });
});
afterAll(async () => h?.close());

describe(`the exploit API's daily quota (${testDbKind})`, () => {
  it("gives an intel_free tenant 100 calls a UTC day, all at once if it likes; the 101st is refused until midnight", async () => {
    const { key } = await createTenant(h.db, {
      name: "free",
      plan: "intel_free",
      actor: "test",
      nowMs: NOW,
    });
    const call = (url = "/exploits") =>
      h.app.inject({ method: "GET", url, headers: { "x-api-key": key } });
    const burst = await Promise.all(Array.from({ length: 100 }, () => call()));
    expect(burst.map((r) => r.statusCode)).toEqual(Array(100).fill(200));
    const remaining = burst
      .map((r) => Number(r.headers["ratelimit-remaining"]))
      .sort((a, b) => a - b);
    expect(remaining).toEqual(Array.from({ length: 100 }, (_, i) => i));

    const refused = await call("/sources/rankings");
    expect(refused.statusCode).toBe(429);
    expect(refused.json().error).toMatchObject({ code: "quota_exceeded" });
    expect(refused.json().error.message).toMatch(
      /daily quota of 100 API calls of the intel_free plan used up; it resets at 00:00 UTC/,
    );
    const untilMidnight = Math.ceil((Math.floor(NOW / DAY) * DAY + DAY - NOW) / 1000);
    expect(Number(refused.headers["retry-after"])).toBe(untilMidnight);
    expect(refused.headers["ratelimit-remaining"]).toBe("0");
    h.expectValid("GET", "/sources/rankings", 429, refused.json());

    h.clock.advanceTo(Math.floor(NOW / DAY) * DAY + DAY);
    const nextDay = await call();
    expect(nextDay.statusCode).toBe(200);
    expect(nextDay.headers["ratelimit-remaining"]).toBe("99");
  });
});
