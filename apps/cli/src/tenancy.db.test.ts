import { apiHarness, createOperatorKey, type Harness, NOW } from "@kamiyo/api/testing";
import { recordUsage } from "@kamiyo/billing";
import { PUBLIC_TENANT_TABLES, tenantDb } from "@kamiyo/db";
import { monitorConfig } from "@kamiyo/hyperliquid";
import { applyWatchBatch } from "@kamiyo/rca";
import {
  appendAuditRecords,
  billPeriod,
  LtvPredictor,
  parseOutcomePeriod,
  saveLtvModel,
} from "@kamiyo/shield";
import {
  CDNOW_PUBLISHED_FIT,
  type LocalGraphApi,
  startLocalGraphApi,
} from "@kamiyo/shield/testing";
import {
  createTenant,
  hashPassword,
  ROLES,
  type Role,
  type Scope,
  scopesOf,
  setPasswordHash,
} from "@kamiyo/tenancy";
import { testDbKind } from "@kamiyo/testing";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MODULES, PLUGINS } from "./modules.ts";

/**
 * Tenancy through the API as the app composes it (every module's routes): two tenants with data in every tenant-owned resource; every route,
 * called with one tenant's key and the other's ids, finds nothing of the other; the database's
 * row-level security holds on its own when the application's filters are bypassed; each role
 * gets exactly the routes its scopes allow; malformed, unknown, revoked and expired keys are 401.
 */

let h: Harness;

/** One tenant's key and the ids of one of each of its resources. */
interface Side {
  tenantId: string;
  owner: string;
  keys: Record<Role, string>;
  webhook: string;
  delivery: string;
  silence: string;
  apiKey: string;
  channel: string;
  member: string;
  analysis: string;
  /** A Shield outcome invoice (of client "acme", November 2026). */
  shieldInvoice: string;
  /** Shield: a client, its campaign, and a decision on it. */
  client: string;
  campaign: string;
  decision: string;
  /** The decision's record in B's audit trail. */
  decisionSeq: number;
  /** The Meta system user whose token the side connected (its id, as Meta names it). */
  metaUser: string;
}
let a: Side;
let b: Side;
let operatorKey: string;
let graph: LocalGraphApi;

const call = (key: string | null, method: string, url: string, body?: unknown) =>
  h.app.inject({
    method: method as "GET",
    url,
    headers: key ? { "x-api-key": key } : {},
    ...(body === undefined ? {} : { payload: body as object }),
  });

async function makeSide(name: string): Promise<Side> {
  const { tenant, key: owner } = await createTenant(h.db, {
    name,
    actor: "test",
    nowMs: NOW,
  });
  const keys = { owner } as Record<Role, string>;
  for (const role of ["admin", "member", "viewer"] as const) {
    const made = await call(owner, "POST", "/api-keys", { name: role, role });
    expect(made.statusCode, made.body).toBe(201);
    keys[role] = made.json().key;
  }
  const webhook = await call(owner, "POST", "/webhooks", {
    url: `https://hooks.example.com/${name}`,
  });
  expect(webhook.statusCode, webhook.body).toBe(201);
  const webhookId = webhook.json().id as string;
  const test = await call(owner, "POST", `/webhooks/${webhookId}/test`);
  expect(test.statusCode, test.body).toBe(202);
  const silence = await call(owner, "POST", "/silences", {
    matchers: { detector: "oracle" },
    comment: `${name} maintenance`,
    durationMinutes: 60,
  });
  expect(silence.statusCode, silence.body).toBe(201);
  const spare = await call(owner, "POST", "/api-keys", { name: "spare", role: "viewer" });
  const chat = await call(owner, "POST", "/channels", {
    settings: {
      kind: "discord",
      url: `https://discord.com/api/webhooks/1/${name}${"x".repeat(30)}`,
    },
  });
  expect(chat.statusCode, chat.body).toBe(201);
  const member = await call(owner, "POST", "/members", { email: `someone@${name}.example` });
  expect(member.statusCode, member.body).toBe(201);
  const analysis = await call(owner, "POST", "/rca/analyses", {
    from: "2026-12-06T08:00:00Z",
    to: "2026-12-06T08:05:00Z",
  });
  expect(analysis.statusCode, analysis.body).toBe(201);
  const recorded = await call(owner, "POST", "/shield/outcomes", {
    outcomes: [{ ...SHIELD_OUTCOME, outcomeId: "out_side" }],
  });
  expect(recorded.statusCode, recorded.body).toBe(200);
  const terms = await call(owner, "PUT", "/shield/billing-terms/acme", {
    baselineRoasBps: name === "alpha" ? 30_000 : 20_000,
  });
  expect(terms.statusCode, terms.body).toBe(200);
  await tenantDb(h.db, tenant.id).transaction((tx) =>
    appendAuditRecords(tx, [
      {
        kind: "bid",
        at: Date.UTC(2026, 10, 2),
        body: {
          decisionId: `dec_${name}`,
          clientId: "acme",
          campaignId: "cmp_1",
          platform: "google_ads",
          externalId: `ext_${name}`,
          spendMicros: 1_000_000,
        },
      },
    ]),
  );
  const billed = await billPeriod(
    { db: h.db, now: () => NOW, payments: {}, crms: {} },
    tenant.id,
    parseOutcomePeriod("2026-11"),
  );
  const shieldInvoice = billed.bills[0]?.invoice.id as string;
  expect(shieldInvoice).toMatch(/^soi_/);
  const shield = {
    policy: await call(owner, "PUT", "/shield/policy", { maxBidMicros: 5_000_000 }),
    client: await call(owner, "POST", "/shield/clients", { id: `${name}-client`, name }),
    campaign: await call(owner, "POST", "/shield/campaigns", {
      id: `${name}-campaign`,
      clientId: `${name}-client`,
      name,
      budgetMicros: 10_000_000,
      period: "day",
    }),
    check: await call(owner, "POST", "/shield/checks", {
      clientId: `${name}-client`,
      campaignId: `${name}-campaign`,
      bidMicros: 1_000_000,
    }),
    platform: await call(owner, "PUT", "/shield/platforms/meta/credentials", {
      accessToken: META_TOKENS[name as "alpha" | "beta"],
    }),
  };
  for (const [what, res] of Object.entries(shield))
    expect(res.statusCode, `${what}: ${res.body}`).toBeLessThan(300);
  expect(shield.check.json().verdict).toBe("allow");
  return {
    tenantId: tenant.id,
    owner,
    keys,
    webhook: webhookId,
    delivery: test.json().deliveryId,
    silence: silence.json().id,
    apiKey: spare.json().id,
    channel: chat.json().id,
    member: member.json().userId,
    analysis: analysis.json().id,
    shieldInvoice,
    client: shield.client.json().id,
    campaign: shield.campaign.json().id,
    decision: shield.check.json().decisionId,
    decisionSeq: shield.check.json().auditSeq as number,
    metaUser: graph.tokens.get(META_TOKENS[name as "alpha" | "beta"])?.id as string,
  };
}

