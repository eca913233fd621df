import * as grpc from "@grpc/grpc-js";
import { Authenticator } from "@kamiyo/api";
import { type Clock, type Logger, SystemClock } from "@kamiyo/core";
import type { Db } from "@kamiyo/db";
import {
  checkCustomer,
  checkHorizon,
  DEFAULT_HORIZON,
  type Horizon,
  type LtvPredictor,
  PredictionInputError,
} from "../ltv/ltv-predictor.ts";
import { predictBatch } from "./predict-batch.ts";
import {
  loadSyncValue,
  type PredictBatchRequest,
  type PredictBatchResponse,
  type PredictRequest,
  type PredictResponse,
} from "./sync-value-proto.ts";
import { TenantModels } from "./tenant-models.ts";

export interface SyncValueServerOptions {
  db: Db;
  /** 0 picks a free port (tests). */
  port: number;
  host?: string;
  log: Logger;
  clock?: Clock;
  /** API_KEY_HASHES, as the HTTP API takes them (the default tenant's keys before the database). */
  apiKeyHashes?: readonly string[];
}

export interface SyncValueServer {
  port: number;
  close(): Promise<void>;
}

/** A failed call's gRPC status and message. */
class CallError extends Error {
  readonly code: grpc.status;
  constructor(code: grpc.status, message: string) {
    super(message);
    this.code = code;
  }
}

/** The caller's key: `authorization: Bearer <key>`, else `x-api-key`. */
function presentedKey(metadata: grpc.Metadata): string | undefined {
  const auth = metadata.get("authorization")[0];
  if (typeof auth === "string" && /^bearer /i.test(auth)) return auth.slice(7).trim();
  const key = metadata.get("x-api-key")[0];
  return typeof key === "string" ? key : undefined;
}

function horizonOf(req: { horizonMonths: number; monthlyDiscountRate?: number }): Horizon {
  const h = {
    months: req.horizonMonths || DEFAULT_HORIZON.months,
    monthlyDiscountRate: req.monthlyDiscountRate ?? DEFAULT_HORIZON.monthlyDiscountRate,
  };
  checkHorizon(h);
  return h;
}

/**
 * Serves SyncValue (modules/shield/proto/syncvalue.proto) on `host:port` (default 127.0.0.1):
 * each call's API key is resolved to its tenant by the HTTP API's {@link Authenticator} (the
 * same keys, revocation and caching), and the tenant's active model answers from memory
 * ({@link TenantModels}). Keys are never logged.
 */
export async function startSyncValueServer(opts: SyncValueServerOptions): Promise<SyncValueServer> {
  const clock = opts.clock ?? new SystemClock();
  const auth = new Authenticator({ db: opts.db, clock, log: opts.log }, opts.apiKeyHashes ?? []);
  const models = new TenantModels(opts.db, () => clock.now());

  /** The caller's tenant's model, or a CallError saying why there is none. */
  async function modelFor(metadata: grpc.Metadata): Promise<LtvPredictor> {
    const result = await auth.authenticate(presentedKey(metadata));
    if (!result.ok)
      throw new CallError(
        grpc.status.UNAUTHENTICATED,
        result.reason === "missing"
          ? "an API key is required (authorization: Bearer <key>, or x-api-key)"
          : "invalid API key",
      );
    if (!result.ctx.scopes.includes("read"))
      throw new CallError(grpc.status.PERMISSION_DENIED, "the key lacks the read scope");
    const model = await models.get(result.ctx.tenantId);
    if (!model)
      throw new CallError(
        grpc.status.FAILED_PRECONDITION,
        "no active LTV model for this tenant: fit one with `kamiyo shield ltv fit --tenant ID --save --activate`",
      );
    return model;
  }

  /** Runs a call's handler, turning its errors into gRPC statuses. */
  function unary<Req, Res>(
    handle: (model: LtvPredictor, req: Req) => Res,
  ): grpc.handleUnaryCall<Req, Res> {
    return (call, callback) => {
      // handle's input errors (thrown) reach the caller as INVALID_ARGUMENT through the catch.
      modelFor(call.metadata)
        .then((model) => handle(model, call.request))
        .then(
          (response) => callback(null, response),
          (err) => callback(toStatus(err, opts.log)),
        );
    };
  }

  const predict = unary<PredictRequest, PredictResponse>((model, req) => {
    const horizon = horizonOf(req);
    checkCustomer(req, model.withSpend);
    const p = model.predict(req, horizon);
    return { ...p, modelVersion: model.version } as PredictResponse;
  });
  const batch = unary<PredictBatchRequest, PredictBatchResponse>((model, req) => ({
    ...predictBatch(model, req, horizonOf(req)),
    modelVersion: model.version,
  }));

  const server = new grpc.Server();
  server.addService(loadSyncValue().service, {
    Predict: predict,
    PredictBatch: batch,
  });
  const host = opts.host ?? "127.0.0.1";
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync(`${host}:${opts.port}`, grpc.ServerCredentials.createInsecure(), (err, p) =>
      err ? reject(err) : resolve(p),
    ),
  );
  opts.log.info({ host, port }, "SyncValue gRPC listening");
  return {
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.tryShutdown(() => resolve());
      }),
  };
}

function toStatus(err: unknown, log: Logger): Partial<grpc.StatusObject> {
  if (err instanceof CallError) return { code: err.code, details: err.message };
  if (err instanceof PredictionInputError)
    return { code: grpc.status.INVALID_ARGUMENT, details: err.message };
  log.warn({ error: String(err) }, "SyncValue call failed");
  return { code: grpc.status.INTERNAL, details: "internal error" };
}
