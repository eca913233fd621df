import { apiHarness, createOperatorKey, type Harness, NOW } from "@kamiyo/api/testing";
import { SecretBoxError } from "@kamiyo/core";
import { createTenant } from "@kamiyo/tenancy";
import { testDbKind } from "@kamiyo/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { shieldMigrations } from "../shield-migrations.ts";
import { loadCredential, openCredential } from "../syncflow/credentials/credential-store.ts";
import { type LocalGoogleAds, startLocalGoogleAds } from "../testing/local-google-ads.ts";
import { type LocalGraphApi, startLocalGraphApi } from "../testing/local-graph-api.ts";
import { shieldApi } from "./index.ts";

const oauth = {
  clientId: "cid.apps.googleusercontent.com",
  clientSecret: "GOCSPX-platforms",
  refreshToken: "1//install-refresh-token-0000",
};
const INSTALL_META = "EAAB-install-token-000000000";
const ALPHA_META = "EAAB-alpha-system-user-1111111";
const ALPHA_META_2 = "EAAB-alpha-system-user-2222222";
const BETA_REFRESH = "1//beta-refresh-token-333333333";

let h: Harness;
let google: LocalGoogleAds;
let graph: LocalGraphApi;
let install: string;
let alpha: { id: string; key: string };
let beta: { id: string; key: string };

const call = (key: string | null, method: string, url: string, payload?: object) =>
  h.app.inject({
    method: method as "GET",
    url,
    headers: key ? { "x-api-key": key } : {},
    ...(payload ? { payload: payload as Record<string, unknown> } : {}),
  });
const metaBid = (key: string | null, amountMicros = 1_230_000) =>
  call(key, "POST", "/shield/bids", {
    clientId: "acme",
    campaignId: "social",
    platform: "meta",
    account: "act_300",
    target: { kind: "ad_set_bid", adSetId: "7001" },
    amountMicros,
    predictedLtvMicros: 50_000_000,
  });
/** The access token of the local Graph API's last ad-set update. */
const lastMetaToken = () => graph.requests.filter((r) => r.method === "POST").at(-1)?.accessToken;

/** A policy, client "acme" and campaign "social" for the key's tenant. */
async function setUp(key: string): Promise<void> {
  for (const [method, url, body] of [
    ["PUT", "/shield/policy", { roasFloor: { minRoasBps: 10_000 } }],
    ["POST", "/shield/clients", { id: "acme", name: "Acme" }],
    [
      "POST",
      "/shield/campaigns",
      { id: "social", clientId: "acme", name: "Social", budgetMicros: 90_000_000, period: "month" },
    ],
  ] as const) {
    const res = await call(key, method, url, body);
    expect(res.statusCode, res.body).toBe(201);
  }
}

async function tenant(name: string): Promise<{ id: string; key: string }> {
  const { tenant: t, key } = await createTenant(h.db, { name, actor: "test", nowMs: NOW });
  await setUp(key);
  return { id: t.id, key };
}

beforeAll(async () => {
  google = await startLocalGoogleAds({ accessToken: "unused", developerToken: "dev-p", oauth });
  google.resources.set("customers/5550001111/adGroups/11", "0");
  google.refreshTokens.add(BETA_REFRESH);
  graph = await startLocalGraphApi({ accessToken: INSTALL_META });
  graph.tokens.set(ALPHA_META, { id: "200000000000002", name: "Alpha SyncFlow" });
  graph.tokens.set(ALPHA_META_2, { id: "200000000000003", name: "Alpha SyncFlow 2" });
  graph.accounts.set("act_300", "USD");
  graph.adSets.set("7001", { account: "act_300", spend: "0" });
  h = await apiHarness({
    seeded: false,
    modules: [shieldApi],
    migrations: [shieldMigrations],
    moduleSettings: {
      shield: {
        googleAdsApiUrl: google.url,
        googleAdsDeveloperToken: "dev-p",
        googleAdsClientId: oauth.clientId,
        googleAdsClientSecret: oauth.clientSecret,
        googleOAuthTokenUrl: `${google.url}/token`,
        metaGraphUrl: graph.url,
        metaAccessToken: INSTALL_META,
        syncflowTimeoutMs: 2_000,
      },
    },
  });
  install = await createOperatorKey(h.db);
  await setUp(install);
  alpha = await tenant("alpha");
  beta = await tenant("beta");
});
afterAll(async () => {
  await h?.close();
  await google?.close();
  await graph?.close();
});

