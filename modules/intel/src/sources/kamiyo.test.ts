import type { Finding } from "@kamiyo/core";
import { describe, expect, it } from "vitest";
import { findingsToRecords } from "./kamiyo.ts";

const HLP = "0xdfc24b077bc1425ad1dea75bcb6f8158e10df303";

function finding(over: Partial<Finding>): Finding {
  return {
    id: "fnd_0m85n41y8aaaaaaaaaaaa",
    tenantId: "ten_default",
    detector: "hlp",
    kind: "pnl-loss",
    subject: { type: "vault", id: HLP },
    key: "",
    severity: "critical",
    status: "open",
    title: "HLP lost $3.5M in 24 h",
    evidence: {
      pnl1hUsd: -2_500_000,
      pnl24hUsd: -3_500_000,
      pnl7dUsd: -2_000_000,
      pnl30dUsd: 1_000_000,
    },
    firstDataAt: Date.UTC(2025, 2, 12, 9, 40),
    dataAt: Date.UTC(2025, 2, 12, 10),
    detectedAt: Date.UTC(2025, 2, 12, 9, 41),
    updatedAt: Date.UTC(2025, 2, 12, 10),
    resolvedAt: null,
    occurrences: 3,
    ...over,
  };
}

describe("the monitor's own loss findings as an intel source", () => {
  it("reports HLP losses and inherited-position losses, and nothing else", () => {
    const records = findingsToRecords([
      finding({}),
      finding({
        id: "fnd_0m85n41y8bbbbbbbbbbbb",
        kind: "inherited-position",
        evidence: { unrealizedPnlUsd: -1_000_000, worstUnrealizedPnlUsd: -6_800_000 },
      }),
      finding({
        id: "fnd_0m85n41y8cccccccccccc",
        detector: "oracle",
        kind: "deviation",
        evidence: {},
      }),
      // A gain is not a loss.
      finding({ id: "fnd_0m85n41y8dddddddddddd", evidence: { pnl24hUsd: 2_000_000 } }),
    ]);
    expect(records).toEqual([
      expect.objectContaining({
        source: "kamiyo",
        sourceKey: "fnd_0m85n41y8aaaaaaaaaaaa",
        protocol: "Hyperliquid HLP",
        date: "2025-03-12",
        chains: ["Hyperliquid"],
        lossUsd: 3_500_000,
        url: `https://app.hyperliquid.xyz/vaults/${HLP}`,
      }),
      expect.objectContaining({ sourceKey: "fnd_0m85n41y8bbbbbbbbbbbb", lossUsd: 6_800_000 }),
    ]);
  });
});
