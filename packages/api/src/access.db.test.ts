import { afterEach, describe, expect, it } from "vitest";
import { ApiKeyVerifier, hashApiKey, newApiKey } from "./api-keys.ts";
import { apiHarness, type Harness } from "./testing/api-harness.ts";

const key = newApiKey();
const other = newApiKey();
let h: Harness | null = null;
afterEach(async () => {
  await h?.close();
  h = null;
});

describe("API keys", () => {
  it("stores only hashes and verifies in constant time per hash", () => {
    const v = new ApiKeyVerifier([hashApiKey(key), hashApiKey(other)]);
    expect(hashApiKey(key)).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(v.verify(key)).toBe(`key_${hashApiKey(key).slice(7, 19)}`);
    expect(v.verify(`${key}x`)).toBeNull();
    expect(v.verify("")).toBeNull();
    expect(new ApiKeyVerifier([]).enabled).toBe(false);
  });

  it("requires a key on every route except health, readiness, metrics and docs when keys are configured", async () => {
    h = await apiHarness({ config: { keyHashes: [hashApiKey(key)] }, seeded: false });
    const none = await h.app.inject({ method: "GET", url: "/security/events" });
    expect(none.statusCode).toBe(401);
    expect(none.json().error).toMatchObject({ code: "unauthorized" });
    h.expectValid("GET", "/security/events", 401, none.json());
    const wrong = await h.app.inject({
      method: "GET",
      url: "/security/events",
      headers: { "x-api-key": other },
    });
    expect(wrong.statusCode).toBe(401);
    expect(wrong.json().error.message).toBe(
      "the API key is not valid (unknown, revoked or expired)",
    );
    const header = await h.app.inject({
      method: "GET",
      url: "/security/events",
      headers: { "x-api-key": key },
    });
    expect(header.statusCode).toBe(200);
    const bearer = await h.app.inject({
      method: "GET",
      url: "/meta",
      headers: { authorization: `Bearer ${key}` },
    });
    expect(bearer.statusCode).toBe(200);
    for (const url of ["/health", "/ready", "/metrics", "/openapi.json", "/docs/"]) {
      expect((await h.app.inject({ method: "GET", url })).statusCode, url).toBe(200);
    }
    const doc = (await h.app.inject({ method: "GET", url: "/openapi.json" })).json();
    expect(doc.security).toEqual([{ apiKey: [] }, { bearer: [] }, { session: [] }]);
  });

  it("requires a key on every route of the app, every method; open routes ignore a wrong key", async () => {
    h = await apiHarness({
      config: {
        keyHashes: [hashApiKey(key)],
        corsOrigins: ["https://dash.example.org"],
        authFailuresPerMinute: 10_000,
      },
      seeded: false,
    });
    // The open routes, by design (Stripe's webhook is signed instead; sign-in and sign-out take
    // an address and password or the session cookie); every other route the app has must refuse
    // a missing or wrong key.
    const open = (url: string) =>
      [
        "/health",
        "/ready",
        "/metrics",
        "/openapi.json",
        "/plans",
        "/figures",
        "/billing/stripe/webhook",
        "/auth/session",
        "*",
      ].includes(url) ||
      url === "/docs" ||
      url.startsWith("/docs/");
    const routes = h.routes.entries;
    expect(routes.length).toBeGreaterThan(40);
    const protectedRoutes = routes.filter((r) => !open(r.url));
    const openRoutes = routes.filter((r) => open(r.url));
    expect(protectedRoutes.length).toBeGreaterThan(30);
    expect(openRoutes.length).toBeGreaterThan(5);
    // Every method the app serves, HEAD included.
    expect(new Set(routes.map((r) => r.method))).toEqual(
      new Set(["GET", "HEAD", "POST", "PATCH", "DELETE", "OPTIONS"]),
    );
    const sample = (url: string) => url.replace(/:[^/]+/g, "x").replace("*", "x");
    const answers = async (method: string, url: string, headers: Record<string, string>) => {
      const res = await h?.app.inject({
        method: method as "GET",
        url: sample(url),
        headers: { "content-type": "application/json", ...headers },
        payload: ["POST", "PATCH"].includes(method) ? "{}" : undefined,
      });
      return `${method} ${url} ${res?.statusCode}`;
    };
    const refused: string[] = [];
    const expected: string[] = [];
    for (const r of protectedRoutes) {
      refused.push(await answers(r.method, r.url, {}));
      refused.push(await answers(r.method, r.url, { "x-api-key": other }));
      refused.push(await answers(r.method, r.url, { authorization: `Bearer ${other}` }));
      expected.push(...Array(3).fill(`${r.method} ${r.url} 401`));
    }
    expect(refused).toEqual(expected);
    const opened: string[] = [];
    for (const r of openRoutes) {
      const variants: Record<string, string>[] = [
        {},
        { "x-api-key": other },
        { authorization: `Bearer ${other}` },
      ];
      for (const headers of variants) opened.push(await answers(r.method, r.url, headers));
    }
    expect(opened.filter((a) => a.endsWith(" 401"))).toEqual([]);
    // The open routes are the ones documented as needing no key.
    const doc = (await h.app.inject({ method: "GET", url: "/openapi.json" })).json();
    for (const path of ["/health", "/ready", "/metrics"])
      expect(doc.paths[path].get.security).toEqual([]);
    expect(doc.paths["/security/events"].get.security).toBeUndefined();
  });

  it("accepts requests without a key when none is configured, and ignores a presented one", async () => {
    h = await apiHarness({ seeded: false });
    expect((await h.app.inject({ method: "GET", url: "/security/events" })).statusCode).toBe(200);
    expect(
      (
        await h.app.inject({
          method: "GET",
          url: "/security/events",
          headers: { "x-api-key": "whatever" },
        })
      ).statusCode,
    ).toBe(200);
  });
});

