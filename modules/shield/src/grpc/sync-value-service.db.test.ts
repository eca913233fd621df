import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as grpc from "@grpc/grpc-js";
import { Authenticator } from "@kamiyo/api";
import { silentLogger, VirtualClock } from "@kamiyo/core";
import type { Db } from "@kamiyo/db";
import { createApiKey } from "@kamiyo/tenancy";
import { createTestDb, testDbKind } from "@kamiyo/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BgNbdModel } from "../ltv/bgnbd-model.ts";
import { GammaGammaModel } from "../ltv/gamma-gamma.ts";
import { LifetimeValue } from "../ltv/lifetime-value.ts";
import { LtvPool, POOL_MIN_BATCH } from "../ltv/ltv-pool.ts";
import { LtvPredictor } from "../ltv/ltv-predictor.ts";
import { activateLtvModel, type LtvModelFit, saveLtvModel } from "../ltv/model-store.ts";
import { shieldMigrations } from "../shield-migrations.ts";
import { CDNOW_PUBLISHED_FIT, cdnowSummary } from "../testing/index.ts";
import { type AuthFailureCounter, GrpcAccess, peerAddress } from "./grpc-access.ts";
import { type ShieldGrpcServer, startShieldGrpcServer } from "./shield-grpc-server.ts";
import type {
  PredictBatchRequest,
  PredictBatchResponse,
  PredictRequest,
  PredictResponse,
} from "./sync-value-proto.ts";
import { callSyncValue, loadSyncValue } from "./sync-value-proto.ts";
import { syncValueService } from "./sync-value-service.ts";
import { MODEL_STAMP_TTL_MS, TenantModels } from "./tenant-models.ts";

/** The published CDNOW fit, tenant A's model; B's differs so a mix-up shows. */
const CDNOW = CDNOW_PUBLISHED_FIT;
const OTHER: LtvModelFit = { ...CDNOW, bgnbd: { r: 0.5, alpha: 2, a: 1.5, b: 3 } };

let db: Db;
let server: ShieldGrpcServer;
/** Where large batches' lifetime values go (two workers, whatever the machine). */
const pool = new LtvPool(2);
let client: grpc.Client;
const clock = new VirtualClock(Date.now());
const keys: Record<"a" | "b" | "c", string> = { a: "", b: "", c: "" };
/** Failed authentications counted per address, past two limited (as the HTTP API's counter). */
const failures = new Map<string, number>();
const countFailure: AuthFailureCounter = async (ip) => {
  const n = (failures.get(ip) ?? 0) + 1;
  failures.set(ip, n);
  return { limited: n > 2, retryAfterSeconds: 42 };
};

/** SyncValue on a server of its own, over TLS when given a certificate. */
function serve(tls?: { certChain: Buffer; privateKey: Buffer }) {
  const auth = new Authenticator({ db, clock, log: silentLogger }, []);
  const access = new GrpcAccess({ auth, authFailure: countFailure, log: silentLogger });
  const models = new TenantModels(db, () => clock.now());
  return startShieldGrpcServer({
    services: [syncValueService({ access, models, pool })],
    host: "127.0.0.1",
    port: 0,
    log: silentLogger,
    ...(tls && { tls }),
  });
}

const bearer = (key: string) => {
  const md = new grpc.Metadata();
  md.set("authorization", `Bearer ${key}`);
  return md;
};
const predict = (req: Partial<PredictRequest>, md = bearer(keys.a)) =>
  callSyncValue<PredictResponse>(client, "Predict", req, md);
const predictBatch = (req: Partial<PredictBatchRequest>, md = bearer(keys.a)) =>
  callSyncValue<PredictBatchResponse>(client, "PredictBatch", req, md);
/** The gRPC status a call failed with, and its message. */
const failure = (p: Promise<unknown>) =>
  p.then(
    () => ({ code: grpc.status.OK, details: "" }),
    (e: grpc.ServiceError) => ({ code: e.code, details: e.details }),
  );

beforeAll(async () => {
  db = await createTestDb({ modules: [shieldMigrations] });
  for (const t of ["a", "b", "c"] as const) {
    await db.query("INSERT INTO tenants (id, name) VALUES ($1, $1)", [`ten_${t}`]);
    const created = await createApiKey(db, {
      tenantId: `ten_${t}`,
      name: "grpc",
      role: "viewer",
      createdBy: "test",
      nowMs: clock.now(),
    });
    keys[t] = created.key;
  }
  await saveLtvModel(db, "ten_a", CDNOW, { activate: true });
  await saveLtvModel(db, "ten_b", OTHER);
  await saveLtvModel(db, "ten_b", OTHER, { activate: true });
  server = await serve();
  const { Client } = loadSyncValue();
  client = new Client(`127.0.0.1:${server.port}`, grpc.credentials.createInsecure());
});
afterAll(async () => {
  client?.close();
  await server?.close();
  await pool.close();
  await db?.close();
});

