import { type Db, tenantDb } from "@kamiyo/db";
import { createTestDb, testDbKind } from "@kamiyo/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { rankCandidates } from "../analysis/rank.ts";
import type { RcaInput, Relation, Resource } from "../model.ts";
import { rcaMigrations } from "../module.ts";
import { storeShopGraph } from "../testing/shop-graph.ts";
import { loadRcaInput } from "./load-input.ts";

let db: Db;
let a: Db;
const T0 = new Date("2024-11-19T19:00:00Z");
const T1 = new Date("2024-11-19T19:10:00Z");

beforeAll(async () => {
  db = await createTestDb({ modules: [rcaMigrations] });
  await db.query("INSERT INTO tenants (id, name) VALUES ('ten_alpha', 'ten_alpha')");
  a = tenantDb(db, "ten_alpha");
  await storeShopGraph(a, T0, T1);
});
afterAll(async () => db?.close());

/** The whole live graph as the query read it before it read only a neighbourhood. */
async function wholeGraph(
  db: Db,
  from: Date,
  to: Date,
): Promise<Pick<RcaInput, "resources" | "relations">> {
  const window = [from.toISOString(), to.toISOString()];
  const rows = await db.query<{
    id: string;
    kind: Resource["kind"];
    namespace: string | null;
    name: string;
    service: string | null;
  }>(
    `SELECT id, kind, namespace, name, service FROM rca_resources
     WHERE first_seen_at < $2 AND (deleted_at IS NULL OR deleted_at >= $1) ORDER BY id`,
    window,
  );
  const relations = await db.query<Relation>(
    `SELECT type, from_id AS "from", to_id AS "to", max(weight) AS weight FROM rca_relations
     WHERE first_seen_at < $2 AND (deleted_at IS NULL OR deleted_at >= $1)
     GROUP BY type, from_id, to_id ORDER BY 1, 2, 3`,
    window,
  );
  const resources: Resource[] = rows.map((r) => ({
    id: r.id,
    kind: r.kind,
    ...(r.namespace !== null ? { namespace: r.namespace } : {}),
    name: r.name,
    service: r.service ?? r.name,
  }));
  const ids = new Set(resources.map((r) => r.id));
  for (const rel of relations)
    for (const id of rel.type === "CALLS" ? [rel.from, rel.to] : [])
      if (!ids.has(id)) {
        ids.add(id);
        const [, namespace, name = id] = id.split("/");
        resources.push({
          id,
          kind: "service",
          ...(namespace ? { namespace } : {}),
          name,
          service: name,
        });
      }
  return { resources, relations };
}

describe(`loadRcaInput's neighbourhood (${testDbKind})`, () => {
  it("reads what a fault in the window's resources reaches, and ranks as on the whole graph", async () => {
    const from = new Date(T1.getTime() - 5 * 60_000);
    const to = new Date(T1.getTime() + 5 * 60_000);
    const symptom = { from: from.getTime(), to: to.getTime(), service: "frontend" };
    const { input } = await loadRcaInput(a, symptom);
    const ids = input.resources.map((r) => r.id);
    // The failing pods' workload, the node that went NotReady and what runs on it, the call graph.
    expect(ids).toEqual(
      expect.arrayContaining([
        "deployment/shop/cart",
        "replicaset/shop/cart-7d9f8b6c5",
        "pod/shop/cart-7d9f8b6c5-x2k4p",
        "node/worker-2",
        "service/shop/cart",
        "service/shop/frontend",
        "ingress/shop/shop",
      ]),
    );
    // Nothing happened to these, and no fault of the window reaches them.
    for (const id of [
      "cronjob/shop/nightly-report",
      "daemonset/shop/node-exporter",
      "node/worker-1",
    ])
      expect(ids).not.toContain(id);
    const whole = { ...input, ...(await wholeGraph(a, from, to)) };
    expect(whole.resources.length).toBeGreaterThan(input.resources.length);
    expect(rankCandidates(input)).toEqual(rankCandidates(whole));
  });

  it("reads the symptom's service and the call graph when nothing happened in the window", async () => {
    const symptom = { from: T0.getTime() - 3_600_000, to: T0.getTime() + 1, service: "cart" };
    const { input } = await loadRcaInput(a, symptom, { lookbackMinutes: 1 });
    expect(input.resources.map((r) => r.id)).toEqual(
      expect.arrayContaining([
        "deployment/shop/cart",
        "service/shop/cart",
        "service/shop/frontend",
      ]),
    );
    expect(input.relations.filter((r) => r.type === "CALLS")).toHaveLength(2);
  });
});