describe("rate limits", () => {
  it("limits per IP with RateLimit headers and Retry-After, and per key separately", async () => {
    h = await apiHarness({
      config: { rateLimitPerIp: 3, rateLimitPerKey: 5, keyHashes: [hashApiKey(key)] },
      seeded: false,
    });
    const ok = await h.app.inject({
      method: "GET",
      url: "/security/events",
      headers: { "x-api-key": key },
    });
    expect(ok.headers["ratelimit-limit"]).toBe("5");
    expect(ok.headers["ratelimit-remaining"]).toBe("4");
    for (let i = 0; i < 4; i++)
      await h.app.inject({ method: "GET", url: "/security/events", headers: { "x-api-key": key } });
    const limited = await h.app.inject({
      method: "GET",
      url: "/security/events",
      headers: { "x-api-key": key },
    });
    expect(limited.statusCode).toBe(429);
    expect(limited.json().error).toMatchObject({ code: "rate_limited" });
    expect(limited.json().error.message).toMatch(/rate limit of 5 requests a minute exceeded/);
    expect(Number(limited.headers["retry-after"])).toBeGreaterThan(0);
    h.expectValid("GET", "/security/events", 429, limited.json());
    // Health and readiness are never limited.
    for (let i = 0; i < 10; i++)
      expect((await h.app.inject({ method: "GET", url: "/health" })).statusCode).toBe(200);
  });

  it("answers 429 with Retry-After to an IP past its budget of failed authentications; valid keys still pass", async () => {
    h = await apiHarness({
      config: { keyHashes: [hashApiKey(key)], authFailuresPerMinute: 3 },
      seeded: false,
    });
    const from = async (ip: string, headers: Record<string, string>) =>
      h?.app.inject({ method: "GET", url: "/security/events", remoteAddress: ip, headers });
    const statuses: (number | undefined)[] = [];
    const attempts: Record<string, string>[] = [
      { "x-api-key": other },
      {},
      { authorization: `Bearer ${other}` },
    ];
    for (const headers of attempts) statuses.push((await from("10.0.0.1", headers))?.statusCode);
    expect(statuses).toEqual([401, 401, 401]);
    const limited = await from("10.0.0.1", { "x-api-key": other });
    expect(limited?.statusCode).toBe(429);
    expect(limited?.json().error).toMatchObject({ code: "rate_limited" });
    expect(limited?.json().error.message).toMatch(/too many failed authentications/);
    expect(Number(limited?.headers["retry-after"])).toBeGreaterThan(0);
    h.expectValid("GET", "/security/events", 429, limited?.json());
    expect((await from("10.0.0.1", {}))?.statusCode).toBe(429);
    // The right key is never refused for others' failures, nor another address.
    expect((await from("10.0.0.1", { "x-api-key": key }))?.statusCode).toBe(200);
    expect((await from("10.0.0.2", { "x-api-key": other }))?.statusCode).toBe(401);
    // Open routes are not refused.
    const health = await h.app.inject({
      method: "GET",
      url: "/health",
      remoteAddress: "10.0.0.1",
      headers: { "x-api-key": other },
    });
    expect(health.statusCode).toBe(200);
  });

  it("counts clients by IP when they present no key", async () => {
    h = await apiHarness({ config: { rateLimitPerIp: 2 }, seeded: false });
    const from = (ip: string) => h?.app.inject({ method: "GET", url: "/meta", remoteAddress: ip });
    expect((await from("10.0.0.1"))?.statusCode).toBe(200);
    expect((await from("10.0.0.1"))?.statusCode).toBe(200);
    expect((await from("10.0.0.1"))?.statusCode).toBe(429);
    expect((await from("10.0.0.2"))?.statusCode).toBe(200);
  });
});

describe("CORS", () => {
  it("answers allowed origins only, and sends no CORS headers when none are configured", async () => {
    h = await apiHarness({ config: { corsOrigins: ["https://dash.example.org"] }, seeded: false });
    const ok = await h.app.inject({
      method: "GET",
      url: "/health",
      headers: { origin: "https://dash.example.org" },
    });
    expect(ok.headers["access-control-allow-origin"]).toBe("https://dash.example.org");
    const other = await h.app.inject({
      method: "GET",
      url: "/health",
      headers: { origin: "https://evil.example" },
    });
    expect(other.headers["access-control-allow-origin"]).toBeUndefined();
    const preflight = await h.app.inject({
      method: "OPTIONS",
      url: "/security/events",
      headers: { origin: "https://dash.example.org", "access-control-request-method": "GET" },
    });
    expect(preflight.statusCode).toBe(204);
    // A dashboard on another origin can manage webhooks with its key.
    const mutation = await h.app.inject({
      method: "OPTIONS",
      url: "/webhooks",
      headers: {
        origin: "https://dash.example.org",
        "access-control-request-method": "POST",
        "access-control-request-headers": "content-type, x-api-key",
      },
    });
    expect(mutation.statusCode).toBe(204);
    expect(mutation.headers["access-control-allow-methods"]).toContain("POST");
    expect(mutation.headers["access-control-allow-headers"]).toContain("x-api-key");
    await h.close();
    h = await apiHarness({ seeded: false });
    expect(
      (
        await h.app.inject({
          method: "GET",
          url: "/health",
          headers: { origin: "https://dash.example.org" },
        })
      ).headers["access-control-allow-origin"],
    ).toBeUndefined();
  });
});
