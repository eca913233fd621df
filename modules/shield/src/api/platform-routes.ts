import { type ApiDeps, errorResponses, type ZodApp } from "@kamiyo/api";
import { AppError } from "@kamiyo/core";
import { TaskCancelledError, TimeoutStrategy, timeout } from "cockatiel";
import { z } from "zod";
import {
  deleteCredential,
  listCredentials,
  type StoredCredential,
  saveCredential,
} from "../syncflow/credentials/credential-store.ts";
import type { PlatformConnections } from "../syncflow/credentials/platform-connections.ts";
import { PlatformError, type PlatformId } from "../syncflow/platform.ts";
import type { PlatformCredential } from "../syncflow/syncflow-from-settings.ts";

const PLATFORMS: readonly PlatformId[] = ["google_ads", "meta"];
const platformParams = z.strictObject({
  id: z.enum(["google_ads", "meta"]).describe("The ad platform"),
});
const secret = z
  .string()
  .min(20, "too short for a platform's token")
  .max(4_096)
  .regex(/^[\x21-\x7e]+$/, "expected a token without spaces or control characters");

const credentialBody = z
  .strictObject({
    refreshToken: secret
      .optional()
      .describe(
        "Google Ads: the OAuth refresh token of a user with access to the accounts (adwords scope), granted to this server's OAuth client",
      ),
    loginCustomerId: z
      .string()
      .regex(/^\d{10}$/, "expected a 10-digit customer id without dashes")
      .optional()
      .describe("Google Ads: the manager account the calls go through (login-customer-id)"),
    accessToken: secret
      .optional()
      .describe("Meta: a system user's access token with ads_management"),
  })
  .describe("The tenant's own grant on the platform; never shown again");

const connectionSchema = z.object({
  platform: z.enum(["google_ads", "meta"]),
  available: z
    .boolean()
    .describe(
      "Whether this server can connect the platform (Google Ads needs its developer token)",
    ),
  connected: z.boolean().describe("Whether the tenant's bids can go to the platform"),
  source: z
    .enum(["tenant", "install"])
    .nullable()
    .describe(
      "tenant: credentials this tenant stored; install: the server's own settings (the install's own tenant only)",
    ),
  hint: z.string().nullable().describe("The secret's last four characters"),
  loginCustomerId: z.string().nullable(),
  identity: z
    .string()
    .nullable()
    .describe("Whose grant the platform said it is when it was checked"),
  verifiedAt: z.string().nullable(),
  updatedAt: z.string().nullable(),
});
type Connection = z.infer<typeof connectionSchema>;

const iso = (ms: number) => new Date(ms).toISOString();

function stored(c: StoredCredential, available: boolean): Connection {
  return {
    platform: c.platform,
    available,
    connected: true,
    source: "tenant",
    hint: c.hint,
    loginCustomerId: c.loginCustomerId,
    identity: c.identity,
    verifiedAt: iso(c.verifiedAt),
    updatedAt: iso(c.updatedAt),
  };
}

/** The credential the body gives for `platform`, or a 400 naming the field that is wrong. */
function credentialFrom(
  platform: PlatformId,
  body: z.infer<typeof credentialBody>,
): PlatformCredential {
  const refuse = (field: string, why: string) =>
    new AppError("invalid_input", `body "${field}": ${why}`);
  if (platform === "meta") {
    for (const field of ["refreshToken", "loginCustomerId"] as const)
      if (body[field] !== undefined) throw refuse(field, "not part of a Meta credential");
    if (!body.accessToken) throw refuse("accessToken", "required for Meta");
    return { platform, accessToken: body.accessToken };
  }
  if (body.accessToken !== undefined)
    throw refuse("accessToken", "not part of a Google Ads credential (give refreshToken)");
  if (!body.refreshToken) throw refuse("refreshToken", "required for Google Ads");
  return {
    platform,
    refreshToken: body.refreshToken,
    ...(body.loginCustomerId ? { loginCustomerId: body.loginCustomerId } : {}),
  };
}

/**
 * A tenant's connections to the ad platforms SyncFlow bids on: `GET /shield/platforms` says which
 * are connected and how (never the secret); `PUT /shield/platforms/:id/credentials` checks a
 * grant with the platform and stores it sealed by the install's key ring; `DELETE` removes it.
 * A tenant's bids go out with its own credentials only.
 */
