import * as grpc from "@grpc/grpc-js";
import { AppError } from "@kamiyo/core";
import type { CheckInput } from "../policy/check-input.ts";
import type { Decision } from "../policy/decision.ts";
import type { PolicyChecker } from "../policy/policy-checker.ts";
import { CallError, type GrpcAccess } from "./grpc-access.ts";
import type { GrpcService } from "./shield-grpc-server.ts";
import { type CheckRequest, type CheckResponse, loadSyncShield } from "./sync-shield-proto.ts";

/** The gRPC status of each error a check answers with (any other is INTERNAL). */
const STATUS: Partial<Record<AppError["code"], grpc.status>> = {
  invalid_input: grpc.status.INVALID_ARGUMENT,
  not_found: grpc.status.NOT_FOUND,
  conflict: grpc.status.FAILED_PRECONDITION,
};

function inputOf(req: CheckRequest): CheckInput {
  return {
    clientId: req.clientId,
    campaignId: req.campaignId,
    bidMicros: req.bidMicros,
    ...(req.predictedLtvMicros === undefined ? {} : { predictedLtvMicros: req.predictedLtvMicros }),
    ...(req.customer ? { customer: req.customer } : {}),
  };
}

function responseOf(d: Decision): CheckResponse {
  return {
    ...d,
    reasons: [...d.reasons],
    predictedLtvMicros: d.predictedLtvMicros ?? undefined,
    ltvModelVersion: d.ltvModelVersion ?? undefined,
  };
}

/**
 * SyncShield (modules/shield/proto/syncshield.proto): `Check` through the process's
 * {@link PolicyChecker} (shared with `POST /shield/checks`, so both batch together); keys need the
 * `shield:check` scope.
 */
export function syncShieldService(deps: {
  access: GrpcAccess;
  checker: PolicyChecker;
}): GrpcService {
  return {
    definition: loadSyncShield().service,
    implementation: {
      Check: deps.access.unary<CheckRequest, CheckResponse>("shield:check", async (caller, req) => {
        try {
          return responseOf(await deps.checker.check(caller.tenantId, inputOf(req)));
        } catch (err) {
          const code = err instanceof AppError ? STATUS[err.code] : undefined;
          if (code !== undefined) throw new CallError(code, (err as Error).message);
          throw err;
        }
      }),
    },
  };
}
