import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type FindingChange, silentLogger } from "@kamiyo/core";
import { monitorOnly, type ReplaySummary, replay } from "@kamiyo/replay";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hyperliquidReplay } from "./replay-module.ts";
import type { ServerStats } from "./replay-server.ts";
import { ethBackstopRecording, FILL_TIME, T0 } from "./testing/eth-backstop.ts";

interface Seen {
  change: FindingChange["change"];
  id: string;
  detector: string;
  kind: string;
  subject: string;
  severity: string;
  replayTs: number;
  detectedAt: number;
  firstDataAt: number;
}

async function run(
  speed: number | "max",
): Promise<{ summary: ReplaySummary<ServerStats>; seen: Seen[] }> {
  const seen: Seen[] = [];
  const summary = await replay({
    module: hyperliquidReplay,
    file,
    speed,
    config: {},
    log: silentLogger,
    pipeline: monitorOnly({ db: null, tenantId: "ten_default" }),
    onChange: (c, replayTs) =>
      seen.push({
        change: c.change,
        id: c.finding.id,
        detector: c.finding.detector,
        kind: c.finding.kind,
        subject: `${c.finding.subject.type}:${c.finding.subject.id}`,
        severity: c.finding.severity,
        replayTs,
        detectedAt: c.finding.detectedAt,
        firstDataAt: c.finding.firstDataAt,
      }),
  });
  return { summary, seen };
}

let dir: string;
let file: string;
let first: { summary: ReplaySummary<ServerStats>; seen: Seen[] };

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "kamiyo-driver-"));
  file = join(dir, "eth-backstop.ndjson");
  writeFileSync(file, `${ethBackstopRecording().join("\n")}\n`);
  first = await run("max");
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe("replay driver", () => {
  it("opens critical backstop and large-liquidation findings for ETH at the frame's replay time", () => {
    const liq = first.seen.filter((s) => s.detector === "liquidations" && s.change === "opened");
    const backstop = liq.find((s) => s.kind === "backstop");
    const large = liq.find((s) => s.kind === "large-liquidation");
    for (const f of [backstop, large]) {
      expect(f).toMatchObject({
        subject: "asset:ETH",
        severity: "critical",
        replayTs: T0 + 20_000,
        detectedAt: T0 + 20_000,
        firstDataAt: FILL_TIME,
      });
    }
    // Nothing about liquidations before the frame was pushed.
    expect(
      first.seen.filter((s) => s.detector === "liquidations" && s.replayTs < T0 + 20_000),
    ).toEqual([]);
  });

  it("summarises what was read, including the malformed and unknown-src lines", () => {
    const { summary } = first;
    expect(summary.read).toMatchObject({ lines: 10, malformed: 1, unknownSrc: 1, outOfOrder: 0 });
    expect(summary.read.replayed).toBe(8);
    expect(summary.firstTs).toBe(T0);
    expect(summary.lastTs).toBe(T0 + 60_000);
    expect(summary.labels).toEqual(["test: ETH whale backstop"]);
    expect(summary.server.connections).toBeGreaterThanOrEqual(1);
    expect(summary.server.framesPushed).toBe(1);
    expect(summary.server.framesUndelivered).toBe(0);
    expect(summary.server.infoAnswered).toBeGreaterThan(0);
    const hl = summary.health?.sources.hyperliquid;
    expect(hl?.detail).toContain("HLP family discovered");
  });

  it("gives identical finding ids and times when run again", async () => {
    const again = await run("max");
    expect(again.seen).toEqual(first.seen);
    expect(again.summary.read).toEqual(first.summary.read);
  });

  it("gives the same findings at speed 200 as at max speed", async () => {
    const paced = await run(200);
    expect(paced.seen).toEqual(first.seen);
    // 60 s of recording at 200x takes at least 0.3 s of real time.
    expect(paced.summary.realMs).toBeGreaterThanOrEqual(250);
  });
});