export function platformRoutes(
  app: ZodApp,
  deps: ApiDeps,
  connections: PlatformConnections,
  opts: { verifyTimeoutMs: number },
): void {
  const db = deps.requestDb ?? deps.db;
  // As the bidder's lanes time out a call (cockatiel): given up at the limit even when the call
  // takes no abort signal (Meta's SDK).
  const verifyTimeout = timeout(opts.verifyTimeoutMs, TimeoutStrategy.Aggressive);

  app.get(
    "/shield/platforms",
    {
      schema: {
        tags: ["shield"],
        summary: "The ad platforms this tenant's bids can go to, and with whose credentials",
        response: { 200: z.object({ data: z.array(connectionSchema) }), ...errorResponses },
      },
    },
    async (req) => {
      const tenantId = req.ctx.tenantId;
      const own = new Map((await listCredentials(db, tenantId)).map((c) => [c.platform, c]));
      const data = PLATFORMS.map((platform): Connection => {
        const available = connections.appConfigured(platform);
        const mine = own.get(platform);
        if (mine) return stored(mine, available);
        const install = connections.installCredential(tenantId, platform) !== null;
        return {
          platform,
          available,
          connected: install,
          source: install ? "install" : null,
          hint: null,
          loginCustomerId: null,
          identity: null,
          verifiedAt: null,
          updatedAt: null,
        };
      });
      return { data };
    },
  );

  app.put(
    "/shield/platforms/:id/credentials",
    {
      config: { scope: "shield:write", audit: { action: "shield.platform.connect" } },
      schema: {
        tags: ["shield"],
        summary: "Connect an ad platform with the tenant's own credentials",
        description:
          "The platform is asked whether the credentials work (Google Ads: the customers they reach; Meta: whose token it is) before they are stored, sealed with the server's key ring (AES-256-GCM) and bound to the tenant. 400 names a field the platform refused; 503 when it could not be asked (nothing is stored); 409 when this server has no key ring to store secrets with.",
        params: platformParams,
        body: credentialBody,
        response: { 200: connectionSchema, ...errorResponses },
      },
    },
    async (req) => {
      const platform = req.params.id;
      const credential = credentialFrom(platform, req.body);
      const box = deps.secrets;
      if (!box)
        throw new AppError(
          "conflict",
          "this server stores no secrets: set KAMIYO_SECRET_KEYS (docs/configuration.md) to connect an ad platform",
        );
      if (!connections.appConfigured(platform))
        throw new AppError(
          "invalid_input",
          `path parameter "id": this server has no Google Ads developer token (SHIELD_GOOGLE_ADS_DEVELOPER_TOKEN and its OAuth client)`,
        );
      const field = platform === "meta" ? "accessToken" : "refreshToken";
      let identity: string;
      try {
        const client = await connections.clientFor(credential);
        ({ identity } = await verifyTimeout
          .execute(({ signal }) => client.verify(signal))
          .catch((err) => {
            throw err instanceof TaskCancelledError
              ? new PlatformError(
                  platform,
                  "timeout",
                  `no answer within ${opts.verifyTimeoutMs} ms`,
                )
              : err;
          }));
      } catch (err) {
        if (err instanceof PlatformError && (err.kind === "auth" || err.kind === "rejected"))
          throw new AppError("invalid_input", `body "${field}": ${err.message}`);
        const why = err instanceof Error ? err.message : String(err);
        throw new AppError(
          "upstream_unavailable",
          `${platform}: the credentials could not be checked, nothing was stored: ${why}`,
          { retryable: true },
        );
      }
      const saved = await saveCredential(db, box, req.ctx.tenantId, credential, {
        identity,
        nowMs: deps.clock.now(),
      });
      return stored(saved, true);
    },
  );

  app.delete(
    "/shield/platforms/:id/credentials",
    {
      config: { scope: "shield:write", audit: { action: "shield.platform.disconnect" } },
      schema: {
        tags: ["shield"],
        summary: "Remove the tenant's own credentials for an ad platform",
        description:
          "Its bids to that platform are refused from then on (the install's own tenant falls back to the server's settings, if they have credentials). 404 when none are stored.",
        params: platformParams,
        response: { 204: z.undefined().describe("Removed"), ...errorResponses },
      },
    },
    async (req, reply) => {
      if (!(await deleteCredential(db, req.ctx.tenantId, req.params.id)))
        throw new AppError("not_found", `no ${req.params.id} credentials stored for this tenant`);
      return reply.code(204).send();
    },
  );
}
