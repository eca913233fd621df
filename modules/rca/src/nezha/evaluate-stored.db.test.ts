import { type Db, tenantDb } from "@kamiyo/db";
import { createTestDb, testDbKind } from "@kamiyo/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { rcaMigrations } from "../module.ts";
import { listResources } from "../store/graph-queries.ts";
import { accuracy, runCases } from "./evaluate.ts";
import { evaluateStored, type StoredEvaluation } from "./evaluate-stored.ts";
import { NEZHA_FIXTURE } from "./fixture.ts";
import { loadNezhaDay, resolveNezhaDay } from "./load-day.ts";

const day = loadNezhaDay(resolveNezhaDay(NEZHA_FIXTURE, { day: "2022-08-22" }));
// The day's first 6 faults (50 minutes of metrics): the whole days run in `npm run rca:nezha`.
const cases = day.cases.slice(0, 6);

let db: Db;
let run: StoredEvaluation;
beforeAll(async () => {
  db = await createTestDb({ modules: [rcaMigrations] });
  run = await evaluateStored(db, day, cases);
});
afterAll(async () => db?.close());

describe(`a Nezha day through the product's ingest and RCA query (${testDbKind})`, () => {
  it("stores the day as a tenant's graph: its pods and Services, its CALLS, the detector's events", async () => {
    const [tenant] = await db.query<{ id: string }>(
      "SELECT id FROM tenants WHERE name = 'Nezha 2022-08-22'",
    );
    const t = tenantDb(db, tenant?.id ?? "");
    const pods = (await listResources(t, { kind: "pod" })).items;
    expect(pods.map((p) => p.name)).toEqual(day.pods);
    expect(pods.find((p) => p.name.startsWith("cartservice"))?.service).toBe("cartservice");
    const [calls] = await t.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM rca_relations WHERE type = 'CALLS'",
    );
    expect(calls?.n).toBe(day.calls.length);
    // One remote-write body a minute, nothing dropped; every anomaly and recovery stored once.
    expect(run.ingest).toMatchObject({ bodies: 50, dropped: {} });
    const [events] = await t.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM rca_events WHERE kind = 'metric_anomaly'",
    );
    expect(events?.n).toBe(run.ingest.events);
    expect(run.ingest.events).toBeGreaterThan(50);
  });

  it("finds the faults the in-memory ranking of the raw series finds, with their path and evidence", () => {
    // Measured: 5 of 6 first (frontend's exception leaves no anomaly in its window).
    const a = accuracy(run.results);
    expect(a.cases).toBe(6);
    expect(a.ac1).toBeGreaterThanOrEqual(4 / 6);
    expect(a.byFaultType.cpu_contention).toEqual({ cases: 2, ac1: 1, ac3: 1 });
    // The CPU faults: within the first three as in memory, where the raw series rank them first.
    const memory = runCases(day, undefined, undefined, cases);
    for (const [i, r] of run.results.entries())
      if (r.case.faultType.startsWith("cpu")) {
        expect(memory[i]?.rank).toBe(1);
        expect(r.rank).toBeGreaterThan(0);
        expect(r.rank).toBeLessThanOrEqual(3);
      }
    const cart = run.results.find((r) => r.case.id === "2022-08-22#6")?.top[0];
    expect(cart).toMatchObject({
      service: "cartservice",
      resource: "pod/default/cartservice-579f59597d-wc2lz",
      faultType: "cpu",
      path: ["cartservice", "frontend"],
    });
    for (const e of cart?.evidence ?? [])
      expect(e.resource).toMatch(/^(pod|service)\/default\/cartservice/);
    expect(cart?.evidence.length).toBeGreaterThan(0);
  });
});