/** Each side's own Meta system user token, which the local Graph API knows. */
const META_TOKENS = {
  alpha: "EAAB-alpha-tenancy-token-000001",
  beta: "EAAB-beta-tenancy-token-0000002",
};

/** An outcome of client "acme" in November 2026 (the ids vary per use). */
const SHIELD_OUTCOME = {
  outcomeId: "out_1",
  clientId: "acme",
  campaignId: "cmp_1",
  customerId: "cus_1",
  ltvMicros: 4_470_000,
  occurredAt: "2026-11-10T00:00:00Z",
};

beforeAll(async () => {
  graph = await startLocalGraphApi({ accessToken: "EAAB-install-token-unused-000" });
  graph.tokens.set(META_TOKENS.alpha, { id: "310000000000001", name: "alpha system user" });
  graph.tokens.set(META_TOKENS.beta, { id: "320000000000002", name: "beta system user" });
  h = await apiHarness({
    seeded: false,
    modules: MODULES.api,
    moduleSettings: { shield: { metaGraphUrl: graph.url } },
    migrations: MODULES.migrations,
    plugins: PLUGINS,
    monitorConfig: monitorConfig.parse({}),
    config: {
      webhookMutationsPerMinute: 100_000,
      rateLimitPerKey: 100_000,
      rateLimitPerIp: 100_000,
      authFailuresPerMinute: 100_000,
    },
  });
  operatorKey = await createOperatorKey(h.db);
  a = await makeSide("alpha");
  b = await makeSide("beta");
  await saveLtvModel(h.db, a.tenantId, LTV_FITS.alpha, { activate: true });
  await saveLtvModel(h.db, b.tenantId, LTV_FITS.beta, { activate: true });
  // Each side's audit trail names its own tenant (so an answer holding B's id is a leak).
  for (const side of [a, b])
    await tenantDb(h.db, side.tenantId).transaction((tx) =>
      appendAuditRecords(
        tx,
        Array.from({ length: 3 }, (_, i) => ({
          kind: "decision",
          at: NOW + i,
          body: { tenant: side.tenantId, webhook: side.webhook },
        })),
        { checkpointEvery: 2 },
      ),
    );
  // Each side has a knowledge graph of its own (the same object names in both).
  for (const side of [a, b]) {
    const pod = {
      kind: "Pod",
      metadata: {
        name: "web-0",
        namespace: "prod",
        uid: `uid-${side.tenantId}`,
        resourceVersion: "7",
      },
      spec: { nodeName: "worker-1" },
      status: {
        containerStatuses: [
          {
            name: "web",
            restartCount: 2,
            ready: false,
            state: { waiting: { reason: "CrashLoopBackOff" } },
          },
        ],
      },
    };
    await applyWatchBatch(
      tenantDb(h.db, side.tenantId),
      [{ type: "ADDED", object: pod }],
      new Date(NOW),
    );
  }
});
afterAll(async () => {
  await h?.close();
  await graph?.close();
});

/** Each side's lifetime-value model: A's the CDNOW fit, B's another, so a mix-up shows. */
const LTV_FITS = {
  alpha: CDNOW_PUBLISHED_FIT,
  beta: { ...CDNOW_PUBLISHED_FIT, bgnbd: { r: 0.5, alpha: 2, a: 1.5, b: 3 } },
};

/** How the suite treats each route: new routes fail the suite until they are placed here. */
const ROUTE_KINDS: Record<
  string,
  "public-data" | "own-list" | "create" | "by-id" | "operator" | "person"
