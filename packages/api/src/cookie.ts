import type { FastifyReply, FastifyRequest } from "fastify";

/** The session cookie's name. */
export const SESSION_COOKIE = "kamiyo_session";

/** The value of cookie `name` in the request's Cookie header (the first, if sent twice). */
export function readCookie(req: FastifyRequest, name: string): string | undefined {
  const header = req.headers.cookie;
  if (!header) return undefined;
  for (const part of header.split(";")) {
    const eq = part.indexOf("=");
    if (eq < 0 || part.slice(0, eq).trim() !== name) continue;
    return part.slice(eq + 1).trim();
  }
  return undefined;
}

/**
 * Sets the session cookie (`maxAgeMs` 0: clears it): HttpOnly, SameSite=Strict, Path=/, and Secure
 * when the request came over https (directly, or through a trusted proxy's X-Forwarded-Proto).
 */
export function setSessionCookie(
  req: FastifyRequest,
  reply: FastifyReply,
  token: string,
  maxAgeMs: number,
): void {
  const attrs = [
    `${SESSION_COOKIE}=${token}`,
    "HttpOnly",
    "SameSite=Strict",
    "Path=/",
    `Max-Age=${Math.max(0, Math.floor(maxAgeMs / 1000))}`,
  ];
  if (req.protocol === "https") attrs.push("Secure");
  reply.header("set-cookie", attrs.join("; "));
}

/**
 * True when the request names this site as where it comes from: its `Origin` (else its `Referer`)
 * has the request's own host. Browsers send Origin with every cross-site POST, PATCH, DELETE and
 * WebSocket handshake, so a page elsewhere cannot make a signed-in browser change anything.
 */
export function fromSameOrigin(req: FastifyRequest): boolean {
  const source = req.headers.origin ?? req.headers.referer;
  if (typeof source !== "string" || source === "null") return false;
  try {
    return new URL(source).host === new URL(`${req.protocol}://${req.host}`).host;
  } catch {
    return false;
  }
}
