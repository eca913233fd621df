import { createServer } from "node:net";
import * as grpc from "@grpc/grpc-js";
import { apiHarness, type Harness, NOW } from "@kamiyo/api/testing";
import { createApiKey, createTenant } from "@kamiyo/tenancy";
import { testDbKind } from "@kamiyo/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { callSyncValue, loadSyncValue, type PredictResponse } from "../grpc/sync-value-proto.ts";
import { LtvPredictor } from "../ltv/ltv-predictor.ts";
import { saveLtvModel } from "../ltv/model-store.ts";
import { shieldMigrations } from "../shield-migrations.ts";
import { CDNOW_PUBLISHED_FIT } from "../testing/index.ts";
import { shieldApi } from "./index.ts";

/** A port free now, for the gRPC server the API starts (SHIELD_GRPC_PORT). */
async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((resolve) => s.listen(0, "127.0.0.1", resolve));
  const { port } = s.address() as { port: number };
  await new Promise((resolve) => s.close(resolve));
  return port;
}

let h: Harness;
let key: string;
let noRead: string;
let tenantId: string;
let grpcPort: number;
let client: grpc.Client;
const customer = { frequency: 2, recency: 30.43, T: 38.86, monetaryValue: 22.5 };

beforeAll(async () => {
  grpcPort = await freePort();
  h = await apiHarness({
    seeded: false,
    modules: [shieldApi],
    migrations: [shieldMigrations],
    config: { authFailuresPerMinute: 3 },
    moduleSettings: { shield: { grpcPort } },
  });
  const made = await createTenant(h.db, { name: "growth", actor: "test", nowMs: NOW });
  tenantId = made.tenant.id;
  key = made.key;
  noRead = (
    await createApiKey(h.db, {
      tenantId,
      name: "agents",
      role: "member",
      scopes: ["ingest:write"],
      createdBy: "test",
      nowMs: NOW,
    })
  ).key;
  const { Client } = loadSyncValue();
  client = new Client(`127.0.0.1:${grpcPort}`, grpc.credentials.createInsecure());
});
afterAll(async () => {
  client?.close();
  await h?.close();
});

const post = (payload: object, k = key) =>
  h.app.inject({
    method: "POST",
    url: "/shield/ltv/predictions",
    headers: { "x-api-key": k },
    payload: payload as Record<string, unknown>,
  });
/** `syncvalue_predicted_ltv_total` of the tenant, as `/metrics` shows it. */
async function predictedLtv(): Promise<number> {
  const text = (await h.app.inject({ method: "GET", url: "/metrics" })).body;
  const line = text
    .split("\n")
    .find((l) => l.startsWith(`syncvalue_predicted_ltv_total{tenant="${tenantId}"}`));
  return line ? Number(line.split(" ").at(-1)) : 0;
}
const bearer = (k: string) => {
  const md = new grpc.Metadata();
  md.set("authorization", `Bearer ${k}`);
  return md;
};

describe(`SyncValue through the API (${testDbKind})`, () => {
  it("answers 409 until the tenant has an active model, then predicts with it", async () => {
    const none = await post({ customers: [customer] });
    expect(none.statusCode).toBe(409);
    expect(none.json().error.message).toMatch(/no active lifetime-value model/);

    await saveLtvModel(h.db, tenantId, CDNOW_PUBLISHED_FIT, { activate: true });
    // The model cache reads the active version at most every two seconds.
    h.clock.advanceTo(h.clock.now() + 2_000);
    const other = { frequency: 0, recency: 0, T: 20, monetaryValue: 0 };
    const res = await post({ customers: [customer, other], horizonMonths: 6 });
    expect(res.statusCode, res.body).toBe(200);
    h.expectValid("POST", "/shield/ltv/predictions", 200, res.json());
    const model = new LtvPredictor({ ...CDNOW_PUBLISHED_FIT, version: 1 });
    const horizon = { months: 6, monthlyDiscountRate: 0.01 };
    expect(res.json()).toEqual({
      modelVersion: 1,
      data: [model.predict(customer, horizon), model.predict(other, horizon)],
    });
    const models = await h.app.inject({
      method: "GET",
      url: "/shield/ltv/models",
      headers: { "x-api-key": key },
    });
    h.expectValid("GET", "/shield/ltv/models", 200, models.json());
    expect(models.json().data).toEqual([
      expect.objectContaining({ version: 1, active: true, customers: 2357, timeUnit: "week" }),
    ]);
  });

  it("refuses bad customers with 400 naming the customer and the field", async () => {
    const bad = async (payload: object) => (await post(payload)).json().error.message;
    expect(await bad({ customers: [customer, { ...customer, recency: 40 }] })).toBe(
      'body "customers.1.recency": is after T',
    );
    expect(await bad({ customers: [{ ...customer, frequency: -1 }] })).toMatch(
      /^body "customers.0.frequency": /,
    );
    expect(await bad({ customers: [customer, { frequency: 1, recency: 1, T: 2 }] })).toBe(
      'body "customers.1.monetaryValue": required, as the tenant\'s model predicts spend',
    );
    expect(await bad({ customers: [customer], horizonMonths: 500 })).toMatch(
      /^body "horizonMonths": /,
    );
    expect(await bad({ customers: [] })).toMatch(/^body "customers": /);
    expect((await post({ customers: [customer] }, noRead)).statusCode).toBe(403);
  });

  it("serves gRPC beside HTTP on SHIELD_GRPC_PORT: the same keys, scopes and answers", async () => {
    const http = (await post({ customers: [customer] })).json().data[0];
    const got = await callSyncValue<PredictResponse>(client, "Predict", customer, bearer(key));
    expect(got).toEqual({ ...http, modelVersion: 1 });
    // Both protocols count what they predicted, for the Command Center's LTV momentum.
    const before = await predictedLtv();
    await post({ customers: [customer, customer] });
    await callSyncValue<PredictResponse>(client, "Predict", customer, bearer(key));
    expect((await predictedLtv()) - before).toBe(
      Math.round(2 * http.ltv * 1e6) + Math.round(http.ltv * 1e6),
    );
    const denied = await callSyncValue(client, "Predict", customer, bearer(noRead)).catch(
      (e: grpc.ServiceError) => e,
    );
    expect([(denied as grpc.ServiceError).code, (denied as grpc.ServiceError).details]).toEqual([
      grpc.status.PERMISSION_DENIED,
      "this key (role member) lacks the read scope",
    ]);
  });

  it("counts failed gRPC authentications on the HTTP API's per-address counter", async () => {
    const wrong = `${key.slice(0, -4)}abcd`;
    const fail = () =>
      callSyncValue(client, "Predict", customer, bearer(wrong)).then(
        () => grpc.status.OK,
        (e: grpc.ServiceError) => e.code,
      );
    // Three failures a minute are allowed from an address: two over gRPC, one over HTTP.
    expect(await fail()).toBe(grpc.status.UNAUTHENTICATED);
    expect(await fail()).toBe(grpc.status.UNAUTHENTICATED);
    expect((await post({ customers: [customer] }, wrong)).statusCode).toBe(401);
    const limited = await post({ customers: [customer] }, wrong);
    expect(limited.statusCode).toBe(429);
    expect(await fail()).toBe(grpc.status.RESOURCE_EXHAUSTED);
    // The tenant's own key still passes on both.
    expect((await post({ customers: [customer] })).statusCode).toBe(200);
    expect(
      (await callSyncValue<PredictResponse>(client, "Predict", customer, bearer(key))).modelVersion,
    ).toBe(1);
  });
});