> = {
  "GET /meta": "public-data",
  "GET /stats": "public-data",
  "GET /chains": "public-data",
  "GET /ml/status": "public-data",
  "GET /ml/anomalies": "public-data",
  "GET /ml/forecast": "public-data",
  "GET /security/dashboard": "public-data",
  "GET /security/events": "public-data",
  "GET /security/events/:id": "public-data",
  "GET /security/hlp-vault": "public-data",
  "GET /security/hlp-vault/history": "public-data",
  "GET /security/oracle-deviations": "public-data",
  "GET /security/oracle-deviations/history": "public-data",
  "GET /security/liquidation-patterns": "public-data",
  "GET /exploits": "public-data",
  "GET /exploits/:id": "public-data",
  "GET /sources/rankings": "public-data",
  "GET /stream": "public-data",
  "GET /stream/ws": "public-data",
  "GET /webhooks": "own-list",
  "GET /silences": "own-list",
  "GET /api-keys": "own-list",
  "GET /audit-log": "own-list",
  "GET /audit-log/export": "own-list",
  "GET /tenants/me": "own-list",
  "GET /usage": "own-list",
  "GET /billing/subscription": "own-list",
  "GET /invoices": "own-list",
  "GET /invoices/upcoming": "own-list",
  "POST /billing/checkout": "create",
  "POST /billing/portal": "create",
  "PATCH /billing/subscription": "create",
  "DELETE /billing/subscription/:product": "create",
  "POST /webhooks": "create",
  "POST /silences": "create",
  "POST /api-keys": "create",
  "POST /channels": "create",
  "GET /members": "own-list",
  "POST /members": "create",
  "PATCH /members/:id": "by-id",
  "DELETE /members/:id": "by-id",
  "GET /channels": "own-list",
  "GET /channels/:id": "by-id",
  "PATCH /channels/:id": "by-id",
  "DELETE /channels/:id": "by-id",
  "POST /channels/:id/test": "by-id",
  "GET /channels/:id/deliveries": "by-id",
  "GET /webhooks/:id": "by-id",
  "PATCH /webhooks/:id": "by-id",
  "DELETE /webhooks/:id": "by-id",
  "POST /webhooks/:id/rotate-secret": "by-id",
  "POST /webhooks/:id/test": "by-id",
  "GET /webhooks/:id/deliveries": "by-id",
  "POST /webhooks/:id/deliveries/:deliveryId/replay": "by-id",
  "DELETE /silences/:id": "by-id",
  "DELETE /api-keys/:id": "by-id",
  "POST /api-keys/:id/rotate": "by-id",
  "GET /rca/resources": "own-list",
  "GET /rca/neighbourhood": "own-list",
  "GET /rca/events": "own-list",
  "GET /rca/incidents": "own-list",
  "GET /rca/analyses": "own-list",
  "POST /rca/analyses": "create",
  "GET /rca/analyses/:id": "by-id",
  "POST /rca/ingest/state": "create",
  "POST /rca/ingest/k8s-events": "create",
  "POST /rca/ingest/logs": "create",
  "POST /rca/ingest/prometheus/write": "create",
  "POST /rca/ingest/agent-health": "create",
  "POST /rca/ingest/otlp/v1/traces": "create",
  "GET /rca/agents": "own-list",
  "GET /shield/ltv/models": "own-list",
  "GET /shield/audit/records": "own-list",
  "GET /shield/audit/checkpoints": "own-list",
  "POST /shield/audit/verifications": "create",
  "POST /shield/ltv/predictions": "create",
  "POST /shield/outcomes": "create",
  // A client id is the tenant's own name for its client: the same name at B is B's own terms.
  "PUT /shield/billing-terms/:clientId": "create",
  "GET /shield/billing-terms": "own-list",
  "GET /shield/invoices": "own-list",
  "GET /shield/invoices/:id": "by-id",
  "GET /shield/policy": "own-list",
  "PUT /shield/policy": "create",
  "GET /shield/clients": "own-list",
  "POST /shield/clients": "create",
  "PATCH /shield/clients/:id": "by-id",
  "PUT /shield/clients/:id/kill-switch": "by-id",
  "GET /shield/campaigns": "own-list",
  "POST /shield/campaigns": "create",
  "GET /shield/campaigns/:id": "by-id",
  "PATCH /shield/campaigns/:id": "by-id",
  "PUT /shield/campaigns/:id/kill-switch": "by-id",
  "POST /shield/checks": "create",
  "POST /shield/releases": "create",
  "POST /shield/checks/batch": "create",
  "POST /shield/bids": "create",
  "GET /shield/decisions": "own-list",
  // Keyed by platform, not by a row's id: A's calls reach A's own credentials only.
  "GET /shield/platforms": "own-list",
  "PUT /shield/platforms/:id/credentials": "create",
  "DELETE /shield/platforms/:id/credentials": "create",
  "GET /admin/tenants": "operator",
  "POST /admin/tenants": "operator",
  "PATCH /admin/tenants/:id": "operator",
  // The signed-in person's own: a key (no person) is refused, whichever tenant's.
  "POST /auth/password": "person",
};

/**
 * A valid body for each mutation (so that only tenancy can refuse it); a function of the other
 * tenant's side where the body names its rows.
 */
const BODIES: Record<string, unknown> = {
  // Tenant A giving back B's reservation: A's trail has no such decision (404); B's spend stays.
  "POST /shield/releases": (b: Side) => ({
    decisionId: b.decision,
    auditSeq: b.decisionSeq,
    reason: "not_sent",
  }),
  "POST /webhooks": { url: "https://hooks.example.com/created" },
  "POST /silences": { matchers: { kind: "deviation" }, comment: "created", durationMinutes: 5 },
  "POST /api-keys": { name: "created", role: "viewer" },
  "POST /channels": { settings: { kind: "telegram", botToken: `1:${"a".repeat(30)}`, chatId: 5 } },
  "PATCH /channels/:id": { name: "taken over" },
  "POST /members": { email: "new@created.example" },
  "PATCH /members/:id": { role: "viewer" },
  "PATCH /webhooks/:id": { name: "taken over" },
  "POST /webhooks/:id/rotate-secret": {},
  "POST /api-keys/:id/rotate": {},
  "POST /admin/tenants": { name: "created" },
  "PATCH /admin/tenants/:id": { status: "suspended" },
  "POST /billing/checkout": { plan: "intel_pro" },
  "PATCH /billing/subscription": { plan: "intel_pro" },
  "POST /auth/password": { currentPassword: "whatever it is", newPassword: "a fresh pass phrase" },
  "POST /rca/analyses": { from: "2026-12-06T08:00:00Z", to: "2026-12-06T08:05:00Z" },
  "POST /shield/audit/verifications": {},
  "POST /shield/ltv/predictions": {
    customers: [{ frequency: 2, recency: 30, T: 38, monetaryValue: 22.5 }],
  },
  "POST /shield/outcomes": { outcomes: [SHIELD_OUTCOME] },
  "PUT /shield/billing-terms/:clientId": { baselineRoasBps: 25_000 },
  "POST /rca/ingest/state": [
    {
      type: "ADDED",
      object: { kind: "Pod", metadata: { name: "web-1", namespace: "prod", uid: "u1" } },
    },
  ],
  "POST /rca/ingest/k8s-events": {
    involvedObject: { kind: "Pod", namespace: "prod", name: "web-0" },
    reason: "BackOff",
    type: "Warning",
    lastTimestamp: "2025-03-12T08:00:00Z",
    metadata: { uid: "e1" },
  },
  "POST /rca/ingest/agent-health": {
    agent: "agent-0",
    version: "0.1.0",
    startedAt: "2025-03-12T08:00:00Z",
    health: {},
  },
  "POST /rca/ingest/otlp/v1/traces": {
    resourceSpans: [
      {
        resource: { attributes: [{ key: "service.name", value: { stringValue: "web" } }] },
        scopeSpans: [{ spans: [{ traceId: "ab", spanId: "cd" }] }],
      },
    ],
  },
  "PUT /shield/policy": { roasFloor: { minRoasBps: 10_000 } },
  "POST /shield/clients": { id: "created-client", name: "Created" },
  "PATCH /shield/clients/:id": { name: "taken over" },
  "PUT /shield/clients/:id/kill-switch": { on: true, reason: "taken over" },
  "POST /shield/campaigns": {
    id: "created-campaign",
    clientId: "alpha-client",
    name: "Created",
    budgetMicros: 1_000_000,
    period: "week",
  },
  "PATCH /shield/campaigns/:id": { budgetMicros: 1 },
  "PUT /shield/platforms/:id/credentials": { accessToken: META_TOKENS.alpha },
  "PUT /shield/campaigns/:id/kill-switch": { on: true, reason: "taken over" },
  // Tenant A checking a bid on B's campaign: A has no such campaign (404), B's spend is untouched.
  "POST /shield/bids": {
    clientId: "acme",
    campaignId: "search",
    platform: "google_ads",
    account: "5550001111",
    target: { kind: "ad_group_cpc", adGroupId: "11" },
    amountMicros: 1_000_000,
  },
  "POST /shield/checks": {
    clientId: "beta-client",
    campaignId: "beta-campaign",
    bidMicros: 1_000_000,
  },
  "POST /shield/checks/batch": {
    checks: [{ clientId: "beta-client", campaignId: "beta-campaign", bidMicros: 1_000_000 }],
  },
  "POST /rca/ingest/logs": [
    {
      message: "ERROR: connection refused",
      timestamp: "2025-03-12T08:00:00Z",
      kubernetes: { pod_name: "web-0", pod_namespace: "prod" },
    },
  ],
};