describe(`each tenant's ad-platform credentials (${testDbKind})`, () => {
  it("lists what a tenant can connect; only the install's own tenant has the settings' credentials", async () => {
    const own = (await call(alpha.key, "GET", "/shield/platforms")).json().data;
    expect(own).toEqual([
      expect.objectContaining({ platform: "google_ads", available: true, connected: false }),
      expect.objectContaining({
        platform: "meta",
        available: true,
        connected: false,
        source: null,
      }),
    ]);
    h.expectValid("GET", "/shield/platforms", 200, { data: own });
    const installs = (await call(install, "GET", "/shield/platforms")).json().data;
    expect(installs[1]).toMatchObject({ platform: "meta", connected: true, source: "install" });
    // The install's own tenant bids with the settings' token; another tenant cannot.
    expect((await metaBid(install)).json()).toMatchObject({ status: "sent" });
    expect(lastMetaToken()).toBe(INSTALL_META);
    const refused = await metaBid(alpha.key);
    expect(refused.statusCode).toBe(400);
    expect(refused.json().error.message).toBe(
      'body "platform": this tenant has no meta credentials: connect them with PUT /shield/platforms/meta/credentials (docs/shield.md, "Ad-platform credentials")',
    );
    // Refused before the policy check: nothing was reserved.
    const campaign = (await call(alpha.key, "GET", "/shield/campaigns/social")).json();
    expect(campaign.spentMicros).toBe(0);
  });

  it("checks a grant with the platform, stores it sealed, and bids with it", async () => {
    const put = await call(alpha.key, "PUT", "/shield/platforms/meta/credentials", {
      accessToken: ALPHA_META,
    });
    expect(put.statusCode, put.body).toBe(200);
    expect(put.json()).toMatchObject({
      platform: "meta",
      connected: true,
      source: "tenant",
      hint: "1111",
      identity: "Alpha SyncFlow (200000000000002)",
    });
    h.expectValid("PUT", "/shield/platforms/{id}/credentials", 200, put.json());
    expect(put.body).not.toContain(ALPHA_META);
    // At rest: sealed, nothing of the token in the row; it opens only as alpha's meta credential.
    const [row] = await h.db.query<Record<string, unknown>>(
      "SELECT * FROM shield_platform_credentials WHERE tenant_id = $1",
      [alpha.id],
    );
    expect(String(row?.sealed)).toMatch(/^kmysec1:k1:/);
    expect(JSON.stringify(row)).not.toContain(ALPHA_META.slice(0, 20));
    expect((await metaBid(alpha.key)).json()).toMatchObject({ status: "sent" });
    expect(lastMetaToken()).toBe(ALPHA_META);
    // An amount Meta cannot take (not whole cents of the account's USD) is refused before the
    // policy check: nothing reserved, nothing sent.
    const spent = async () =>
      (await call(alpha.key, "GET", "/shield/campaigns/social")).json().spentMicros;
    const before = await spent();
    const odd = await metaBid(alpha.key, 1_234_567);
    expect([odd.statusCode, odd.json().error.message]).toEqual([
      400,
      'body "amountMicros": 1234567 micros is not a whole number of USD minor units (10000 micros each)',
    ]);
    expect(await spent()).toBe(before);
    // Replaced: the next bid goes out with the new token, the old one is no longer used.
    const again = await call(alpha.key, "PUT", "/shield/platforms/meta/credentials", {
      accessToken: ALPHA_META_2,
    });
    expect(again.json()).toMatchObject({ hint: "2222", identity: expect.stringContaining("2") });
    expect((await metaBid(alpha.key)).json()).toMatchObject({ status: "sent" });
    expect(lastMetaToken()).toBe(ALPHA_META_2);
    // Beta still has none, and sees nothing of alpha's.
    const betas = await call(beta.key, "GET", "/shield/platforms");
    expect(betas.body).not.toContain("Alpha");
    expect(betas.json().data[1]).toMatchObject({ connected: false, hint: null });
    expect((await metaBid(beta.key)).statusCode).toBe(400);
    // The change is in alpha's audit log, without the secret.
    const log = await call(alpha.key, "GET", "/audit-log?limit=50");
    expect(log.body).toContain("shield.platform.connect");
    expect(log.body).not.toContain(ALPHA_META_2);
  });

  it("checks Google Ads grants by the customers they reach, and refuses one Google refuses", async () => {
    const refused = await call(beta.key, "PUT", "/shield/platforms/google_ads/credentials", {
      refreshToken: "1//revoked-refresh-token-99999999",
    });
    expect(refused.statusCode).toBe(400);
    expect(refused.json().error.message).toBe(
      'body "refreshToken": google_ads: Google refused the OAuth refresh token',
    );
    const ok = await call(beta.key, "PUT", "/shield/platforms/google_ads/credentials", {
      refreshToken: BETA_REFRESH,
      loginCustomerId: "1112223334",
    });
    expect(ok.statusCode, ok.body).toBe(200);
    expect(ok.json()).toMatchObject({
      identity: "customers 5550001111",
      loginCustomerId: "1112223334",
      hint: "3333",
    });
    const db = h.db;
    const sealed = await loadCredential(db, beta.id, "google_ads");
    if (!sealed) throw new Error("not stored");
    // Copied to another tenant's row, a sealed credential does not open.
    expect(() => openCredential(h.deps.secrets as never, alpha.id, sealed)).toThrow(SecretBoxError);
  });

  it("names what is wrong with a credential, and stores nothing it could not check", async () => {
    const cases: [string, object, string][] = [
      [
        "meta",
        { refreshToken: BETA_REFRESH },
        'body "refreshToken": not part of a Meta credential',
      ],
      ["meta", {}, 'body "accessToken": required for Meta'],
      ["google_ads", { accessToken: ALPHA_META }, 'body "accessToken": not part of a Google Ads'],
      ["meta", { accessToken: "short" }, 'body "accessToken": too short'],
      ["tiktok", { accessToken: ALPHA_META }, 'path parameter "id"'],
      [
        "meta",
        { accessToken: "EAAB-unknown-token-555555555" },
        'body "accessToken": meta: Invalid OAuth access token',
      ],
    ];
    for (const [platform, body, message] of cases) {
      const res = await call(beta.key, "PUT", `/shield/platforms/${platform}/credentials`, body);
      expect(res.statusCode, `${platform} ${JSON.stringify(body)}`).toBe(400);
      expect(res.json().error.message).toContain(message);
    }
    // The platform could not be asked: 503, and nothing stored.
    graph.faults.push({ kind: "slow", ms: 5_000 });
    const slow = await call(beta.key, "PUT", "/shield/platforms/meta/credentials", {
      accessToken: ALPHA_META,
    });
    expect(slow.statusCode).toBe(503);
    expect(slow.json().error.message).toContain("nothing was stored");
    expect(await loadCredential(h.db, beta.id, "meta")).toBeNull();
  });

  it("removes a tenant's credentials: its bids are refused again; removing twice is a 404", async () => {
    const del = await call(alpha.key, "DELETE", "/shield/platforms/meta/credentials");
    expect(del.statusCode, del.body).toBe(204);
    expect((await metaBid(alpha.key)).statusCode).toBe(400);
    expect((await call(alpha.key, "DELETE", "/shield/platforms/meta/credentials")).statusCode).toBe(
      404,
    );
    // Viewers may look, not change.
    const viewer = await call(alpha.key, "POST", "/api-keys", { name: "v", role: "viewer" });
    const key = viewer.json().key as string;
    expect((await call(key, "GET", "/shield/platforms")).statusCode).toBe(200);
    const denied = await call(key, "PUT", "/shield/platforms/meta/credentials", {
      accessToken: ALPHA_META,
    });
    expect(denied.statusCode).toBe(403);
  });
});

describe(`a server without a key ring (${testDbKind})`, () => {
  it("refuses to store credentials, saying which setting is missing", async () => {
    const bare = await apiHarness({
      seeded: false,
      modules: [shieldApi],
      migrations: [shieldMigrations],
      secrets: null,
      moduleSettings: { shield: { metaGraphUrl: graph.url } },
    });
    try {
      const res = await bare.app.inject({
        method: "PUT",
        url: "/shield/platforms/meta/credentials",
        payload: { accessToken: ALPHA_META },
      });
      expect(res.statusCode).toBe(409);
      expect(res.json().error.message).toContain("set KAMIYO_SECRET_KEYS");
    } finally {
      await bare.close();
    }
  });
});
