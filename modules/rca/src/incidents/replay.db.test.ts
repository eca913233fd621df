import type { Db } from "@kamiyo/db";
import { createTestDb, testDbKind } from "@kamiyo/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { rankCandidates } from "../analysis/rank.ts";
import { rcaMigrations } from "../module.ts";
import { INCIDENT_IDS, type IncidentId, incidentFile } from "./catalog.ts";
import { readIncident, replayIncident } from "./replay.ts";

let db: Db;
const tenantOf = (id: IncidentId) => `ten_${id.replaceAll("-", "_")}`;

beforeAll(async () => {
  db = await createTestDb({ modules: [rcaMigrations] });
  for (const id of INCIDENT_IDS)
    await db.query("INSERT INTO tenants (id, name) VALUES ($1, $1)", [tenantOf(id)]);
});
afterAll(async () => db?.close());

/** The event that names the cause, among the top candidate's evidence (`role: cause`). */
const CAUSE: Record<IncidentId, string> = {
  "oom-killed": "OOMKilled",
  "bad-configmap-rollout": "ConfigUpdated",
  "image-pull-backoff": "RolloutStarted",
  "node-not-ready": "NodeNotReady",
  "dependency-outage": "CrashLoopBackOff",
};

describe(`replayable Kubernetes incidents (${testDbKind})`, () => {
  it.each(INCIDENT_IDS)(
    "%s: replayed through the ingest path, the top candidate is the expected root cause, fault type and causal path",
    async (id) => {
      const { expected } = readIncident(incidentFile(id)).header;
      const replay = await replayIncident(db, tenantOf(id), incidentFile(id));
      expect(replay.counts).toMatchObject({ malformed: 0, rejected: 0 });
      expect(replay.counts.watchEvents).toBeGreaterThan(40);
      expect(replay.verdict).toEqual({ pass: true, mismatches: [] });
      const [top] = replay.candidates;
      expect(top).toMatchObject({
        service: expected.service,
        resource: expected.resource,
        faultType: expected.faultType,
        causalPath: expected.causalPath,
      });
      expect(top?.events.map((e) => e.reason)).toContain(CAUSE[id]);
      // The metric anomalies alone do not find it: the events are what name the cause.
      const blind = rankCandidates({ ...replay.input, events: [] })[0];
      expect(blind?.resource).not.toBe(expected.resource);
    },
  );

  it("records nothing new when an incident is replayed again, and gives the same answer", async () => {
    const id = "bad-configmap-rollout";
    const first = await replayIncident(db, tenantOf(id), incidentFile(id));
    const again = await replayIncident(db, tenantOf(id), incidentFile(id));
    expect(again.counts.events).toBe(0);
    expect(again.candidates).toEqual(first.candidates);
  });
});