/** The route's URL with `side`'s ids (or `ids` given) in its parameters. */
function urlFor(url: string, side: Side, ids: Partial<Record<string, string>> = {}): string {
  const byPrefix = (param: string) => {
    if (param === ":deliveryId") return ids.delivery ?? side.delivery;
    if (url.startsWith("/webhooks")) return ids.webhook ?? side.webhook;
    if (url.startsWith("/silences")) return ids.silence ?? side.silence;
    if (url.startsWith("/channels")) return ids.channel ?? side.channel;
    if (url.startsWith("/members")) return ids.member ?? side.member;
    if (url.startsWith("/api-keys")) return ids.apiKey ?? side.apiKey;
    if (url.startsWith("/admin/tenants")) return ids.tenant ?? side.tenantId;
    if (url.startsWith("/rca/analyses")) return ids.analysis ?? side.analysis;
    if (url.startsWith("/shield/invoices")) return ids.shieldInvoice ?? side.shieldInvoice;
    if (url.startsWith("/shield/billing-terms")) return "acme";
    if (url.startsWith("/shield/clients")) return ids.client ?? side.client;
    if (url.startsWith("/shield/campaigns")) return ids.campaign ?? side.campaign;
    if (url.startsWith("/shield/platforms")) return "meta";
    if (url.startsWith("/security/events")) return "fnd_000000000000000000001";
    if (url.startsWith("/exploits")) return "exp_0000000000000001";
    if (url.startsWith("/billing/subscription")) return "intel";
    throw new Error(`no id for ${param} of ${url}`);
  };
  return url.replace(/:[A-Za-z]+/g, byPrefix);
}

const idsOf = (s: Side) => [
  s.tenantId,
  s.webhook,
  s.delivery,
  s.silence,
  s.apiKey,
  s.channel,
  s.member,
  s.analysis,
  s.shieldInvoice,
  s.client,
  s.campaign,
  s.decision,
  s.metaUser,
];

