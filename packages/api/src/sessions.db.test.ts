import { Writable } from "node:stream";
import { createLogger } from "@kamiyo/core";
import { tenantDb } from "@kamiyo/db";
import {
  checkPassword,
  createTenant,
  DUMMY_PASSWORD_HASH,
  hashPassword,
  SESSION_ABSOLUTE_MS,
  SESSION_IDLE_MS,
  setPasswordHash,
} from "@kamiyo/tenancy";
import { testDbKind } from "@kamiyo/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { apiHarness, type Harness, NOW } from "./testing/api-harness.ts";

/**
 * Email and password sign-in with a session cookie: the cookie's attributes, what it
 * authenticates, the same-site rule for changes, sign-out, both ends of a session, password
 * changes, removed members, tenants kept apart, the failed-authentication limit, and logs that
 * never hold a password or a token.
 */

let h: Harness;
const logs: string[] = [];
/** Every password and token the suite used: none may appear in the logs. */
const secrets: string[] = [];
const ORIGIN = "http://localhost";
const PW = "plum orchard at dusk 42";
let alpha: { id: string; owner: string };
let beta: { id: string; owner: string };
let betaWebhook: string;

const userId = async (email: string) =>
  (await h.db.query<{ id: string }>("SELECT id FROM users WHERE email = $1", [email]))[0]
    ?.id as string;

async function setPassword(email: string, password: string) {
  secrets.push(password);
  await setPasswordHash(h.db, await userId(email), await hashPassword(password), NOW);
}

let ip = 0;
/** A client address of its own, so one test's failures do not count against another's. */
const nextIp = () => `10.1.${Math.floor(++ip / 250)}.${ip % 250}`;

function signIn(
  body: Record<string, unknown>,
  opts: { ip?: string; headers?: Record<string, string> } = {},
) {
  return h.app.inject({
    method: "POST",
    url: "/auth/session",
    payload: body,
    remoteAddress: opts.ip ?? "10.0.0.1",
    headers: opts.headers ?? {},
  });
}

function tokenOf(res: { headers: Record<string, unknown> }): string {
  const token = /kamiyo_session=([^;]*)/.exec(String(res.headers["set-cookie"]))?.[1];
  if (!token) throw new Error("no session cookie");
  secrets.push(token);
  return token;
}

async function session(email: string, password = PW, tenant?: string): Promise<string> {
  const res = await signIn({ email, password, ...(tenant ? { tenant } : {}) });
  expect(res.statusCode, res.body).toBe(200);
  return tokenOf(res);
}

/** A request with the session cookie; changes carry this site's Origin unless told otherwise. */
function asSession(
  token: string,
  method: string,
  url: string,
  body?: unknown,
  headers: Record<string, string> = method === "GET" ? {} : { origin: ORIGIN },
) {
  return h.app.inject({
    method: method as "GET",
    url,
    remoteAddress: nextIp(),
    headers: { cookie: `theme=dark; kamiyo_session=${token}`, ...headers },
    ...(body === undefined ? {} : { payload: body as object }),
  });
}

const asKey = (key: string, method: string, url: string, body?: unknown) =>
  h.app.inject({
    method: method as "GET",
    url,
    headers: { "x-api-key": key },
    ...(body === undefined ? {} : { payload: body as object }),
  });

beforeAll(async () => {
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      logs.push(chunk.toString("utf8"));
      done();
    },
  });
  h = await apiHarness({
    seeded: false,
    log: createLogger("debug", { app: "kamiyo" }, sink),
    config: { trustProxy: true, authFailuresPerMinute: 5 },
  });
  for (const [name, email] of [
    ["alpha", "ada@alpha.example"],
    ["beta", "bea@beta.example"],
  ] as const) {
    const made = await createTenant(h.db, { name, actor: "test", nowMs: NOW, ownerEmail: email });
    const side = { id: made.tenant.id, owner: made.key };
    if (name === "alpha") alpha = side;
    else beta = side;
    await setPassword(email, PW);
  }
  // Bo belongs to both tenants: a member of alpha, a viewer of beta.
  expect(
    (await asKey(alpha.owner, "POST", "/members", { email: "bo@both.example" })).statusCode,
  ).toBe(201);
  expect(
    (await asKey(beta.owner, "POST", "/members", { email: "bo@both.example", role: "viewer" }))
      .statusCode,
  ).toBe(201);
  await setPassword("bo@both.example", PW);
  const hook = await asKey(beta.owner, "POST", "/webhooks", { url: "https://hooks.example.com/b" });
  betaWebhook = hook.json().id;
}, 60_000);
afterAll(async () => h?.close());

