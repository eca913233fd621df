import { describe, expect, it } from "vitest";
import { replayCorrelations } from "./history.ts";
import { exploit, liquidation, MIN, T0 } from "./test-helpers.ts";

const DAY = 86_400_000;

describe("replayCorrelations", () => {
  it("sorts the events, jumps quiet stretches and resolves every correlation", () => {
    const events = [
      exploit(T0 + 30 * DAY + MIN, "cream-finance", ["Ethereum"], ["flash_loan"]),
      liquidation(T0 + 2, 500_000),
      liquidation(T0, 500_000),
      exploit(T0 + 30 * DAY, "harvest-finance", ["Ethereum"], ["flash_loan"]),
      liquidation(T0 + 1, 500_000),
    ];
    const { findings, stats } = replayCorrelations(events);
    // A finding's first datum is the one that raised it: the third liquidation, the second exploit.
    expect(findings.map((f) => [f.kind, f.status, f.firstDataAt, f.evidence.windowStart])).toEqual([
      ["liquidation-cascade", "resolved", T0 + 2, T0],
      ["flash-loan-cascade", "resolved", T0 + 30 * DAY + MIN, T0 + 30 * DAY],
    ]);
    expect(stats).toMatchObject({ accepted: 5, stale: 0, opened: 2, resolved: 2, open: 0 });
  });
});