describe(`tenant isolation through every route (${testDbKind})`, () => {
  it("classifies every route the API has", () => {
    const unplaced = h.routes.entries
      .filter((r) => !r.public && r.method !== "HEAD" && !r.url.startsWith("/docs"))
      .map((r) => `${r.method} ${r.url}`)
      .filter((k) => !(k in ROUTE_KINDS));
    expect(unplaced).toEqual([]);
  });

  it("answers tenant A's key about tenant B's resources with 404 (403 for operator routes), and no answer holds B's ids", async () => {
    const leaks: string[] = [];
    const checked: string[] = [];
    for (const r of h.routes.entries) {
      if (r.public || r.method === "HEAD" || /^\/(stream|docs)/.test(r.url)) continue;
      const route = `${r.method} ${r.url}`;
      const kind = ROUTE_KINDS[route];
      const given = BODIES[route];
      const body = typeof given === "function" ? given(b) : given;
      const res = await call(a.owner, r.method, urlFor(r.url, b), body);
      checked.push(route);
      // A refusal may name the id it was asked about, and an answer may echo what the caller
      // sent (a batch's per-check errors); otherwise an answer must hold nothing of B's.
      const sent = JSON.stringify(body ?? null);
      if (res.statusCode < 400)
        for (const id of idsOf(b))
          if (res.body.includes(id) && !sent.includes(id))
            leaks.push(`${route} answered with B's ${id}`);
      const expected =
        kind === "by-id" ? 404 : kind === "operator" || kind === "person" ? 403 : null;
      if (expected !== null && res.statusCode !== expected)
        leaks.push(`${route}: ${res.statusCode} ${res.body.slice(0, 120)}`);
      // Public data and the caller's own: anything but a refusal of the caller or a failure.
      if (expected === null && [401, 403, 500].includes(res.statusCode))
        leaks.push(`${route}: ${res.statusCode} ${res.body.slice(0, 120)}`);
    }
    expect(leaks).toEqual([]);
    expect(checked.length).toBeGreaterThanOrEqual(30);
    // B's resources are as B left them.
    const hook = await call(b.owner, "GET", `/webhooks/${b.webhook}`);
    expect(hook.statusCode).toBe(200);
    expect(hook.json().name).toBe("hooks.example.com");
    const people = (await call(b.owner, "GET", "/members")).json().data;
    expect(people).toEqual([expect.objectContaining({ userId: b.member, role: "member" })]);
    const chat = await call(b.owner, "GET", `/channels/${b.channel}`);
    expect(chat.json()).toMatchObject({ name: "discord", enabled: true });
    const silences = (await call(b.owner, "GET", "/silences?active=true")).json().data;
    expect(silences.map((s: { id: string }) => s.id)).toContain(b.silence);
    const keys = (await call(b.owner, "GET", "/api-keys")).json().data;
    expect(keys.find((k: { id: string }) => k.id === b.apiKey)?.revokedAt).toBeNull();
    expect((await call(b.owner, "GET", "/tenants/me")).json().tenant.status).toBe("active");
    const campaign = (await call(b.owner, "GET", `/shield/campaigns/${b.campaign}`)).json();
    expect(campaign).toMatchObject({
      budgetMicros: 10_000_000,
      spentMicros: 1_000_000,
      killed: false,
    });
    const client = (await call(b.owner, "GET", "/shield/clients")).json().data;
    expect(client).toEqual([
      expect.objectContaining({ id: b.client, name: "beta", killed: false }),
    ]);
    const policies = (await call(b.owner, "GET", "/shield/policy")).json().data;
    expect(policies.map((p: { version: number }) => p.version)).toEqual([1]);
    const decisions = (await call(b.owner, "GET", "/shield/decisions")).json().data;
    expect(decisions.map((d: { decisionId: string }) => d.decisionId)).toEqual([b.decision]);
    const platforms = (await call(b.owner, "GET", "/shield/platforms")).json().data;
    expect(platforms[1]).toMatchObject({
      platform: "meta",
      source: "tenant",
      identity: `beta system user (${b.metaUser})`,
    });
    // What A created stayed A's.
    const mine = (await call(a.owner, "GET", "/webhooks")).json().data;
    expect(mine.map((w: { url: string }) => w.url)).toContain("https://hooks.example.com/created");
  });

  it("answers tenant A's signed-in person (the session cookie) about B's resources with 404 on every by-id route", async () => {
    const email = "signed-in@alpha.example";
    const password = "tall ships at anchor 7";
    expect((await call(a.owner, "POST", "/members", { email, role: "admin" })).statusCode).toBe(
      201,
    );
    const [user] = await h.db.query<{ id: string }>("SELECT id FROM users WHERE email = $1", [
      email,
    ]);
    await setPasswordHash(h.db, user?.id as string, await hashPassword(password), NOW);
    const signed = await h.app.inject({
      method: "POST",
      url: "/auth/session",
      payload: { email, password },
    });
    expect(signed.statusCode, signed.body).toBe(200);
    const cookie = String(signed.headers["set-cookie"]).split(";")[0] as string;
    const wrong: string[] = [];
    const byId = h.routes.entries.filter(
      (r) => ROUTE_KINDS[`${r.method} ${r.url}`] === "by-id" && r.method !== "HEAD",
    );
    expect(byId.length).toBeGreaterThanOrEqual(14);
    for (const r of byId) {
      const route = `${r.method} ${r.url}`;
      const res = await h.app.inject({
        method: r.method as "GET",
        url: urlFor(r.url, b),
        headers: { cookie, origin: "http://localhost" },
        ...(BODIES[route] === undefined ? {} : { payload: BODIES[route] as object }),
      });
      if (res.statusCode !== 404)
        wrong.push(`${route}: ${res.statusCode} ${res.body.slice(0, 120)}`);
    }
    expect(wrong).toEqual([]);
    const me = await h.app.inject({ method: "GET", url: "/tenants/me", headers: { cookie } });
    expect(me.json()).toMatchObject({ tenant: { id: a.tenantId }, actor: user?.id, role: "admin" });
  });

  it("lists only the caller's own rows", async () => {
    for (const url of [
      "/webhooks",
      "/channels",
      "/silences",
      "/api-keys",
      "/audit-log?limit=1000",
      "/shield/policy",
      "/shield/clients",
      "/shield/campaigns",
      "/shield/decisions",
      "/shield/platforms",
    ]) {
      const res = await call(b.owner, "GET", url);
      expect(res.statusCode, url).toBe(200);
      for (const id of idsOf(a).slice(1)) expect(res.body, `${url} holds ${id}`).not.toContain(id);
      expect(res.json().data.length, url).toBeGreaterThan(0);
    }
    const me = (await call(b.keys.viewer, "GET", "/tenants/me")).json();
    expect(me).toMatchObject({ tenant: { id: b.tenantId, name: "beta" }, role: "viewer" });
  });

  it("predicts lifetime value with the caller's own model", async () => {
    const customer = { frequency: 2, recency: 30, T: 38, monetaryValue: 22.5 };
    for (const [side, fit] of [
      [a, LTV_FITS.alpha],
      [b, LTV_FITS.beta],
    ] as const) {
      const res = await call(side.keys.viewer, "POST", "/shield/ltv/predictions", {
        customers: [customer],
      });
      expect(res.statusCode, res.body).toBe(200);
      const own = new LtvPredictor({ ...fit, version: 1 }).predict(customer);
      expect(res.json().data[0].pAlive).toBe(own.pAlive);
      const models = (await call(side.keys.viewer, "GET", "/shield/ltv/models")).json().data;
      expect(models.map((m: { bgnbd: { r: number } }) => m.bgnbd.r)).toEqual([fit.bgnbd.r]);
    }
  });

  it("shows and verifies only the caller's own audit trail", async () => {
    for (const side of [a, b]) {
      const res = await call(side.keys.viewer, "GET", "/shield/audit/records?limit=500");
      const records = res.json().data as { body: { tenant?: string } }[];
      const other = side === a ? b : a;
      expect(res.body).not.toContain(other.tenantId);
      expect(records.filter((r) => r.body.tenant === side.tenantId)).toHaveLength(3);
      // And the policy check's decision of makeSide, on the side's own campaign.
      const decisions = records.filter(
        (r) => (r.body as { decisionId?: string }).decisionId === side.decision,
      );
      expect(decisions).toHaveLength(1);
      const v = (await call(side.keys.viewer, "POST", "/shield/audit/verifications", {})).json();
      expect(v).toMatchObject({ ok: true, records: records.length });
    }
  });
});

describe(`Shield's outcome billing per tenant (${testDbKind})`, () => {
  it("keeps each tenant's terms, outcomes and invoices of the same client id apart", async () => {
    // A and B both call their client "acme" and both recorded "out_side".
    const put = await call(a.owner, "PUT", "/shield/billing-terms/acme", {
      baselineRoasBps: 41_000,
    });
    expect(put.statusCode, put.body).toBe(200);
    const bTerms = (await call(b.owner, "GET", "/shield/billing-terms")).json().data;
    expect(bTerms).toEqual([
      expect.objectContaining({ clientId: "acme", baselineRoasBps: 20_000 }),
    ]);
    const mine = await call(a.owner, "POST", "/shield/outcomes", {
      outcomes: [{ ...SHIELD_OUTCOME, outcomeId: "out_only_a" }],
    });
    expect(mine.json().data[0].created).toBe(true);
    const theirs = await call(b.owner, "POST", "/shield/outcomes", {
      outcomes: [{ ...SHIELD_OUTCOME, outcomeId: "out_only_a" }],
    });
    expect(theirs.json().data[0].created).toBe(true);
    const bInvoices = (await call(b.owner, "GET", "/shield/invoices")).json().data;
    expect(bInvoices.map((i: { id: string }) => i.id)).toEqual([b.shieldInvoice]);
    expect(bInvoices[0]).toMatchObject({ baselineRoasBps: 20_000 });
    expect((await call(a.owner, "GET", `/shield/invoices/${b.shieldInvoice}`)).statusCode).toBe(
      404,
    );
  });
});

