import { apiHarness, finding, type Harness, NOW } from "@kamiyo/api/testing";
import {
  FetchHttpClient,
  type Finding,
  IoTracker,
  seededRandom,
  silentLogger,
  VirtualClock,
} from "@kamiyo/core";
import { upsertFindings } from "@kamiyo/db";
import { Monitor, monitorConfigFor } from "@kamiyo/monitor";
import { testDbKind } from "@kamiyo/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CrossProtocolCorrelator } from "../ml/correlation/correlator.ts";
import { hyperliquidApi } from "./index.ts";

async function get(h: Harness, url: string) {
  const res = await h.app.inject({ method: "GET", url });
  expect(res.statusCode, res.body.slice(0, 300)).toBe(200);
  const body = res.json();
  h.expectValid("GET", url, 200, body);
  return body;
}

/** A monitor (no sources, no database) running the correlator, as `kamiyo serve` on cloud_pro. */
async function monitorWithCorrelator(clock: VirtualClock): Promise<Monitor> {
  const io = new IoTracker();
  const plugins = { sources: {}, detectors: {} };
  return Monitor.create(monitorConfigFor(plugins).parse({}), {
    clock,
    random: seededRandom(1),
    log: silentLogger,
    http: new FetchHttpClient({ userAgent: "test", timeoutMs: 1_000, io }),
    io,
    db: null,
    tenantId: "ten_default",
    plugins,
    derived: [new CrossProtocolCorrelator({}, { now: () => clock.now() })],
  });
}

const derivedFindings: Finding[] = [
  finding(1, {
    detector: "ml",
    kind: "anomaly",
    subject: { type: "market", id: "hyperliquid" },
    severity: "high",
    status: "open",
    resolvedAt: null,
  }),
  finding(2, {
    detector: "correlation",
    kind: "liquidation-cascade",
    subject: { type: "market", id: "hyperliquid" },
    severity: "critical",
    status: "open",
    resolvedAt: null,
  }),
];

let h: Harness;
beforeAll(async () => {
  h = await apiHarness({
    modules: [hyperliquidApi],
    seeded: false,
    plan: "cloud_pro",
    monitor: await monitorWithCorrelator(new VirtualClock(NOW)),
  });
});
afterAll(async () => {
  await h.close();
});

describe(`the edition and derived detectors in the API on ${testDbKind}`, () => {
  it("/meta reports the edition from the deployment mode and the derived detectors the monitor runs", async () => {
    const meta = await get(h, "/meta");
    expect(meta).toMatchObject({
      edition: "cloud_pro",
      editionLabel: "Cloud Pro",
      features: { mlEnsemble: true, crossProtocolCorrelation: true },
      monitorInProcess: true,
    });
    expect(meta.derivedDetectors).toEqual([
      { kind: "correlation", description: expect.stringContaining("Cross-protocol correlator") },
    ]);
  });

  it("the dashboard's risk score counts open ML and correlation findings", async () => {
    await upsertFindings(h.db, derivedFindings);
    const body = await get(h, "/security/dashboard");
    const byName = new Map(
      body.components.map((c: { name: string; score: number }) => [c.name, c]),
    );
    expect(byName.get("ml")).toMatchObject({ score: 60, level: "high", openFindings: 1 });
    expect(byName.get("correlation")).toMatchObject({
      score: 90,
      level: "critical",
      openFindings: 1,
      note: null,
    });
    // Nothing else is open and no market data is stored (30): the correlation sets the score.
    expect(body).toMatchObject({ score: 90, level: "critical", openFindings: 2 });
  });
});