describe(`signing in with email and password (${testDbKind})`, () => {
  it("answers the tenant, the role and the end, and sets an HttpOnly, SameSite=Strict cookie", async () => {
    const res = await signIn({ email: " Ada@Alpha.example ", password: PW });
    expect(res.statusCode, res.body).toBe(200);
    h.expectValid("POST", "/auth/session", 200, res.json());
    expect(res.json()).toMatchObject({
      user: { email: "ada@alpha.example" },
      tenant: { id: alpha.id, name: "alpha" },
      role: "owner",
      expiresAt: new Date(NOW + SESSION_ABSOLUTE_MS).toISOString(),
      idleTimeoutSeconds: 12 * 3600,
    });
    const cookie = String(res.headers["set-cookie"]);
    const token = tokenOf(res);
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(cookie.split("; ").sort()).toEqual(
      [`kamiyo_session=${token}`, "HttpOnly", "Max-Age=604800", "Path=/", "SameSite=Strict"].sort(),
    );
    expect(res.body).not.toContain(token);
    // Only the token's hash is stored.
    const rows = await h.db.query("SELECT * FROM sessions");
    expect(JSON.stringify(rows)).not.toContain(token);
  });

  it("marks the cookie Secure when the request came over https (through a trusted proxy)", async () => {
    const res = await signIn(
      { email: "ada@alpha.example", password: PW },
      { headers: { "x-forwarded-proto": "https" } },
    );
    expect(res.statusCode).toBe(200);
    tokenOf(res);
    expect(String(res.headers["set-cookie"]).split("; ")).toContain("Secure");
  });

  it("answers a wrong password and an unknown address alike: same status, same body, same time", async () => {
    const from = nextIp();
    const timed = async (body: Record<string, unknown>) => {
      const started = performance.now();
      const res = await signIn(body, { ip: from });
      return { res, ms: performance.now() - started };
    };
    const wrong = await timed({ email: "ada@alpha.example", password: "not the password at all" });
    const unknown = await timed({ email: "nobody@alpha.example", password: PW });
    const noPassword = await timed({ email: "someone@else.example", password: PW });
    for (const { res } of [wrong, unknown, noPassword]) {
      expect(res.statusCode).toBe(401);
      h.expectValid("POST", "/auth/session", 401, res.json());
      expect(res.headers["set-cookie"]).toBeUndefined();
    }
    const errorOf = (r: typeof wrong) => ({ ...r.res.json().error, requestId: undefined });
    expect(errorOf(unknown)).toEqual(errorOf(wrong));
    expect(errorOf(wrong)).toEqual({
      code: "unauthorized",
      message: "the email address or password is not right",
    });
    // An unknown address verifies a dummy hash as costly as a real one.
    expect(unknown.ms).toBeGreaterThan(wrong.ms * 0.4);
    expect(DUMMY_PASSWORD_HASH.split("$").slice(0, 2)).toEqual(
      (await hashPassword("any password at all")).split("$").slice(0, 2),
    );
  });

  it("authenticates GET /tenants/me with the cookie as the person, with their role and its scopes", async () => {
    const token = await session("ada@alpha.example");
    const me = await asSession(token, "GET", "/tenants/me");
    expect(me.statusCode, me.body).toBe(200);
    expect(me.json()).toMatchObject({
      tenant: { id: alpha.id },
      actor: await userId("ada@alpha.example"),
      role: "owner",
    });
    expect(me.json().scopes).toContain("members:write");
    expect((await asSession("x".repeat(43), "GET", "/tenants/me")).statusCode).toBe(401);
    const none = await h.app.inject({ method: "GET", url: "/tenants/me" });
    expect(none.statusCode).toBe(401);
  });

  it("refuses a change signed in by cookie without this site's Origin (403), takes it with it", async () => {
    const token = await session("ada@alpha.example");
    const body = { url: "https://hooks.example.com/alpha" };
    const bare = await asSession(token, "POST", "/webhooks", body, {});
    expect(bare.statusCode).toBe(403);
    expect(bare.json().error.message).toMatch(/must come from this site: send an Origin/);
    const elsewhere = await asSession(token, "POST", "/webhooks", body, {
      origin: "https://evil.example",
    });
    expect(elsewhere.statusCode).toBe(403);
    const made = await asSession(token, "POST", "/webhooks", body);
    expect(made.statusCode, made.body).toBe(201);
    const byReferer = await asSession(token, "DELETE", `/webhooks/${made.json().id}`, undefined, {
      referer: "http://localhost/app/webhooks",
    });
    expect(byReferer.statusCode, byReferer.body).toBe(204);
    // Reads need no Origin; API keys never do.
    expect((await asSession(token, "GET", "/webhooks")).statusCode).toBe(200);
    expect((await asKey(alpha.owner, "POST", "/webhooks", body)).statusCode).toBe(201);
    // Nor may another site sign a browser in.
    const foreign = await signIn(
      { email: "ada@alpha.example", password: PW },
      { headers: { origin: "https://evil.example" } },
    );
    expect(foreign.statusCode).toBe(403);
  });

  it("signs out: the session ends, the cookie is cleared, both are in the audit log", async () => {
    const token = await session("ada@alpha.example");
    const out = await asSession(token, "DELETE", "/auth/session");
    expect(out.statusCode, out.body).toBe(204);
    expect(String(out.headers["set-cookie"])).toMatch(/^kamiyo_session=; .*Max-Age=0/);
    const after = await asSession(token, "GET", "/tenants/me");
    expect(after.statusCode).toBe(401);
    expect(after.json().error.message).toMatch(/session is over/);
    expect((await asSession(token, "DELETE", "/auth/session")).statusCode).toBe(204);
    const log = (await asKey(alpha.owner, "GET", "/audit-log?limit=1000")).json().data;
    const ada = await userId("ada@alpha.example");
    const mine = log.filter((e: { actor: string }) => e.actor === ada);
    expect(mine.map((e: { action: string }) => e.action)).toEqual(
      expect.arrayContaining(["session.create", "session.revoke"]),
    );
    expect(mine.find((e: { action: string }) => e.action === "session.revoke").requestId).toBe(
      out.headers["x-request-id"],
    );
  });

  it("ends a session unused for 12 hours, and any session 7 days after sign-in (the API's clock)", async () => {
    const idle = await session("ada@alpha.example");
    h.clock.advanceTo(h.clock.now() + SESSION_IDLE_MS - 60_000);
    expect((await asSession(idle, "GET", "/tenants/me")).statusCode).toBe(200);
    const busy = await session("ada@alpha.example");
    h.clock.advanceTo(h.clock.now() + SESSION_IDLE_MS + 1_000);
    expect((await asSession(idle, "GET", "/tenants/me")).statusCode).toBe(401);
    expect((await asSession(busy, "GET", "/tenants/me")).statusCode).toBe(401);

    const used = await session("ada@alpha.example");
    const end = h.clock.now() + SESSION_ABSOLUTE_MS;
    while (h.clock.now() + SESSION_IDLE_MS / 2 < end) {
      h.clock.advanceTo(h.clock.now() + SESSION_IDLE_MS / 2);
      expect((await asSession(used, "GET", "/tenants/me")).statusCode).toBe(200);
    }
    h.clock.advanceTo(end);
    expect((await asSession(used, "GET", "/tenants/me")).statusCode).toBe(401);
  });

  it("changes the password: the current one is required, weak ones are refused, other sessions end", async () => {
    const email = "ada@alpha.example";
    const here = await session(email);
    const there = await session(email);
    const next = "quiet lantern over the bay";
    secrets.push(next);
    const change = (body: unknown) => asSession(here, "POST", "/auth/password", body);
    const wrong = await change({ currentPassword: "not it at all, no", newPassword: next });
    expect(wrong.statusCode).toBe(403);
    expect(wrong.json().error.message).toBe("the current password is not right");
    expect((await change({ newPassword: next })).statusCode).toBe(403);
    const weak: [string, RegExp][] = [
      ["short1", /too short: use at least 12/],
      ["aaaaaaaaaaaaaaaa", /at least 5 different/],
      ["Password1234", /most common passwords/],
      ["mine is ada@alpha.example", /your email address/],
      ["kamiyo dashboard 2025", /product's name/],
    ];
    for (const [password, why] of weak) {
      const res = await change({ currentPassword: PW, newPassword: password });
      expect(res.statusCode, password).toBe(400);
      expect(res.json().error.message, password).toMatch(why);
    }
    const byKey = await asKey(alpha.owner, "POST", "/auth/password", { newPassword: next });
    expect(byKey.statusCode).toBe(403);
    const ok = await change({ currentPassword: PW, newPassword: next });
    expect(ok.statusCode, ok.body).toBe(200);
    expect(ok.json()).toMatchObject({ id: await userId(email) });
    expect(ok.json().sessionsEnded).toBeGreaterThanOrEqual(1);
    expect((await asSession(there, "GET", "/tenants/me")).statusCode).toBe(401);
    expect((await asSession(here, "GET", "/tenants/me")).statusCode).toBe(200);
    expect((await signIn({ email, password: PW }, { ip: nextIp() })).statusCode).toBe(401);
    await session(email, next);
    const log = (await asKey(alpha.owner, "GET", "/audit-log")).json().data;
    expect(log.find((e: { action: string }) => e.action === "user.password_change")).toMatchObject({
      actor: await userId(email),
      requestId: ok.headers["x-request-id"],
    });
    // Put back for the other tests.
    await setPassword(email, PW);
  });

  it("ends a person's sessions when their membership is removed", async () => {
    await asKey(alpha.owner, "POST", "/members", { email: "cy@alpha.example", role: "admin" });
    await setPassword("cy@alpha.example", PW);
    const token = await session("cy@alpha.example");
    expect((await asSession(token, "GET", "/members")).statusCode).toBe(200);
    const cy = await userId("cy@alpha.example");
    expect((await asKey(alpha.owner, "DELETE", `/members/${cy}`)).statusCode).toBe(204);
    expect((await asSession(token, "GET", "/members")).statusCode).toBe(401);
    // Added again, the old session stays ended.
    await asKey(alpha.owner, "POST", "/members", { email: "cy@alpha.example", role: "admin" });
    expect((await asSession(token, "GET", "/members")).statusCode).toBe(401);
  });

  it("keeps a session to its tenant: a person in two picks one, and sees nothing of the other", async () => {
    const several = await signIn({ email: "bo@both.example", password: PW });
    expect(several.statusCode).toBe(400);
    expect(several.json().error.message).toContain(alpha.id);
    expect(several.json().error.message).toContain(beta.id);
    const notMine = await signIn({
      email: "ada@alpha.example",
      password: PW,
      tenant: beta.id,
    });
    expect(notMine.statusCode).toBe(403);

    const inAlpha = await session("bo@both.example", PW, alpha.id);
    const me = (await asSession(inAlpha, "GET", "/tenants/me")).json();
    expect(me).toMatchObject({ tenant: { id: alpha.id }, role: "member" });
    expect((await asSession(inAlpha, "GET", `/webhooks/${betaWebhook}`)).statusCode).toBe(404);
    const hooks = await asSession(inAlpha, "GET", "/webhooks");
    expect(hooks.body).not.toContain(betaWebhook);
    const inBeta = await session("bo@both.example", PW, beta.id);
    expect((await asSession(inBeta, "GET", "/tenants/me")).json()).toMatchObject({
      tenant: { id: beta.id },
      role: "viewer",
    });
    // A viewer's session may not change alerts.
    expect(
      (await asSession(inBeta, "POST", "/webhooks", { url: "https://hooks.example.com/v" }))
        .statusCode,
    ).toBe(403);
    // The database keeps each tenant's sessions to itself.
    const seen = await tenantDb(h.db, alpha.id).query<{ tenant_id: string }>(
      "SELECT tenant_id FROM sessions",
    );
    expect(seen.length).toBeGreaterThan(0);
    expect(seen.filter((s) => s.tenant_id !== alpha.id)).toEqual([]);
    await expect(tenantDb(h.db, alpha.id).query("SELECT * FROM user_passwords")).rejects.toThrow(
      /permission denied/,
    );
  });

  it("counts failed sign-ins against the failed-authentication limit: past it, even the right password waits", async () => {
    const from = nextIp();
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++)
      statuses.push(
        (await signIn({ email: "ada@alpha.example", password: `wrong guess ${i}!` }, { ip: from }))
          .statusCode,
      );
    expect(statuses).toEqual([401, 401, 401, 401, 401, 429]);
    const right = await signIn({ email: "ada@alpha.example", password: PW }, { ip: from });
    expect(right.statusCode).toBe(429);
    expect(right.json().error.message).toMatch(/too many failed authentications/);
    expect(Number(right.headers["retry-after"])).toBeGreaterThan(0);
    // The same limiter as keys: a wrong key from there is refused too; another address signs in.
    const key = await h.app.inject({
      method: "GET",
      url: "/tenants/me",
      remoteAddress: from,
      headers: { "x-api-key": "kmy_live_0000000000000000000000000000000000000000000" },
    });
    expect(key.statusCode).toBe(429);
    expect(
      (await signIn({ email: "ada@alpha.example", password: PW }, { ip: nextIp() })).statusCode,
    ).toBe(200);
  });

  it("never logs a password or a session token", async () => {
    expect(secrets.length).toBeGreaterThan(10);
    const text = logs.join("");
    expect(text).toContain("signed in");
    expect(text).toContain("sign-in refused");
    for (const s of secrets) expect(text).not.toContain(s);
    expect(text).not.toContain("wrong guess");
  });
});