describe(`row-level security on its own (${testDbKind})`, () => {
  /** Public data: readable by every tenant, written only by the platform. */

  it("forces RLS on every table with a tenant_id but the public ones", async () => {
    const rows = await h.db.query<{ name: string; rls: boolean; forced: boolean }>(
      `SELECT c.relname AS name, c.relrowsecurity AS rls, c.relforcerowsecurity AS forced
       FROM pg_class c
       JOIN pg_namespace n ON n.oid = c.relnamespace
       JOIN pg_attribute att ON att.attrelid = c.oid AND att.attname = 'tenant_id'
       WHERE n.nspname = current_schema() AND c.relkind = 'r'`,
    );
    const owned = rows.filter((r) => !PUBLIC_TENANT_TABLES.includes(r.name));
    expect(owned.length).toBeGreaterThanOrEqual(11);
    // The modules' tables are here too (the harness migrates the app's modules).
    expect(owned.map((r) => r.name)).toEqual(
      expect.arrayContaining([
        ...["rca_resources", "rca_relations", "rca_events", "rca_analyses"],
        ...["shield_audit_records", "shield_audit_checkpoints", "shield_ltv_models"],
        ...["shield_billing_terms", "shield_outcomes", "shield_invoices", "shield_billing_runs"],
        ...["shield_policies", "shield_clients", "shield_campaigns", "shield_campaign_spend"],
        ...["shield_check_ids", "shield_releases"],
      ]),
    );
    expect(owned.filter((r) => !r.rls || !r.forced).map((r) => r.name)).toEqual([]);
  });

  it("runs tenant transactions as a role that is no superuser, owns nothing and cannot bypass RLS", async () => {
    const [me] = await tenantDb(h.db, a.tenantId).query<{
      user: string;
      super: boolean;
      bypass: boolean;
      owns: number;
    }>(
      `SELECT current_user AS user, r.rolsuper AS super, r.rolbypassrls AS bypass,
         (SELECT count(*)::int FROM pg_class WHERE relowner = r.oid) AS owns
       FROM pg_roles r WHERE r.rolname = current_user`,
    );
    expect(me).toEqual({ user: "kamiyo_app", super: false, bypass: false, owns: 0 });
  });

  it("shows, changes and deletes none of B's rows to raw SQL with A set, and refuses to write B's", async () => {
    const owned = await h.db.query<{ name: string }>(
      `SELECT c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
       WHERE n.nspname = current_schema() AND c.relkind = 'r' AND c.relforcerowsecurity`,
    );
    const asA = tenantDb(h.db, a.tenantId);
    const seen: Record<string, number> = {};
    for (const { name } of owned) {
      // users has no tenant: a tenant sees its members (the next test).
      if (name === "users") continue;
      const col = name === "tenants" ? "id" : "tenant_id";
      const before = await h.db.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM ${name} WHERE ${col} = $1`,
        [b.tenantId],
      );
      const visible = await asA.query<{ t: string }>(`SELECT ${col} AS t FROM ${name}`);
      seen[name] = visible.length;
      expect(
        visible.filter((r) => r.t !== a.tenantId),
        name,
      ).toEqual([]);
      // A table the app role may only read (subscriptions) refuses the write outright.
      const [grant] = await h.db.query<{ update: boolean; delete: boolean }>(
        `SELECT has_table_privilege('kamiyo_app', $1, 'UPDATE') AS update,
                has_table_privilege('kamiyo_app', $1, 'DELETE') AS delete`,
        [name],
      );
      const update = asA.query(`UPDATE ${name} SET ${col} = ${col} WHERE ${col} = $1 RETURNING 1`, [
        b.tenantId,
      ]);
      if (grant?.update) expect(await update, name).toEqual([]);
      else await expect(update, name).rejects.toThrow(/permission denied/);
      if (name !== "tenants") {
        const del = asA.query(`DELETE FROM ${name} WHERE ${col} = $1 RETURNING 1`, [b.tenantId]);
        if (grant?.delete) expect(await del, name).toEqual([]);
        else await expect(del, name).rejects.toThrow(/permission denied/);
      }
      const after = await h.db.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM ${name} WHERE ${col} = $1`,
        [b.tenantId],
      );
      expect(after, name).toEqual(before);
    }
    // A has rows of its own in the tables the suite filled, so "nothing visible" is not why.
    for (const t of [
      "alert_channels",
      "deliveries",
      "silences",
      "api_keys",
      "audit_log",
      "subscriptions",
      "rca_resources",
      "rca_relations",
      "rca_events",
      "shield_policies",
      "shield_clients",
      "shield_campaigns",
      "shield_campaign_spend",
      "shield_audit_records",
    ])
      expect(seen[t], t).toBeGreaterThan(0);
    await expect(
      asA.query(
        `INSERT INTO silences (tenant_id, id, matchers, comment, created_by, starts_at, ends_at, created_at)
         VALUES ($1, 'sil_planted0000000000000', '{}', 'x', 'x', now(), now(), now())`,
        [b.tenantId],
      ),
    ).rejects.toThrow(/row-level security/);
    await expect(asA.query("DELETE FROM findings")).rejects.toThrow(/permission denied/);
  });

  it("counts each tenant's usage apart: /usage shows only the caller's", async () => {
    const use = (tenantId: string, n: number) =>
      recordUsage(
        h.db,
        Array.from({ length: n }, (_, i) => ({
          tenantId,
          product: "rca" as const,
          meter: "rca_queries" as const,
          value: 1,
          eventAt: NOW,
          idempotencyKey: `req-${i}`,
        })),
        NOW,
      );
    const calls = async (side: Side) =>
      (await call(side.owner, "GET", "/usage"))
        .json()
        .meters.find((m: { meter: string }) => m.meter === "rca_queries");
    // Each side already ran RCA queries (its analyses): count from there.
    const before = { a: (await calls(a))?.today ?? 0, b: (await calls(b))?.today ?? 0 };
    // The same keys in both tenants: idempotency is per tenant.
    expect(await use(a.tenantId, 3)).toBe(3);
    expect(await use(b.tenantId, 7)).toBe(7);
    expect(await calls(a)).toMatchObject({
      product: "rca",
      today: before.a + 3,
      period: before.a + 3,
    });
    expect(await calls(b)).toMatchObject({ today: before.b + 7 });
  });

  it("shows a tenant only its own members among the users, who belong to nobody else", async () => {
    const all = await h.db.query<{ id: string }>("SELECT id FROM users");
    expect(all.map((u) => u.id)).toEqual(expect.arrayContaining([a.member, b.member]));
    const members = await h.db.query<{ id: string }>(
      "SELECT user_id AS id FROM memberships WHERE tenant_id = $1 ORDER BY 1",
      [a.tenantId],
    );
    const seen = await tenantDb(h.db, a.tenantId).query<{ id: string }>(
      "SELECT id FROM users ORDER BY 1",
    );
    expect(seen).toEqual(members);
    expect(seen.map((u) => u.id)).toContain(a.member);
    expect(seen.map((u) => u.id)).not.toContain(b.member);
    const [forced] = await h.db.query<{ forced: boolean }>(
      "SELECT relforcerowsecurity AS forced FROM pg_class WHERE oid = 'users'::regclass",
    );
    expect(forced?.forced).toBe(true);
  });

  it("shows nothing to the application role when no tenant is set", async () => {
    const n = await h.db.transaction(async (tx) => {
      await tx.query("SELECT set_config('role', 'kamiyo_app', true)");
      return tx.query<{ n: number }>("SELECT count(*)::int AS n FROM api_keys");
    });
    expect(n).toEqual([{ n: 0 }]);
  });
});

