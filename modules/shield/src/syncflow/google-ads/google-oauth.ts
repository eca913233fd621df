import { OAuth2Client } from "google-auth-library";
import { PlatformError } from "../platform.ts";

/** An OAuth 2.0 client and a user's refresh token for the Google Ads API (`adwords` scope). */
export interface GoogleOAuthConfig {
  clientId: string;
  /** A secret. */
  clientSecret: string;
  /** A secret. */
  refreshToken: string;
  /** The token endpoint; default Google's (`https://oauth2.googleapis.com/token`). */
  tokenUrl?: string;
}

/**
 * Access tokens for `GoogleAdsRestClient.accessToken`, from a refresh token through Google's
 * official `google-auth-library`, which caches each token and refreshes it before it expires.
 * @returns a function giving a valid token; it throws `PlatformError` `auth` when Google refuses
 *   the refresh token (revoked, wrong client), `unavailable` when it cannot be reached.
 */
export function googleOAuthAccessToken(config: GoogleOAuthConfig): () => Promise<string> {
  for (const k of ["clientId", "clientSecret", "refreshToken"] as const)
    if (!config[k]) throw new Error(`${k}: required for Google OAuth`);
  const client = new OAuth2Client({
    clientId: config.clientId,
    clientSecret: config.clientSecret,
    ...(config.tokenUrl ? { endpoints: { oauth2TokenUrl: config.tokenUrl } } : {}),
  });
  client.setCredentials({ refresh_token: config.refreshToken });
  return async () => {
    let token: string | null | undefined;
    try {
      ({ token } = await client.getAccessToken());
    } catch (err) {
      const status = (err as { response?: { status?: number } }).response?.status;
      const refused = status !== undefined && status >= 400 && status < 500;
      throw new PlatformError(
        "google_ads",
        refused ? "auth" : "unavailable",
        refused ? "Google refused the OAuth refresh token" : "the OAuth token endpoint failed",
        // No cause: the library's error carries the request, client secret and refresh token.
        status !== undefined ? { status } : {},
      );
    }
    if (!token) throw new PlatformError("google_ads", "auth", "Google gave no access token");
    return token;
  };
}
