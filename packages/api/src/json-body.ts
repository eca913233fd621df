import type { FastifyReply } from "fastify";

/**
 * A response body the database already serialised: list pages pass through the API as text, so
 * neither the driver decodes their rows nor the route's serializer validates and re-encodes them.
 * Their schemas still document the routes, and the route tests validate these bodies against them.
 */
export type JsonText = string & { readonly json: unique symbol };

/** A value serialised once, to be sent many times (the `/health` body of the current second). */
export function jsonText(value: unknown): JsonText {
  return JSON.stringify(value) as JsonText;
}

/** `{"data":[…],"nextCursor":…}` around items already serialised as JSON objects. */
export function pageBody(items: string, nextCursor: string | null): JsonText {
  return `{"data":[${items}],"nextCursor":${nextCursor === null ? "null" : JSON.stringify(nextCursor)}}` as JsonText;
}

/** Sends a body as is, as `application/json` (Fastify serialises no string it is given so). */
export function sendJsonText(reply: FastifyReply, body: JsonText): FastifyReply {
  return reply.type("application/json; charset=utf-8").send(body);
}
