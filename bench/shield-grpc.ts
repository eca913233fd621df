/**
 * SyncValue over gRPC on loopback (embedded PGlite behind it, for the key and the model, both
 * cached after the first call): Predict latency over sequential calls after a warm-up, one
 * call in flight, as a bidder asking per bid would; and PredictBatch throughput with the CDNOW
 * customers repeated into packed columns of 10,000.
 */
import * as grpc from "@grpc/grpc-js";
import { Authenticator } from "@kamiyo/api";
import { SystemClock, silentLogger } from "@kamiyo/core";
import {
  callSyncValue,
  GrpcAccess,
  loadSyncValue,
  saveLtvModel,
  shieldMigrations,
  startShieldGrpcServer,
  syncValueService,
  TenantModels,
} from "@kamiyo/shield";
import { CDNOW_PUBLISHED_FIT, cdnowSummary } from "@kamiyo/shield/testing";
import { createApiKey } from "@kamiyo/tenancy";
import { openBenchDb } from "./bench-db.ts";

type Row = [string, string, string];
const TENANT = "ten_bench_grpc";
const WARMUP = 1_000;
const CALLS = 5_000;
const BATCH = 10_000;
const BATCH_CALLS = 20;
const fmt = (n: number) => Math.round(n).toLocaleString("en-US");

export async function shieldGrpcBench(): Promise<Row[]> {
  const bench = await openBenchDb("shield_grpc", undefined, [shieldMigrations]);
  const cdnow = cdnowSummary();
  try {
    const { db } = bench;
    await db.query("INSERT INTO tenants (id, name) VALUES ($1, $1)", [TENANT]);
    const { key } = await createApiKey(db, {
      tenantId: TENANT,
      name: "bench",
      role: "viewer",
      createdBy: "bench",
      nowMs: Date.now(),
    });
    await saveLtvModel(db, TENANT, CDNOW_PUBLISHED_FIT, { activate: true });
    const auth = new Authenticator({ db, clock: new SystemClock(), log: silentLogger }, []);
    const server = await startShieldGrpcServer({
      services: [
        syncValueService({
          access: new GrpcAccess({ auth, log: silentLogger }),
          models: new TenantModels(db),
        }),
      ],
      host: "127.0.0.1",
      port: 0,
      log: silentLogger,
    });
    const { Client } = loadSyncValue();
    const client = new Client(`127.0.0.1:${server.port}`, grpc.credentials.createInsecure());
    const md = new grpc.Metadata();
    md.set("authorization", `Bearer ${key}`);
    const unary = (method: "Predict" | "PredictBatch", req: object) =>
      callSyncValue(client, method, req, md);
    try {
      const n = cdnow.frequency.length;
      const one = (i: number) => ({
        frequency: cdnow.frequency[i % n],
        recency: cdnow.recency[i % n],
        T: cdnow.T[i % n],
        monetaryValue: cdnow.monetaryValue?.[i % n],
      });
      for (let i = 0; i < WARMUP; i++) await unary("Predict", one(i));
      const took = new Float64Array(CALLS);
      for (let i = 0; i < CALLS; i++) {
        const t0 = performance.now();
        await unary("Predict", one(i));
        took[i] = performance.now() - t0;
      }
      took.sort();
      const at = (q: number) => (took[Math.min(CALLS - 1, Math.floor(q * CALLS))] as number) * 1000;
      const column = (c: Float64Array) => Array.from({ length: BATCH }, (_, i) => c[i % n]);
      const batch = {
        frequency: column(cdnow.frequency),
        recency: column(cdnow.recency),
        T: column(cdnow.T),
        monetaryValue: column(cdnow.monetaryValue as Float64Array),
      };
      await unary("PredictBatch", batch);
      const t0 = performance.now();
      for (let i = 0; i < BATCH_CALLS; i++) await unary("PredictBatch", batch);
      const batchS = (performance.now() - t0) / 1000;
      return [
        [
          "Shield SyncValue: gRPC Predict latency, loopback",
          `p50 ${at(0.5).toFixed(0)} µs, p99 ${at(0.99).toFixed(0)} µs`,
          `${fmt(CALLS)} sequential calls after ${fmt(WARMUP)} warm-up, one in flight; @grpc/grpc-js client and server in one process; P(alive), 12-month expected purchases, spend and LTV each`,
        ],
        [
          "Shield SyncValue: gRPC PredictBatch throughput, loopback",
          `${fmt((BATCH * BATCH_CALLS) / batchS)} predictions/s`,
          `${BATCH_CALLS} sequential calls of ${fmt(BATCH)} customers (packed double columns), after one warm-up call; all four outputs per customer`,
        ],
      ];
    } finally {
      client.close();
      await server.close();
    }
  } finally {
    await bench.close();
  }
}
