import { type Db, type Queryable, tenantDb } from "@kamiyo/db";
import { createTestDb, testDbKind } from "@kamiyo/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { rcaMigrations } from "../module.ts";
import { clusterWatch, objectNamed } from "../testing/k8s-fixtures.ts";
import { watchChurn } from "../testing/watch-churn.ts";
import { applyWatchBatch, writeWatchBatch } from "./write-graph.ts";

let db: Db;
let tenant = 0;
const T0 = Date.parse("2024-11-19T19:00:00Z");

async function freshTenant(): Promise<Db> {
  const id = `ten_equiv${++tenant}`;
  await db.query("INSERT INTO tenants (id, name) VALUES ($1, $1)", [id]);
  return tenantDb(db, id);
}

/**
 * The tenant's graph: every resource and event row, every relation row but those of selectors,
 * and the live selector edges. Selector edges are matched once at the end of a batch (as they
 * always were), so within a batch one that comes and goes leaves no row, and one that goes and
 * comes back keeps its times: only which of them are live is the same as event by event.
 */
async function graph(t: Db) {
  return {
    resources: await t.query(
      `SELECT id, kind, namespace, name, service, uid, labels, selector, status, resource_version,
         first_seen_at, last_seen_at, deleted_at FROM rca_resources ORDER BY id`,
    ),
    relations: await t.query(
      `SELECT type, from_id, to_id, source_id, weight, first_seen_at, last_seen_at, deleted_at
       FROM rca_relations WHERE source_id NOT LIKE '%#selector' ORDER BY from_id, type, to_id, source_id`,
    ),
    selecting: await t.query(
      `SELECT from_id, to_id FROM rca_relations
       WHERE source_id LIKE '%#selector' AND deleted_at IS NULL ORDER BY from_id, to_id`,
    ),
    events: await t.query(
      `SELECT id, dedup_key, resource_id, kind, reason, severity, message, data, occurred_at,
         recorded_at FROM rca_events ORDER BY id`,
    ),
  };
}

/** A view of `tx` that counts the statements run through it. */
function counting(tx: Queryable, count: { n: number }): Queryable {
  return {
    query: (sql, params) => {
      count.n += 1;
      return tx.query(sql, params);
    },
    exec: (sql) => tx.exec(sql),
  };
}

beforeAll(async () => {
  db = await createTestDb({ modules: [rcaMigrations] });
});
afterAll(async () => db?.close());

describe(`a batch of watch events against the same events one by one (${testDbKind})`, () => {
  it.each([1, 2, 3, 4, 5, 6])(
    "leaves the same graph and returns the same counts (churn seed %i)",
    async (seed) => {
      const [batched, single] = [await freshTenant(), await freshTenant()];
      let i = 0;
      for (const batch of watchChurn(seed, 6, 30)) {
        const at = new Date(T0 + ++i * 60_000);
        const whole = await applyWatchBatch(batched, batch, at);
        const counts = { applied: 0, unchanged: 0, deleted: 0, bookmarks: 0, kubeEvents: 0 };
        let recorded = 0;
        for (const e of batch) {
          const one = await applyWatchBatch(single, [e], at);
          for (const k of Object.keys(counts) as (keyof typeof counts)[])
            counts[k] += one.counts[k];
          recorded += one.eventsRecorded;
        }
        expect(whole.counts).toMatchObject(counts);
        expect(whole.eventsRecorded).toBe(recorded);
        expect(await graph(batched)).toEqual(await graph(single));
      }
    },
  );

  it("lets the later of two events of an object win, and applies a delete after an add", async () => {
    const t = await freshTenant();
    const first = objectNamed(clusterWatch(), "Pod", "redis-0");
    const moved = structuredClone(first);
    moved.type = "MODIFIED";
    moved.object.metadata.resourceVersion = "2000";
    (moved.object.spec as { nodeName: string }).nodeName = "worker-1";
    const gone = objectNamed(clusterWatch(), "Pod", "cart-7d9f8b6c5-x2k4p");
    const deleted = structuredClone(gone);
    deleted.type = "DELETED";
    deleted.object.metadata.resourceVersion = "2001";
    const res = await applyWatchBatch(t, [first, moved, gone, deleted], new Date(T0));
    expect(res.counts).toMatchObject({ applied: 3, deleted: 1 });
    const live = await t.query<{ e: string }>(
      `SELECT type || ' ' || from_id || ' -> ' || to_id AS e FROM rca_relations
       WHERE deleted_at IS NULL ORDER BY 1`,
    );
    expect(live.map((r) => r.e)).toEqual([
      "CONTROLS statefulset/shop/redis -> pod/shop/redis-0",
      "MOUNTS pod/shop/redis-0 -> persistentvolumeclaim/shop/data-redis-0",
      "RUNS_ON pod/shop/redis-0 -> node/worker-1",
    ]);
    const rows = await t.query<{ id: string; deleted: boolean; version: string }>(
      `SELECT id, deleted_at IS NOT NULL AS deleted, resource_version AS version
       FROM rca_resources ORDER BY id`,
    );
    expect(rows).toEqual([
      { id: "pod/shop/cart-7d9f8b6c5-x2k4p", deleted: true, version: "2001" },
      { id: "pod/shop/redis-0", deleted: false, version: "2000" },
    ]);
  });

  it("writes a batch in as many statements whatever its size", async () => {
    const statements = async (events: readonly unknown[]) => {
      const count = { n: 0 };
      const t = await freshTenant();
      await t.transaction((tx) => writeWatchBatch(counting(tx, count), events, new Date(T0)));
      return count.n;
    };
    // The fixture's namespace, and the same objects in 20 namespaces.
    const one = await statements(clusterWatch());
    const twenty = Array.from({ length: 20 }, (_, n) =>
      clusterWatch().map((e) => {
        const meta = e.object.metadata;
        if (typeof meta.namespace === "string") meta.namespace = `shop-${n}`;
        meta.uid = `${String(meta.uid)}-${n}`;
        return e;
      }),
    ).flat();
    expect(twenty).toHaveLength(20 * clusterWatch().length);
    expect(await statements(twenty)).toBe(one);
    // At most: the lock, the two reads, the resources, the pods' label lookup (two), the
    // selector matches, the relations and the events (a part with nothing to do is left out),
    // with churn (deletes, re-creations, replays, Kubernetes Events) too.
    const churn = watchChurn(7, 4, 50);
    const t = await freshTenant();
    const counts: number[] = [];
    for (const batch of churn) {
      const count = { n: 0 };
      await t.transaction((tx) => writeWatchBatch(counting(tx, count), batch, new Date(T0)));
      counts.push(count.n);
    }
    expect(Math.max(...counts, one)).toBeLessThanOrEqual(9);
  });
});