describe(`roles and scopes (${testDbKind})`, () => {
  /** A well-formed id no tenant has. */
  const NONE = {
    webhook: "chn_0000000000000000000000000",
    delivery: "msg_0000000000000000000000000",
    silence: "sil_0000000000000000000000000",
    apiKey: "key_0000000000000000000000000",
    channel: "chn_0000000000000000000000000",
    member: "usr_0000000000000000000000000",
    tenant: "ten_0000000000000000000000000",
    client: "no-such-client",
    campaign: "no-such-campaign",
  };

  it("lets each role through exactly the routes its scopes allow, on every route", async () => {
    const wrong: string[] = [];
    for (const r of h.routes.entries) {
      if (r.public || r.method === "HEAD" || /^\/(stream|docs)/.test(r.url) || !r.scope) continue;
      for (const role of ROLES) {
        const allowed = scopesOf(role).includes(r.scope as Scope) && !r.operator;
        // Allowed calls get an id nobody has or a body that is invalid, so nothing changes:
        // 404 or 400 show they passed the gate; forbidden ones are 403 whatever they carry.
        const res = await call(a.keys[role], r.method, urlFor(r.url, a, NONE), { invalid: 1 });
        const passed = res.statusCode !== 403;
        if (passed !== allowed)
          wrong.push(`${role} ${r.method} ${r.url}: ${res.statusCode} ${res.body.slice(0, 100)}`);
      }
    }
    expect(wrong).toEqual([]);
  });

  it("keeps a key to the scopes it was given, and a key from handing out more than its role", async () => {
    const narrowed = await call(a.owner, "POST", "/api-keys", {
      name: "read only admin",
      role: "admin",
      scopes: ["read", "audit:read"],
    });
    expect(narrowed.json().scopes).toEqual(["read", "audit:read"]);
    const key = narrowed.json().key;
    expect((await call(key, "GET", "/audit-log")).statusCode).toBe(200);
    expect((await call(key, "GET", "/api-keys")).statusCode).toBe(403);
    expect(
      (await call(a.keys.admin, "POST", "/api-keys", { name: "x", role: "owner" })).json(),
    ).toMatchObject({ error: { code: "forbidden" } });
  });

  it("lets only operator keys manage tenants", async () => {
    const made = await call(operatorKey, "POST", "/admin/tenants", { name: "gamma" });
    expect(made.statusCode, made.body).toBe(201);
    expect(made.json().apiKey).toMatch(/^kmy_live_/);
    const list = (await call(operatorKey, "GET", "/admin/tenants")).json().data;
    expect(list.map((t: { name: string }) => t.name)).toEqual(
      expect.arrayContaining(["alpha", "beta", "gamma"]),
    );
    const gamma = made.json().tenant.id;
    const suspended = await call(operatorKey, "PATCH", `/admin/tenants/${gamma}`, {
      status: "suspended",
    });
    expect(suspended.json().status).toBe("suspended");
    expect((await call(made.json().apiKey, "GET", "/tenants/me")).statusCode).toBe(401);
    expect((await call(a.owner, "GET", "/admin/tenants")).statusCode).toBe(403);
  });
});

