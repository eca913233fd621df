import * as grpc from "@grpc/grpc-js";
import type { Authenticator } from "@kamiyo/api";
import type { Logger } from "@kamiyo/core";
import { allows, type RequestContext, type Scope } from "@kamiyo/tenancy";

/** A failed call's gRPC status and message. */
export class CallError extends Error {
  readonly code: grpc.status;
  readonly metadata: grpc.Metadata | undefined;
  constructor(code: grpc.status, message: string, metadata?: grpc.Metadata) {
    super(message);
    this.code = code;
    this.metadata = metadata;
  }
}

/**
 * Counts a failed authentication from an address against the HTTP API's per-address limit
 * (`ApiModuleContext.authFailure`): `limited` once past it.
 */
export type AuthFailureCounter = (
  ip: string,
) => Promise<{ limited: boolean; retryAfterSeconds: number }>;

export interface GrpcAccessOptions {
  /** The HTTP API's authenticator: a key means the same over gRPC (revocation, expiry, cache). */
  auth: Authenticator;
  /** Without it, failed authentications are not limited (a server on its own, in tests). */
  authFailure?: AuthFailureCounter;
  log: Logger;
}

/** The caller's key: `authorization: Bearer <key>`, else `x-api-key`. */
function presentedKey(metadata: grpc.Metadata): string | undefined {
  const auth = metadata.get("authorization")[0];
  if (typeof auth === "string" && /^bearer /i.test(auth)) return auth.slice(7).trim();
  const key = metadata.get("x-api-key")[0];
  return typeof key === "string" ? key : undefined;
}

/**
 * The address of a call's peer, from grpc-js's `1.2.3.4:5678` or `[::1]:5678` (or the gRPC URI
 * forms `ipv4:…`, `ipv6:…`).
 */
export function peerAddress(peer: string): string {
  const m = /^(?:ipv[46]:)?(?:\[([^\]]+)\]|([^:]+)):\d+$/.exec(peer);
  return m?.[1] ?? m?.[2] ?? peer;
}

/**
 * Who may call Shield's gRPC services: each call's key resolved to its tenant and scopes as the
 * HTTP API does, failed authentications counted per address on the HTTP API's counter (past the
 * limit a caller is refused RESOURCE_EXHAUSTED with `retry-after` seconds in the trailers, as HTTP
 * answers 429), and each handler's errors turned into gRPC statuses. Keys are never logged.
 */
export class GrpcAccess {
  readonly #opts: GrpcAccessOptions;

  constructor(opts: GrpcAccessOptions) {
    this.#opts = opts;
  }

  /** The caller's tenant and scopes, or a CallError saying why the call is refused. */
  async callerOf(
    call: grpc.ServerUnaryCall<unknown, unknown>,
    scope: Scope,
  ): Promise<RequestContext> {
    const result = await this.#opts.auth.authenticate(presentedKey(call.metadata));
    if (!result.ok) {
      const counted = await this.#opts.authFailure?.(peerAddress(call.getPeer()));
      if (counted?.limited) {
        const trailers = new grpc.Metadata();
        trailers.set("retry-after", String(counted.retryAfterSeconds));
        throw new CallError(
          grpc.status.RESOURCE_EXHAUSTED,
          `too many failed authentications from this address; retry in ${counted.retryAfterSeconds} s`,
          trailers,
        );
      }
      throw new CallError(
        grpc.status.UNAUTHENTICATED,
        result.reason === "missing"
          ? "an API key is required (authorization: Bearer <key>, or x-api-key)"
          : "invalid API key",
      );
    }
    if (!allows(result.ctx, scope))
      throw new CallError(
        grpc.status.PERMISSION_DENIED,
        `this key (role ${result.ctx.role}) lacks the ${scope} scope`,
      );
    return result.ctx;
  }

  /** A unary handler: the caller authenticated with `scope`, then `handle`, its errors as statuses. */
  unary<Req, Res>(
    scope: Scope,
    handle: (caller: RequestContext, req: Req) => Res | Promise<Res>,
  ): grpc.handleUnaryCall<Req, Res> {
    return (call, callback) => {
      this.callerOf(call as grpc.ServerUnaryCall<unknown, unknown>, scope)
        .then((caller) => handle(caller, call.request))
        .then(
          (response) => callback(null, response),
          (err) => callback(this.#status(err)),
        );
    };
  }

  #status(err: unknown): Partial<grpc.StatusObject> {
    if (err instanceof CallError)
      return {
        code: err.code,
        details: err.message,
        ...(err.metadata && { metadata: err.metadata }),
      };
    this.#opts.log.warn({ error: String(err) }, "gRPC call failed");
    return { code: grpc.status.INTERNAL, details: "internal error" };
  }
}