describe(`passwords (${testDbKind})`, () => {
  it("hashes with scrypt, a random salt and the parameters in the string", async () => {
    const a = await hashPassword(PW);
    const b = await hashPassword(PW);
    expect(a).toMatch(/^scrypt\$ln=15,r=8,p=3\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$/);
    expect(a).not.toBe(b);
    expect(() => checkPassword(PW, { email: "ada@alpha.example" })).not.toThrow();
  });

  it("ends the zero-config start once a password exists, as a key would", async () => {
    const fresh = await apiHarness({ seeded: false });
    try {
      expect((await fresh.app.inject({ method: "GET", url: "/tenants/me" })).statusCode).toBe(200);
      const [user] = await fresh.db.query<{ id: string }>(
        `INSERT INTO users (id, email, created_at) VALUES ('usr_000000000local00000001', 'me@local.example', now())
         RETURNING id`,
      );
      await fresh.db.query(
        "INSERT INTO memberships (tenant_id, user_id, role) VALUES ('ten_default', $1, 'owner')",
        [user?.id],
      );
      await setPasswordHash(fresh.db, user?.id as string, await hashPassword(PW), NOW);
      fresh.clock.advanceTo(fresh.clock.now() + 1_000);
      expect((await fresh.app.inject({ method: "GET", url: "/tenants/me" })).statusCode).toBe(401);
      const res = await fresh.app.inject({
        method: "POST",
        url: "/auth/session",
        payload: { email: "me@local.example", password: PW },
      });
      expect(res.statusCode, res.body).toBe(200);
    } finally {
      await fresh.close();
    }
  });
});