describe(`API keys (${testDbKind})`, () => {
  it("refuses malformed and unknown keys with 401, never 500", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.string({ minLength: 1, maxLength: 80 }),
          fc
            .stringMatching(/^[A-Za-z0-9_-]{43}$/)
            .map((s) => `kmy_${s.length % 2 ? "live" : "test"}_${s}`),
          fc.constantFrom(
            "kmy_live_",
            "kmy_",
            "Bearer",
            "sha256:00",
            `${a.owner}x`,
            a.owner.slice(0, -1),
          ),
        ),
        async (key) => {
          const printable = key.replace(/[^\x21-\x7e]/g, "x");
          const res = await call(printable, "GET", "/webhooks");
          expect(res.statusCode).toBe(401);
        },
      ),
      { numRuns: 150 },
    );
  });

  it("answers any id on every by-id route with 400 or 404, never 500 and never another's row", async () => {
    const byId = h.routes.entries.filter(
      (r) => ROUTE_KINDS[`${r.method} ${r.url}`] === "by-id" && r.method !== "HEAD",
    );
    expect(byId.length).toBeGreaterThanOrEqual(14);
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...byId),
        fc.oneof(
          fc.string({ minLength: 1, maxLength: 60 }).filter((id) => id !== "." && id !== ".."),
          fc.stringMatching(/^(chn|sil|key|msg|ten)_[0-9a-z]{9,30}$/),
          fc.constantFrom(...idsOf(b), "chn_", "key_%00", "sil_0m85ovxc0'--"),
        ),
        async (route, id) => {
          const url = route.url.replace(/:[A-Za-z]+/g, encodeURIComponent(id));
          const res = await call(
            a.owner,
            route.method,
            url,
            BODIES[`${route.method} ${route.url}`],
          );
          expect([400, 404, 405], `${route.method} ${url}: ${res.body.slice(0, 150)}`).toContain(
            res.statusCode,
          );
        },
      ),
      { numRuns: 300 },
    );
  });

  it("takes the key as a Bearer token too", async () => {
    const res = await h.app.inject({
      method: "GET",
      url: "/tenants/me",
      headers: { authorization: `Bearer ${a.keys.member}` },
    });
    expect(res.json()).toMatchObject({ tenant: { id: a.tenantId }, role: "member" });
  });

  it("stops a revoked key at once and an expired one when it expires", async () => {
    const made = (
      await call(a.owner, "POST", "/api-keys", { name: "short", role: "viewer" })
    ).json();
    expect((await call(made.key, "GET", "/tenants/me")).statusCode).toBe(200);
    const revoked = await call(a.owner, "DELETE", `/api-keys/${made.id}`);
    expect(revoked.json().revokedAt).not.toBeNull();
    expect((await call(made.key, "GET", "/tenants/me")).statusCode).toBe(401);

    const expiring = (
      await call(a.owner, "POST", "/api-keys", {
        name: "an hour",
        role: "viewer",
        expiresAt: new Date(h.clock.now() + 3_600_000).toISOString(),
      })
    ).json();
    expect((await call(expiring.key, "GET", "/tenants/me")).statusCode).toBe(200);
    h.clock.advanceTo(h.clock.now() + 3_600_000);
    expect((await call(expiring.key, "GET", "/tenants/me")).statusCode).toBe(401);
  });

  it("rotates a key: the new one works, the old one until its grace ends", async () => {
    const made = (await call(a.owner, "POST", "/api-keys", { name: "ci", role: "member" })).json();
    const rotated = await call(a.owner, "POST", `/api-keys/${made.id}/rotate`, {
      graceSeconds: 60,
    });
    expect(rotated.statusCode, rotated.body).toBe(200);
    const next = rotated.json();
    expect(next).toMatchObject({ name: "ci", role: "member", replaces: { replacedBy: next.id } });
    expect((await call(next.key, "GET", "/tenants/me")).statusCode).toBe(200);
    expect((await call(made.key, "GET", "/tenants/me")).statusCode).toBe(200);
    h.clock.advanceTo(h.clock.now() + 61_000);
    expect((await call(made.key, "GET", "/tenants/me")).statusCode).toBe(401);
    expect((await call(next.key, "GET", "/tenants/me")).statusCode).toBe(200);
    const again = await call(a.owner, "POST", `/api-keys/${made.id}/rotate`, {});
    expect(again.statusCode).toBe(409);
  });

  it("records when a key was last used", async () => {
    const made = (
      await call(a.owner, "POST", "/api-keys", { name: "used", role: "viewer" })
    ).json();
    expect(made.lastUsedAt).toBeNull();
    await call(made.key, "GET", "/tenants/me");
    await expect
      .poll(async () => {
        const keys = (await call(a.owner, "GET", "/api-keys")).json().data;
        return keys.find((k: { id: string }) => k.id === made.id)?.lastUsedAt;
      })
      .toBe(new Date(h.clock.now()).toISOString());
  });
});

describe(`the audit log (${testDbKind})`, () => {
  it("records every change with actor, action, target, request id and before/after hashes", async () => {
    const changed = await call(b.keys.member, "PATCH", `/webhooks/${b.webhook}`, {
      description: "audited",
    });
    expect(changed.statusCode).toBe(200);
    const log = (await call(b.owner, "GET", "/audit-log")).json().data;
    const entry = log.find(
      (e: { requestId: string }) => e.requestId === changed.headers["x-request-id"],
    );
    expect(entry).toMatchObject({ action: "webhook.update", target: b.webhook });
    expect(entry.actor).toMatch(/^key_/);
    expect(entry.beforeHash).toMatch(/^[0-9a-f]{64}$/);
    expect(entry.afterHash).toMatch(/^[0-9a-f]{64}$/);
    expect(entry.beforeHash).not.toBe(entry.afterHash);
    const actions = new Set(log.map((e: { action: string }) => e.action));
    for (const action of [
      "tenant.create",
      "api_key.create",
      "webhook.create",
      "webhook.test",
      "silence.create",
    ])
      expect(actions, action).toContain(action);
    expect((await call(b.keys.member, "GET", "/audit-log")).statusCode).toBe(403);
    const exported = await call(b.keys.admin, "GET", "/audit-log/export");
    expect(exported.headers["content-type"]).toContain("application/x-ndjson");
    const lines = exported.body
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(lines.map((e: { id: string }) => e.id)).toEqual(log.map((e: { id: string }) => e.id));
  });
});

describe(`the zero-config start (${testDbKind})`, () => {
  it("serves the default tenant without a key until the first key exists, then requires one", async () => {
    const fresh = await apiHarness({ seeded: false, modules: MODULES.api });
    try {
      const open = await fresh.app.inject({ method: "GET", url: "/tenants/me" });
      expect(open.json()).toMatchObject({ tenant: { id: "ten_default" }, actor: "local" });
      const { key } = await createTenant(fresh.db, { name: "first", actor: "test", nowMs: NOW });
      fresh.clock.advanceTo(fresh.clock.now() + 1_000);
      const closed = await fresh.app.inject({ method: "GET", url: "/webhooks" });
      expect(closed.statusCode).toBe(401);
      expect((await fresh.app.inject({ method: "GET", url: "/health" })).statusCode).toBe(200);
      const keyed = await fresh.app.inject({
        method: "GET",
        url: "/tenants/me",
        headers: { "x-api-key": key },
      });
      expect(keyed.json().tenant.name).toBe("first");
    } finally {
      await fresh.close();
    }
  });
});
