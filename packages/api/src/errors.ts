import { STATUS_CODES } from "node:http";
import type { Duplex } from "node:stream";
import { AppError, type ErrorCode, type Logger } from "@kamiyo/core";
import type { FastifyError, FastifyReply, FastifyRequest } from "fastify";
import { hasZodFastifySchemaValidationErrors } from "fastify-type-provider-zod";
import type { ApiConfig } from "./config.ts";

/** The one error body of the API. */
export interface ErrorEnvelope {
  error: { code: ErrorCode; message: string; requestId: string };
}

/** HTTP status of each error code: one exhaustive switch. */
export function statusFor(code: ErrorCode): number {
  switch (code) {
    case "invalid_input":
      return 400;
    case "unauthorized":
      return 401;
    case "forbidden":
      return 403;
    case "not_found":
      return 404;
    case "method_not_allowed":
      return 405;
    case "conflict":
      return 409;
    case "payment_required":
      return 402;
    case "rate_limited":
    case "quota_exceeded":
      return 429;
    case "config_invalid":
    case "internal":
      return 500;
    case "upstream_unavailable":
    case "upstream_rejected":
    case "upstream_invalid":
      return 503;
  }
}

export function sendError(
  reply: FastifyReply,
  req: FastifyRequest,
  code: ErrorCode,
  message: string,
): FastifyReply {
  const body: ErrorEnvelope = { error: { code, message, requestId: req.id } };
  return reply.code(statusFor(code)).type("application/json").send(body);
}

/** Names the parameter and the rule it broke, e.g. `query parameter "limit": Too big: expected number to be <=500`. */
function describeValidation(err: FastifyError): string {
  if (hasZodFastifySchemaValidationErrors(err)) {
    const issue = err.validation[0];
    const where =
      err.validationContext === "querystring"
        ? "query parameter"
        : err.validationContext === "params"
          ? "path parameter"
          : err.validationContext;
    const path = issue?.instancePath.replace(/^\//, "").replace(/\//g, ".") || "(root)";
    return `${where} "${path}": ${issue?.message ?? "invalid"}`;
  }
  return err.message;
}

/**
 * The error handler: maps every thrown error to the envelope. A 5xx is logged with `log` (request
 * id, method, route pattern, status and the error, never headers or the query string); its
 * details never reach the client.
 */
export function errorHandler(
  log: Logger,
): (err: FastifyError, req: FastifyRequest, reply: FastifyReply) => FastifyReply {
  const failed = (err: unknown, req: FastifyRequest, status: number) =>
    log.error(
      {
        err,
        requestId: req.id,
        method: req.method,
        route: req.routeOptions.url ?? "unmatched",
        status,
      },
      "request failed",
    );
  return (err, req, reply) => {
    if (err instanceof AppError) {
      const status = statusFor(err.code);
      if (status >= 500) failed(err, req, status);
      const retryAfterS = err.details?.retryAfterS;
      if (status === 429 && typeof retryAfterS === "number")
        reply.header("retry-after", retryAfterS);
      return sendError(reply, req, err.code, err.message);
    }
    if (err.validation) return sendError(reply, req, "invalid_input", describeValidation(err));
    if (err.statusCode === 429) return sendError(reply, req, "rate_limited", err.message);
    if (err.statusCode && err.statusCode >= 400 && err.statusCode < 500) {
      return reply
        .code(err.statusCode)
        .send({ error: { code: "invalid_input", message: err.message, requestId: req.id } });
    }
    failed(err, req, 500);
    return sendError(reply, req, "internal", "internal error");
  };
}

/**
 * Fastify's `clientErrorHandler`: Node's own refusals, before any route runs, in the envelope: a
 * malformed request (400), headers over Node's 16 KB limit (431), a request not received within
 * `headersTimeoutMs` / `requestTimeoutMs` (408). The connection is closed after the answer.
 * @param newId makes the request id of the answer (no request exists yet).
 */
export function clientErrors(
  newId: () => string,
  config: ApiConfig,
): (err: NodeJS.ErrnoException, socket: Duplex) => void {
  return (err, socket) => {
    if (err.code === "ECONNRESET" || socket.destroyed) return;
    const [status, message] =
      err.code === "ERR_HTTP_REQUEST_TIMEOUT"
        ? [
            408,
            `the request was not received within ${config.requestTimeoutMs} ms (its headers within ${config.headersTimeoutMs} ms)`,
          ]
        : err.code === "HPE_HEADER_OVERFLOW"
          ? [431, "the request's headers are larger than 16 KB"]
          : [400, `malformed HTTP request (${err.code ?? "unknown parse error"})`];
    const body: ErrorEnvelope = { error: { code: "invalid_input", message, requestId: newId() } };
    const text = JSON.stringify(body);
    if (socket.writable) {
      socket.write(
        `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(text)}\r\nConnection: close\r\n\r\n${text}`,
      );
    }
    socket.destroy();
  };
}