describe(`SyncValue over gRPC on loopback (${testDbKind})`, () => {
  const customer = { frequency: 2, recency: 30.43, T: 38.86, monetaryValue: 22.5 };

  it("Predict answers with the tenant's active model, as the in-process models do", async () => {
    const got = await predict({ ...customer, horizonMonths: 12 });
    const bg = new BgNbdModel(CDNOW.bgnbd);
    const gg = new GammaGammaModel(CDNOW.gammaGamma as NonNullable<LtvModelFit["gammaGamma"]>);
    const ltv = new LifetimeValue(bg, gg, { unitsPerMonth: 4.345 });
    const { frequency: x, recency, T, monetaryValue: m } = customer;
    expect(got).toEqual({
      pAlive: bg.probabilityAlive(x, recency, T),
      expectedPurchases: bg.expectedPurchases(12 * 4.345, x, recency, T),
      expectedSpend: gg.expectedAverageSpend(x, m),
      ltv: ltv.of(x, recency, T, m),
      modelVersion: 1,
    });
    // 0 months means the default 12, and the discount rate defaults to 1 % a month.
    expect(await predict(customer)).toEqual(got);
    const undiscounted = await predict({ ...customer, monthlyDiscountRate: 0 });
    expect(undiscounted.ltv).toBeGreaterThan(got.ltv as number);
  });

  it("PredictBatch's columns equal Predict customer by customer", async () => {
    const s = cdnowSummary();
    const n = 50;
    const cols = {
      frequency: [...s.frequency.subarray(0, n)],
      recency: [...s.recency.subarray(0, n)],
      T: [...s.T.subarray(0, n)],
      monetaryValue: [...(s.monetaryValue as Float64Array).subarray(0, n)],
      horizonMonths: 6,
    };
    const batch = await predictBatch(cols);
    expect(batch.modelVersion).toBe(1);
    expect(batch.ltv).toHaveLength(n);
    for (const i of [0, 1, 17, n - 1]) {
      const one = await predict({
        frequency: cols.frequency[i],
        recency: cols.recency[i],
        T: cols.T[i],
        monetaryValue: cols.monetaryValue[i],
        horizonMonths: 6,
      });
      expect([
        batch.pAlive[i],
        batch.expectedPurchases[i],
        batch.expectedSpend[i],
        batch.ltv[i],
      ]).toEqual([one.pAlive, one.expectedPurchases, one.expectedSpend, one.ltv]);
    }
  });

  it("computes a large batch's lifetime values on the pool's workers, the same numbers", async () => {
    const s = cdnowSummary();
    const n = POOL_MIN_BATCH + 5;
    const col = (c: Float64Array) => Array.from({ length: n }, (_, i) => c[i % c.length] as number);
    const cols = {
      frequency: col(s.frequency),
      recency: col(s.recency),
      T: col(s.T),
      monetaryValue: col(s.monetaryValue as Float64Array),
    };
    expect(pool.running).toBe(0);
    const batch = await predictBatch(cols);
    expect(pool.running).toBe(2);
    const model = new LtvPredictor({ ...CDNOW, version: 1 });
    const want = Array.from({ length: n }, (_, i) =>
      model.predict({
        frequency: cols.frequency[i] as number,
        recency: cols.recency[i] as number,
        T: cols.T[i] as number,
        monetaryValue: cols.monetaryValue[i] as number,
      }),
    );
    expect(batch.ltv).toEqual(want.map((p) => p.ltv));
    expect(batch.pAlive).toEqual(want.map((p) => p.pAlive));
    expect(batch.expectedSpend).toEqual(want.map((p) => p.expectedSpend));
  });

  it("takes the key as a Bearer token or x-api-key; none or a wrong one is UNAUTHENTICATED, and past the address's failure limit RESOURCE_EXHAUSTED with retry-after", async () => {
    failures.clear();
    const md = new grpc.Metadata();
    md.set("x-api-key", keys.a);
    expect((await predict(customer, md)).modelVersion).toBe(1);
    const none = await failure(predict(customer, new grpc.Metadata()));
    expect(none).toEqual({
      code: grpc.status.UNAUTHENTICATED,
      details: expect.stringMatching(/API key is required/),
    });
    const wrong = await failure(predict(customer, bearer(`${keys.a.slice(0, -4)}abcd`)));
    expect(wrong).toEqual({ code: grpc.status.UNAUTHENTICATED, details: "invalid API key" });
    expect([...failures]).toEqual([["127.0.0.1", 2]]);
    // The third failure from the address is past the limit: refused with when to retry.
    const limited = await predict(customer, bearer("kmy_live_wrong")).then(
      () => null,
      (e: grpc.ServiceError) => e,
    );
    expect([limited?.code, limited?.details]).toEqual([
      grpc.status.RESOURCE_EXHAUSTED,
      "too many failed authentications from this address; retry in 42 s",
    ]);
    expect(limited?.metadata.get("retry-after")).toEqual(["42"]);
    // A valid key still passes, and is not counted.
    expect((await predict(customer)).modelVersion).toBe(1);
    expect(failures.get("127.0.0.1")).toBe(3);
  });

  it("reads the caller's address from grpc-js's peer string", () => {
    expect(peerAddress("10.1.2.3:51234")).toBe("10.1.2.3");
    expect(peerAddress("[::1]:51234")).toBe("::1");
    expect(peerAddress("ipv4:10.1.2.3:51234")).toBe("10.1.2.3");
    expect(peerAddress("ipv6:[2001:db8::7]:51234")).toBe("2001:db8::7");
  });

  it("speaks TLS with a certificate, and then refuses a plaintext client", async () => {
    const dir = mkdtempSync(join(tmpdir(), "kamiyo-grpc-tls-"));
    try {
      // A self-signed certificate for 127.0.0.1, as an operator's own CA would issue one.
      execFileSync(
        "openssl",
        [
          ..."req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1".split(" "),
          ...["-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"],
          ...["-keyout", join(dir, "key.pem"), "-out", join(dir, "cert.pem")],
        ],
        { stdio: "ignore" },
      );
      const cert = readFileSync(join(dir, "cert.pem"));
      const tls = await serve({ certChain: cert, privateKey: readFileSync(join(dir, "key.pem")) });
      const { Client } = loadSyncValue();
      const secure = new Client(`127.0.0.1:${tls.port}`, grpc.credentials.createSsl(cert));
      const plain = new Client(`127.0.0.1:${tls.port}`, grpc.credentials.createInsecure(), {
        "grpc.initial_reconnect_backoff_ms": 100,
      });
      try {
        const got = await callSyncValue<PredictResponse>(
          secure,
          "Predict",
          customer,
          bearer(keys.a),
        );
        expect(got.modelVersion).toBe(1);
        const refused = await failure(
          callSyncValue(plain, "Predict", customer, bearer(keys.a), Date.now() + 2_000),
        );
        expect(refused.code).toBeOneOf([grpc.status.UNAVAILABLE, grpc.status.DEADLINE_EXCEEDED]);
      } finally {
        secure.close();
        plain.close();
        await tls.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("answers each tenant with its own model: B's key gets B's, a tenant without one FAILED_PRECONDITION", async () => {
    const a = await predict(customer);
    const b = await predict(customer, bearer(keys.b));
    expect(b.modelVersion).toBe(2);
    expect(b.pAlive).toBe(new BgNbdModel(OTHER.bgnbd).probabilityAlive(2, 30.43, 38.86));
    expect(b.pAlive).not.toBe(a.pAlive);
    const c = await failure(predict(customer, bearer(keys.c)));
    expect(c.code).toBe(grpc.status.FAILED_PRECONDITION);
    expect(c.details).toMatch(/no active LTV model for this tenant/);
  });

  it("refuses bad numbers with INVALID_ARGUMENT naming the field (and the customer in a batch)", async () => {
    const bad = async (req: Partial<PredictRequest>) => failure(predict({ ...customer, ...req }));
    expect(await bad({ frequency: -1 })).toEqual({
      code: grpc.status.INVALID_ARGUMENT,
      details: "frequency: expected a finite number ≥ 0, got -1",
    });
    expect((await bad({ recency: Number.NaN })).details).toBe(
      "recency: expected a finite number ≥ 0, got NaN",
    );
    expect((await bad({ recency: 40 })).details).toBe("recency: 40 is after T 38.86");
    expect((await bad({ monetaryValue: Number.POSITIVE_INFINITY })).details).toMatch(
      /^monetary_value: /,
    );
    expect((await bad({ horizonMonths: 500 })).details).toMatch(/^horizon_months: /);
    const batch = await failure(
      predictBatch({ frequency: [1, 2], recency: [1, 5], T: [2, 3], monetaryValue: [1, 1] }),
    );
    expect(batch).toEqual({
      code: grpc.status.INVALID_ARGUMENT,
      details: "recency[1]: 5 is after T 3",
    });
    const short = await failure(predictBatch({ frequency: [1, 2], recency: [1], T: [2, 3] }));
    expect(short.details).toBe("recency: 1 values for 2 frequencies");
  });

  it("serves a newly activated version once the cached one's stamp is older than the TTL", async () => {
    const v2 = await saveLtvModel(db, "ten_a", OTHER);
    await activateLtvModel(db, "ten_a", v2.version);
    expect((await predict(customer)).modelVersion).toBe(1);
    clock.advanceTo(clock.now() + MODEL_STAMP_TTL_MS);
    expect((await predict(customer)).modelVersion).toBe(2);
  });

  it("leaves spend and LTV unset for a model fitted without amounts", async () => {
    await saveLtvModel(db, "ten_c", { ...CDNOW, gammaGamma: null }, { activate: true });
    clock.advanceTo(clock.now() + MODEL_STAMP_TTL_MS);
    const one = await predict(customer, bearer(keys.c));
    expect(one).toEqual({
      pAlive: expect.any(Number),
      expectedPurchases: expect.any(Number),
      modelVersion: 1,
    });
    const batch = await predictBatch({ frequency: [1], recency: [1], T: [2] }, bearer(keys.c));
    expect([batch.pAlive.length, batch.expectedSpend, batch.ltv]).toEqual([1, [], []]);
  });
});
