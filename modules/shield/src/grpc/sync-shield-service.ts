import * as grpc from "@grpc/grpc-js";
import { AppError } from "@kamiyo/core";
import type { CheckInput } from "../policy/check-input.ts";
import type { Decision } from "../policy/decision.ts";
import type { PolicyChecker } from "../policy/policy-checker.ts";
import { CallError, type GrpcAccess } from "./grpc-access.ts";
import type { GrpcService } from "./shield-grpc-server.ts";
import {
  type CheckRequest,
  type CheckResponse,
  loadSyncShield,
  type ReleaseRequest,
  type ReleaseResponse,
} from "./sync-shield-proto.ts";

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
    ...(req.checkId ? { checkId: req.checkId } : {}),
  };
}

/** An AppError the checker threw as the call's status (others are INTERNAL). */
function statusOf(err: unknown): never {
  const code = err instanceof AppError ? STATUS[err.code] : undefined;
  if (code !== undefined) throw new CallError(code, (err as Error).message);
  throw err;
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
 * SyncShield (modules/shield/proto/syncshield.proto): `Check` and `Release` through the process's
 * {@link PolicyChecker} (shared with `POST /shield/checks` and `POST /shield/releases`, so checks
 * batch together); keys need the `shield:check` scope.
 */
export function syncShieldService(deps: {
  access: GrpcAccess;
  checker: PolicyChecker;
}): GrpcService {
  return {
    definition: loadSyncShield().service,
    implementation: {
      Check: deps.access.unary<CheckRequest, CheckResponse>("shield:check", (caller, req) =>
        deps.checker.check(caller.tenantId, inputOf(req)).then(responseOf, statusOf),
      ),
      Release: deps.access.unary<ReleaseRequest, ReleaseResponse>("shield:check", (caller, req) =>
        deps.checker
          .release(caller.tenantId, {
            decisionId: req.decisionId,
            auditSeq: req.auditSeq,
            ...(req.micros === undefined ? {} : { micros: req.micros }),
            reason: req.reason,
          })
          .then(({ release, replayed }) => ({ ...release, replayed }), statusOf),
      ),
    },
  };
}
