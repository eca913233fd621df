import * as grpc from "@grpc/grpc-js";
import type { LtvPool } from "../ltv/ltv-pool.ts";
import {
  checkCustomer,
  checkHorizon,
  DEFAULT_HORIZON,
  type Horizon,
  type LtvPredictor,
  PredictionInputError,
} from "../ltv/ltv-predictor.ts";
import { CallError, type GrpcAccess } from "./grpc-access.ts";
import { predictBatch } from "./predict-batch.ts";
import type { GrpcService } from "./shield-grpc-server.ts";
import {
  loadSyncValue,
  type PredictBatchRequest,
  type PredictBatchResponse,
  type PredictRequest,
  type PredictResponse,
} from "./sync-value-proto.ts";
import type { TenantModels } from "./tenant-models.ts";

function horizonOf(req: { horizonMonths: number; monthlyDiscountRate?: number }): Horizon {
  const h = {
    months: req.horizonMonths || DEFAULT_HORIZON.months,
    monthlyDiscountRate: req.monthlyDiscountRate ?? DEFAULT_HORIZON.monthlyDiscountRate,
  };
  checkHorizon(h);
  return h;
}

/** Runs `fn` with the tenant's active model; a bad input becomes INVALID_ARGUMENT naming it. */
async function withModel<Res>(
  models: TenantModels,
  tenantId: string,
  fn: (model: LtvPredictor) => Res | Promise<Res>,
): Promise<Res> {
  const model = await models.get(tenantId);
  if (!model)
    throw new CallError(
      grpc.status.FAILED_PRECONDITION,
      "no active LTV model for this tenant: fit one with `kamiyo shield ltv fit --tenant ID --save --activate`",
    );
  try {
    return await fn(model);
  } catch (err) {
    if (err instanceof PredictionInputError)
      throw new CallError(grpc.status.INVALID_ARGUMENT, err.message);
    throw err;
  }
}

/**
 * SyncValue (modules/shield/proto/syncvalue.proto): the caller's tenant's active model answers from
 * memory ({@link TenantModels}); keys need the `read` scope.
 */
export function syncValueService(deps: {
  access: GrpcAccess;
  models: TenantModels;
  /** Counts the lifetime value a call predicted (`syncvalue_predicted_ltv_total`). */
  countLtv?: (tenantId: string, sum: number) => void;
  /** Where large batches' lifetime values are computed (else on the server's thread). */
  pool?: LtvPool;
}): GrpcService {
  const { access, models } = deps;
  const count = deps.countLtv ?? (() => {});
  return {
    definition: loadSyncValue().service,
    implementation: {
      Predict: access.unary<PredictRequest, PredictResponse>("read", (caller, req) =>
        withModel(models, caller.tenantId, (model) => {
          const horizon = horizonOf(req);
          checkCustomer(req, model.withSpend);
          const p = model.predict(req, horizon);
          count(caller.tenantId, p.ltv ?? 0);
          return { ...p, modelVersion: model.version } as PredictResponse;
        }),
      ),
      PredictBatch: access.unary<PredictBatchRequest, PredictBatchResponse>("read", (caller, req) =>
        withModel(models, caller.tenantId, async (model) => {
          const answer = await predictBatch(model, req, horizonOf(req), deps.pool);
          let sum = 0;
          for (const v of answer.ltv) sum += v;
          count(caller.tenantId, sum);
          return { ...answer, modelVersion: model.version };
        }),
      ),
    },
  };
}
