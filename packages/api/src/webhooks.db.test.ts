import { lookup } from "node:dns/promises";
import { hostname } from "node:os";
import { activeSecrets, blockedReason, getChannel, silenced } from "@kamiyo/alerts";
import { subscribe } from "@kamiyo/billing";
import { testDbKind } from "@kamiyo/testing";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { apiHarness, type Harness, NOW } from "./testing/api-harness.ts";

const HOUR = 3_600_000;

/** The shared harness: mutation limits out of the way, loopback http allowed. */
let h: Harness;
/** Harnesses of single tests. */
let own: Harness | null = null;
beforeAll(async () => {
  h = await apiHarness({
    seeded: false,
    config: { webhookMutationsPerMinute: 100_000, webhooksAllowLoopbackHttp: true },
  });
});
afterAll(async () => {
  await h.close();
});
afterEach(async () => {
  await own?.close();
  own = null;
});

type Method = "GET" | "POST" | "PATCH" | "DELETE";

function tick(on: Harness, ms: number): void {
  on.clock.advanceTo(on.clock.now() + ms);
}

/** Calls a route, checks the status and that the body matches the OpenAPI document. */
async function call(
  on: Harness,
  method: Method,
  url: string,
  route: string,
  status: number,
  body?: unknown,
  extra: { remoteAddress?: string } = {},
) {
  const res = await on.app.inject({
    method,
    url,
    ...(body === undefined ? {} : { payload: body as object }),
    ...extra,
  });
  expect(res.statusCode, `${method} ${url}: ${res.body.slice(0, 300)}`).toBe(status);
  if (status === 204) {
    expect(res.body).toBe("");
    return { json: undefined, res };
  }
  const json = res.json();
  on.expectValid(method, route, status, json);
  return { json, res };
}

async function create(on: Harness, body: Record<string, unknown> = {}) {
  const { json } = await call(on, "POST", "/webhooks", "/webhooks", 201, {
    url: "https://hooks.example.com/kamiyo",
    ...body,
  });
  return json;
}

describe(`webhook endpoints on ${testDbKind}`, () => {
  it("create, list, get, patch and delete; the secret is shown only at creation", async () => {
    const made = await create(h, {
      name: "ops",
      description: "on-call",
      filter: {
        minSeverity: "high",
        detectors: ["oracle", "hlp"],
        subjects: ["0xABCDEF0123456789abcdef0123456789ABCDEF01"],
      },
    });
    expect(made.id).toMatch(/^chn_/);
    expect(made.secret).toMatch(/^whsec_[A-Za-z0-9+/]+=*$/);
    expect(made.secretPrefix).toBe(`${made.secret.slice(0, 10)}…`);
    expect(made).toMatchObject({
      url: "https://hooks.example.com/kamiyo",
      name: "ops",
      description: "on-call",
      enabled: true,
      disabledReason: null,
      failingSince: null,
      previousSecretExpiresAt: null,
      createdAt: new Date(NOW).toISOString(),
      filter: {
        minSeverity: "high",
        detectors: ["oracle", "hlp"],
        subjects: ["0xabcdef0123456789abcdef0123456789abcdef01"],
      },
    });
    const stored = await getChannel(h.db, "ten_default", made.id, h.deps.secrets ?? null);
    expect(stored).toMatchObject({ kind: "webhook", origin: "api", secret: made.secret });

    const list = await call(h, "GET", "/webhooks", "/webhooks", 200);
    expect(list.res.body).not.toContain(made.secret);
    const listed = list.json.data.find((w: { id: string }) => w.id === made.id);
    expect(listed).not.toHaveProperty("secret");
    expect(listed.secretPrefix).toBe(made.secretPrefix);
    const one = await call(h, "GET", `/webhooks/${made.id}`, "/webhooks/{id}", 200);
    expect(one.res.body).not.toContain(made.secret);
    expect(one.json).toEqual(listed);

    // The name defaults to the URL's host.
    const unnamed = await create(h, { url: "https://receiver.example.org/x" });
    expect(unnamed.name).toBe("receiver.example.org");
    expect(unnamed.filter).toEqual({});

    tick(h, 60_000);
    const patched = await call(h, "PATCH", `/webhooks/${made.id}`, "/webhooks/{id}", 200, {
      name: "ops-2",
      url: "https://hooks.example.com/v2",
      description: null,
      filter: { kinds: ["deviation"] },
    });
    expect(patched.json).toMatchObject({
      name: "ops-2",
      url: "https://hooks.example.com/v2",
      description: null,
      filter: { kinds: ["deviation"] },
      updatedAt: new Date(NOW + 60_000).toISOString(),
      secretPrefix: made.secretPrefix,
    });

    // Disabled for failing, then re-enabled: the reason and the failure record go.
    await h.db.query(
      `UPDATE alert_channels SET enabled = false, disabled_reason = 'it answered 410 Gone',
         failing_since = $2 WHERE id = $1`,
      [made.id, new Date(NOW - HOUR)],
    );
    const disabled = await call(h, "GET", `/webhooks/${made.id}`, "/webhooks/{id}", 200);
    expect(disabled.json).toMatchObject({
      enabled: false,
      disabledReason: "it answered 410 Gone",
      failingSince: new Date(NOW - HOUR).toISOString(),
    });
    const wake = vi.fn();
    h.deps.wakeDeliveries = wake;
    const enabled = await call(h, "PATCH", `/webhooks/${made.id}`, "/webhooks/{id}", 200, {
      enabled: true,
    });
    expect(enabled.json).toMatchObject({ enabled: true, disabledReason: null, failingSince: null });
    expect(wake).toHaveBeenCalledOnce();
    h.deps.wakeDeliveries = undefined;
    const off = await call(h, "PATCH", `/webhooks/${made.id}`, "/webhooks/{id}", 200, {
      enabled: false,
    });
    expect(off.json).toMatchObject({ enabled: false, disabledReason: "disabled through the API" });

    await call(h, "DELETE", `/webhooks/${made.id}`, "/webhooks/{id}", 204);
    const gone = await call(h, "GET", `/webhooks/${made.id}`, "/webhooks/{id}", 404);
    expect(gone.json.error).toMatchObject({
      code: "not_found",
      message: `no webhook with id ${made.id}`,
    });
    await call(h, "DELETE", `/webhooks/${made.id}`, "/webhooks/{id}", 404);
    await call(h, "DELETE", `/webhooks/${unnamed.id}`, "/webhooks/{id}", 204);
    expect(await getChannel(h.db, "ten_default", made.id, h.deps.secrets ?? null)).toBeNull();
  });

  it("refuses whitespace, control characters and backslashes in URLs, and stores the URL normalised", async () => {
    for (const url of [
      "https://hooks.example.com/a b",
      "https://hooks.example.com/a\r\nX-Injected: 1",
      "https://hooks.example.com/\tx",
      " https://hooks.example.com/x",
      "https:\\\\hooks.example.com\\hook",
      "https://hooks.example.com/a\\b",
      "https://hooks.example.com/\u007f",
    ]) {
      const { json } = await call(h, "POST", "/webhooks", "/webhooks", 400, { url });
      expect(json.error.message, JSON.stringify(url)).toBe(
        'body "url": URL must not contain whitespace, control characters or backslashes',
      );
    }
    const made = await create(h, { url: "HTTPS://Hooks.EXAMPLE.com:443/a/../b?x=1#frag" });
    expect(made.url).toBe("https://hooks.example.com/b?x=1");
    const patched = await call(h, "PATCH", `/webhooks/${made.id}`, "/webhooks/{id}", 200, {
      url: "https://HOOKS.example.com/./c",
    });
    expect(patched.json.url).toBe("https://hooks.example.com/c");
    const bad = await call(h, "PATCH", `/webhooks/${made.id}`, "/webhooks/{id}", 400, {
      url: "https://hooks.example.com/c d",
    });
    expect(bad.json.error.message).toContain('body "url"');
    await call(h, "DELETE", `/webhooks/${made.id}`, "/webhooks/{id}", 204);
  });

  it("resolves the host when a webhook is saved and refuses a name with a non-public address", async () => {
    // This machine's own name resolves to a loopback or private address (/etc/hosts).
    const host = hostname().toLowerCase();
    const addresses = await lookup(host, { all: true });
    expect(addresses.length, `${host} must resolve on this machine`).toBeGreaterThan(0);
    expect(addresses.map((a) => blockedReason(a.address)).filter((r) => r === null)).toEqual([]);
    own = await apiHarness({ seeded: false, config: { webhookMutationsPerMinute: 1_000 } });
    const refused = await call(own, "POST", "/webhooks", "/webhooks", 400, {
      url: `https://${host}/hook`,
    });
    expect(refused.json.error.message).toMatch(
      new RegExp(`^body "url": ${host} resolves to \\S+, (a loopback|a private|an?) `),
    );
    const made = await create(own);
    const patch = await call(own, "PATCH", `/webhooks/${made.id}`, "/webhooks/{id}", 400, {
      url: `https://${host}:8443/hook`,
    });
    expect(patch.json.error.message).toMatch(new RegExp(`^body "url": ${host} resolves to `));
    expect((await call(own, "GET", "/webhooks", "/webhooks", 200)).json.data).toHaveLength(1);
    // Where loopback is allowed (local development), the same name and localhost are accepted.
    const local = await create(h, { url: `https://${host}/hook` });
    const dev = await create(h, { url: "http://localhost:9/hook" });
    expect([local.url, dev.url]).toEqual([`https://${host}/hook`, "http://localhost:9/hook"]);
    await call(h, "DELETE", `/webhooks/${local.id}`, "/webhooks/{id}", 204);
    await call(h, "DELETE", `/webhooks/${dev.id}`, "/webhooks/{id}", 204);
  });

  it("refuses SSRF-prone and malformed URLs at creation with a 400 naming url", async () => {
    own = await apiHarness({ seeded: false, config: { webhookMutationsPerMinute: 1_000 } });
    for (const [url, reason] of [
      ["http://10.0.0.1/hook", "must use https"],
      ["https://10.0.0.1/hook", "private address"],
      ["http://169.254.169.254/latest/meta-data", "must use https"],
      ["https://169.254.169.254/latest/meta-data", "metadata"],
      ["https://127.0.0.1/hook", "loopback"],
      ["http://127.0.0.1:8080/hook", "must use https"],
      ["https://localhost/hook", "loopback"],
      ["https://[::1]/hook", "loopback"],
      ["ftp://files.example.com/hook", "must use https"],
      ["https://user:pass@hooks.example.com/hook", "user name or password"],
      ["//no-scheme/hook", "not a valid URL"],
    ] as const) {
      const { json } = await call(own, "POST", "/webhooks", "/webhooks", 400, { url });
      expect(json.error.code, url).toBe("invalid_input");
      expect(json.error.message, url).toContain('"url"');
      expect(json.error.message, url).toContain(reason);
    }
    // On PATCH too.
    const made = await create(own);
    const patch = await call(own, "PATCH", `/webhooks/${made.id}`, "/webhooks/{id}", 400, {
      url: "https://192.168.1.1/",
    });
    expect(patch.json.error.message).toContain('"url"');
    // Loopback http is for local development, when configured (the shared harness allows it).
    const local = await create(h, { url: "http://127.0.0.1:8080/hook" });
    expect(local.url).toBe("http://127.0.0.1:8080/hook");
    await call(h, "DELETE", `/webhooks/${local.id}`, "/webhooks/{id}", 204);
  });

  it("validates bodies and ids with 400s naming the field, 404 for unknown ids", async () => {
    for (const [body, field] of [
      [{}, "url"],
      [{ url: "https://a.example.com", filter: { minSeverity: "loud" } }, "filter.minSeverity"],
      [{ url: "https://a.example.com", filter: { detectors: [] } }, "filter.detectors"],
      [{ url: "https://a.example.com", filter: { detectors: ["Bad Name"] } }, "filter.detectors.0"],
      [{ url: "https://a.example.com", filter: { minAmountUsd: -1 } }, "filter.minAmountUsd"],
      [{ url: "https://a.example.com", filter: { severity: "high" } }, "filter"],
      [{ url: "https://a.example.com", name: "" }, "name"],
      [{ url: "https://a.example.com", secret: "whsec_mine" }, "(root)"],
    ] as const) {
      const { json } = await call(h, "POST", "/webhooks", "/webhooks", 400, body);
      expect(json.error.message, JSON.stringify(body)).toContain(`body "${field}"`);
    }
    const bad = await call(h, "GET", "/webhooks/nope", "/webhooks/{id}", 400);
    expect(bad.json.error.message).toContain('path parameter "id"');
    await call(h, "GET", "/webhooks/chn_0000000000000000000000000", "/webhooks/{id}", 404);
    await call(h, "PATCH", "/webhooks/chn_0000000000000000000000000", "/webhooks/{id}", 404, {
      name: "x",
    });
    const empty = await call(
      h,
      "PATCH",
      "/webhooks/chn_0000000000000000000000000",
      "/webhooks/{id}",
      400,
      {},
    );
    expect(empty.json.error.message).toContain("give at least one of");
  });

  it("refuses a webhook beyond the tenant's limit with 409", async () => {
    own = await apiHarness({ seeded: false, config: { maxWebhooks: 2 } });
    const a = await create(own);
    await create(own);
    const refused = await call(own, "POST", "/webhooks", "/webhooks", 409, {
      url: "https://hooks.example.com/third",
    });
    expect(refused.json.error).toMatchObject({
      code: "conflict",
      message:
        "webhook endpoint limit reached: this install (API_MAX_WEBHOOKS) allows 2; delete one first",
    });
    await call(own, "DELETE", `/webhooks/${a.id}`, "/webhooks/{id}", 204);
    await create(own);
  });

  it("takes the limit from the tenant's plans where one sets it: intel_team 5, intel_enterprise 50, intel_free none", async () => {
    const plans = await apiHarness({ seeded: false, config: { maxWebhooks: 2 } });
    try {
      const move = (planId: string) =>
        subscribe(plans.db, { tenantId: "ten_default", planId, nowMs: NOW });
      await move("intel_team");
      for (let i = 0; i < 5; i++) await create(plans, { url: `https://hooks.example.com/${i}` });
      const sixth = { url: "https://hooks.example.com/sixth" };
      const refused = await call(plans, "POST", "/webhooks", "/webhooks", 409, sixth);
      expect(refused.json.error.message).toBe(
        "webhook endpoint limit reached: the intel_team plan allows 5; delete one first",
      );
      await move("intel_enterprise");
      await create(plans, sixth);
      await move("intel_free");
      const free = await call(plans, "POST", "/webhooks", "/webhooks", 409, sixth);
      expect(free.json.error.message).toBe(
        "webhook endpoint limit reached: the intel_free plan allows none; upgrade to add one",
      );
    } finally {
      await plans.close();
    }
  });

  it("rotates the secret and keeps the previous one valid for the overlap", async () => {
    const made = await create(h);
    const now = h.clock.now();
    const rotated = await call(
      h,
      "POST",
      `/webhooks/${made.id}/rotate-secret`,
      "/webhooks/{id}/rotate-secret",
      200,
      { overlapHours: 2 },
    );
    expect(rotated.json.secret).toMatch(/^whsec_/);
    expect(rotated.json.secret).not.toBe(made.secret);
    expect(rotated.json.previousSecretExpiresAt).toBe(new Date(now + 2 * HOUR).toISOString());
    const c = await getChannel(h.db, "ten_default", made.id, h.deps.secrets ?? null);
    if (!c) throw new Error("channel missing");
    expect(activeSecrets(c, now)).toEqual([rotated.json.secret, made.secret]);
    expect(activeSecrets(c, now + 2 * HOUR - 1)).toEqual([rotated.json.secret, made.secret]);
    expect(activeSecrets(c, now + 2 * HOUR)).toEqual([rotated.json.secret]);
    const listed = await call(h, "GET", `/webhooks/${made.id}`, "/webhooks/{id}", 200);
    expect(listed.res.body).not.toContain(rotated.json.secret);
    expect(listed.json.secretPrefix).toBe(`${rotated.json.secret.slice(0, 10)}…`);

    // Without a body: 24 h of overlap.
    const again = await call(
      h,
      "POST",
      `/webhooks/${made.id}/rotate-secret`,
      "/webhooks/{id}/rotate-secret",
      200,
    );
    expect(again.json.previousSecretExpiresAt).toBe(new Date(now + 24 * HOUR).toISOString());
    const c2 = await getChannel(h.db, "ten_default", made.id, h.deps.secrets ?? null);
    expect(c2 && activeSecrets(c2, now)).toEqual([again.json.secret, rotated.json.secret]);

    // overlapHours 0: the old secret stops at once.
    const zero = await call(
      h,
      "POST",
      `/webhooks/${made.id}/rotate-secret`,
      "/webhooks/{id}/rotate-secret",
      200,
      { overlapHours: 0 },
    );
    expect(zero.json.previousSecretExpiresAt).toBeNull();
    const c3 = await getChannel(h.db, "ten_default", made.id, h.deps.secrets ?? null);
    expect(c3 && activeSecrets(c3, now)).toEqual([zero.json.secret]);

    const bad = await call(
      h,
      "POST",
      `/webhooks/${made.id}/rotate-secret`,
      "/webhooks/{id}/rotate-secret",
      400,
      { overlapHours: 169 },
    );
    expect(bad.json.error.message).toContain('body "overlapHours"');
    await call(
      h,
      "POST",
      "/webhooks/chn_0000000000000000000000000/rotate-secret",
      "/webhooks/{id}/rotate-secret",
      404,
      {},
    );
  });
});

describe(`test sends, the delivery log and replays on ${testDbKind}`, () => {
  /** Records attempts and a final status, as the delivery worker would. */
  async function settle(
    on: Harness,
    deliveryId: string,
    status: string,
    attempts: { ok: boolean; code: number | null; error: string | null; excerpt: string }[],
  ) {
    for (const [i, a] of attempts.entries()) {
      await on.db.query(
        `INSERT INTO delivery_attempts (tenant_id, delivery_id, attempt, started_at, latency_ms, ok,
           status_code, error, excerpt) VALUES ('ten_default', $1, $2, $3, $4, $5, $6, $7, $8)`,
        [deliveryId, i + 1, new Date(NOW + i * 1000), 120 + i, a.ok, a.code, a.error, a.excerpt],
      );
    }
    await on.db.query(
      `UPDATE deliveries SET status = $2, attempts = $3, last_error = $4,
         finished_at = CASE WHEN $2 = 'pending' THEN NULL ELSE now() END WHERE id = $1`,
      [deliveryId, status, attempts.length, attempts.at(-1)?.error ?? null],
    );
  }

  it("a test send stores a webhook.test alert with one pending delivery, shown in the log", async () => {
    const made = await create(h);
    const now = h.clock.now();
    const wake = vi.fn();
    h.deps.wakeDeliveries = wake;
    const sent = await call(h, "POST", `/webhooks/${made.id}/test`, "/webhooks/{id}/test", 202);
    h.deps.wakeDeliveries = undefined;
    expect(sent.json.deliveryId).toMatch(/^msg_/);
    expect(wake).toHaveBeenCalledOnce();
    const [alert] = await h.db.query<{ type: string; severity: string; body: { findings: [] } }>(
      "SELECT a.type, a.severity, a.body FROM alerts a JOIN deliveries d ON d.alert_id = a.id WHERE d.id = $1",
      [sent.json.deliveryId],
    );
    expect(alert).toMatchObject({ type: "webhook.test", severity: "info", body: { findings: [] } });
    const log = await call(
      h,
      "GET",
      `/webhooks/${made.id}/deliveries`,
      "/webhooks/{id}/deliveries",
      200,
    );
    expect(log.json).toEqual({
      data: [
        {
          id: sent.json.deliveryId,
          status: "pending",
          alert: {
            id: expect.stringMatching(/^alr_/),
            type: "webhook.test",
            title: `Test delivery to ${made.name}`,
            severity: "info",
          },
          nextAttemptAt: new Date(now).toISOString(),
          lastError: null,
          createdAt: new Date(now).toISOString(),
          finishedAt: null,
          attempts: [],
        },
      ],
      nextCursor: null,
    });
    await call(
      h,
      "GET",
      "/webhooks/chn_0000000000000000000000000/deliveries",
      "/webhooks/{id}/deliveries",
      404,
    );
    // A disabled endpoint gets no test.
    await call(h, "PATCH", `/webhooks/${made.id}`, "/webhooks/{id}", 200, { enabled: false });
    const refused = await call(h, "POST", `/webhooks/${made.id}/test`, "/webhooks/{id}/test", 409);
    expect(refused.json.error.message).toContain("is disabled");
  });

  it("pages the log newest first, filters by status, and shows attempts", async () => {
    own = await apiHarness({ seeded: false, config: { webhookMutationsPerMinute: 1_000 } });
    const made = await create(own);
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      const { json } = await call(
        own,
        "POST",
        `/webhooks/${made.id}/test`,
        "/webhooks/{id}/test",
        202,
      );
      ids.push(json.deliveryId);
      if (i % 2 === 0) tick(own, 1_000); // ties on created_at too
    }
    await settle(own, ids[0] as string, "exhausted", [
      { ok: false, code: 500, error: "HTTP 500", excerpt: "<h1>oops</h1>" },
      { ok: false, code: null, error: "timed out after 10 s", excerpt: "" },
    ]);
    await settle(own, ids[1] as string, "delivered", [
      { ok: true, code: 204, error: null, excerpt: "" },
    ]);
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { json: { data: { id: string }[]; nextCursor: string | null } } = await call(
        own,
        "GET",
        `/webhooks/${made.id}/deliveries?limit=2${cursor ? `&cursor=${cursor}` : ""}`,
        "/webhooks/{id}/deliveries",
        200,
      );
      seen.push(...page.json.data.map((d) => d.id));
      cursor = page.json.nextCursor;
    } while (cursor);
    expect(seen).toHaveLength(5);
    expect(new Set(seen)).toEqual(new Set(ids));
    expect(seen.indexOf(ids[4] as string)).toBeLessThan(seen.indexOf(ids[0] as string));
    const exhausted = await call(
      own,
      "GET",
      `/webhooks/${made.id}/deliveries?status=exhausted`,
      "/webhooks/{id}/deliveries",
      200,
    );
    expect(exhausted.json.data).toHaveLength(1);
    expect(exhausted.json.data[0]).toMatchObject({
      id: ids[0],
      status: "exhausted",
      nextAttemptAt: null,
      lastError: "timed out after 10 s",
      attempts: [
        {
          attempt: 1,
          startedAt: new Date(NOW).toISOString(),
          latencyMs: 120,
          ok: false,
          statusCode: 500,
          error: "HTTP 500",
          excerpt: "<h1>oops</h1>",
        },
        { attempt: 2, ok: false, statusCode: null, error: "timed out after 10 s", excerpt: "" },
      ],
    });
    expect(exhausted.json.data[0].finishedAt).not.toBeNull();
    for (const [q, param] of [
      ["status=lost", "status"],
      ["limit=0", "limit"],
      ["limit=201", "limit"],
      ["cursor=bogus", "cursor"],
    ] as const) {
      const bad = await call(
        own,
        "GET",
        `/webhooks/${made.id}/deliveries?${q}`,
        "/webhooks/{id}/deliveries",
        400,
      );
      expect(bad.json.error.message).toContain(`query parameter "${param}"`);
    }
  });

  it("replays only exhausted or cancelled deliveries: 409 while pending or once delivered", async () => {
    own = await apiHarness({ seeded: false, config: { webhookMutationsPerMinute: 1_000 } });
    const made = await create(own);
    const other = await create(own, { url: "https://other.example.com/" });
    const send = async () =>
      (await call(own as Harness, "POST", `/webhooks/${made.id}/test`, "/webhooks/{id}/test", 202))
        .json.deliveryId as string;
    const route = "/webhooks/{id}/deliveries/{deliveryId}/replay";
    const replayUrl = (d: string, w = made.id) => `/webhooks/${w}/deliveries/${d}/replay`;

    const pending = await send();
    const p = await call(own, "POST", replayUrl(pending), route, 409);
    expect(p.json.error).toMatchObject({ code: "conflict" });
    expect(p.json.error.message).toContain("still pending");

    const delivered = await send();
    await settle(own, delivered, "delivered", [
      { ok: true, code: 200, error: null, excerpt: "ok" },
    ]);
    const d = await call(own, "POST", replayUrl(delivered), route, 409);
    expect(d.json.error.message).toContain("was delivered");

    const exhausted = await send();
    await settle(own, exhausted, "exhausted", [
      { ok: false, code: 503, error: "HTTP 503", excerpt: "busy" },
    ]);
    tick(own, HOUR);
    const wake = vi.fn();
    own.deps.wakeDeliveries = wake;
    const replayed = await call(own, "POST", replayUrl(exhausted), route, 202);
    expect(replayed.json).toEqual({ deliveryId: exhausted, status: "pending" });
    expect(wake).toHaveBeenCalledOnce();
    const [row] = await own.db.query<{ replayed_after: number; next_attempt_at: Date }>(
      "SELECT replayed_after, next_attempt_at FROM deliveries WHERE id = $1",
      [exhausted],
    );
    expect(row).toEqual({ replayed_after: 1, next_attempt_at: new Date(NOW + HOUR) });
    // Pending again, so a second replay is refused.
    await call(own, "POST", replayUrl(exhausted), route, 409);

    const cancelled = await send();
    await settle(own, cancelled, "cancelled", []);
    await call(own, "POST", replayUrl(cancelled), route, 202);

    // Another endpoint's delivery, and unknown ids.
    await call(own, "POST", replayUrl(exhausted, other.id), route, 404);
    await call(own, "POST", replayUrl("msg_0000000000000000000000000"), route, 404);
    await call(own, "POST", replayUrl(exhausted, "chn_0000000000000000000000000"), route, 404);
    const bad = await call(own, "POST", replayUrl("nope"), route, 400);
    expect(bad.json.error.message).toContain('path parameter "deliveryId"');
  });
});

describe(`silences on ${testDbKind}`, () => {
  it("creates, lists active and ended ones, and expires", async () => {
    own = await apiHarness({ seeded: false, config: { webhookMutationsPerMinute: 1_000 } });
    const a = await call(own, "POST", "/silences", "/silences", 201, {
      matchers: { detector: "oracle", severity: ["low", "medium"] },
      comment: "  maintenance window  ",
      durationMinutes: 90,
    });
    expect(a.json).toMatchObject({
      id: expect.stringMatching(/^sil_/),
      matchers: { detector: "oracle", severity: ["low", "medium"] },
      comment: "maintenance window",
      createdBy: "local",
      startsAt: new Date(NOW).toISOString(),
      endsAt: new Date(NOW + 90 * 60_000).toISOString(),
      active: true,
    });
    tick(own, 1_000);
    const b = await call(own, "POST", "/silences", "/silences", 201, {
      matchers: { subject: "0xABCDEF0123456789abcdef0123456789ABCDEF01", kind: "pnl-loss" },
      comment: "known",
      endsAt: new Date(NOW + 2 * HOUR).toISOString(),
    });
    expect(b.json.matchers.subject).toBe("0xabcdef0123456789abcdef0123456789abcdef01");
    expect(b.json.endsAt).toBe(new Date(NOW + 2 * HOUR).toISOString());

    const all = await call(own, "GET", "/silences", "/silences", 200);
    expect(all.json.data.map((s: { id: string }) => s.id)).toEqual([b.json.id, a.json.id]);
    await call(own, "DELETE", `/silences/${a.json.id}`, "/silences/{id}", 204);
    const active = await call(own, "GET", "/silences?active=true", "/silences", 200);
    expect(active.json.data.map((s: { id: string }) => s.id)).toEqual([b.json.id]);
    const ended = await call(own, "GET", "/silences?active=false", "/silences", 200);
    expect(ended.json.data).toHaveLength(1);
    expect(ended.json.data[0]).toMatchObject({
      id: a.json.id,
      active: false,
      endsAt: new Date(NOW + 1_000).toISOString(),
    });
    // Expiring again keeps the first end; unknown ids are 404.
    tick(own, 60_000);
    await call(own, "DELETE", `/silences/${a.json.id}`, "/silences/{id}", 204);
    const again = await call(own, "GET", "/silences?active=false", "/silences", 200);
    expect(again.json.data[0].endsAt).toBe(new Date(NOW + 1_000).toISOString());
    await call(own, "DELETE", "/silences/sil_0000000000000000000000000", "/silences/{id}", 404);
    await call(own, "DELETE", "/silences/nope", "/silences/{id}", 400);

    // Silences run out by themselves.
    tick(own, 2 * HOUR);
    const none = await call(own, "GET", "/silences?active=true", "/silences", 200);
    expect(none.json.data).toEqual([]);
    const paged = await call(own, "GET", "/silences?limit=1", "/silences", 200);
    expect(paged.json.data).toHaveLength(1);
    const next = await call(
      own,
      "GET",
      `/silences?limit=1&cursor=${paged.json.nextCursor}`,
      "/silences",
      200,
    );
    expect(next.json.data.map((s: { id: string }) => s.id)).toEqual([a.json.id]);
    expect(next.json.nextCursor).toBeNull();
  });

  it("refuses silences without matchers, a duration or with a bad end", async () => {
    const ok = { matchers: { kind: "deviation" }, comment: "x", durationMinutes: 5 };
    for (const [body, text] of [
      [{ ...ok, matchers: {} }, 'body "matchers": give at least one of'],
      [{ ...ok, matchers: { severity: [] } }, 'body "matchers.severity"'],
      [{ ...ok, matchers: { colour: "red" } }, 'body "matchers"'],
      [{ ...ok, comment: " " }, 'body "comment"'],
      [{ ...ok, durationMinutes: 0 }, 'body "durationMinutes"'],
      [{ ...ok, durationMinutes: 43_201 }, 'body "durationMinutes"'],
      [{ matchers: ok.matchers, comment: "x" }, "give either durationMinutes or endsAt"],
      [
        { ...ok, endsAt: new Date(NOW + HOUR).toISOString() },
        "give either durationMinutes or endsAt",
      ],
      [{ matchers: ok.matchers, comment: "x", endsAt: "tomorrow" }, 'body "endsAt"'],
      [
        { matchers: ok.matchers, comment: "x", endsAt: new Date(NOW - HOUR).toISOString() },
        'body "endsAt": must be in the future',
      ],
      [
        {
          matchers: ok.matchers,
          comment: "x",
          endsAt: new Date(NOW + 31 * 24 * HOUR).toISOString(),
        },
        'body "endsAt": must be within 30 days',
      ],
    ] as const) {
      const { json } = await call(h, "POST", "/silences", "/silences", 400, body);
      expect(json.error.message, JSON.stringify(body)).toContain(text);
    }
    const bad = await call(h, "GET", "/silences?active=yes", "/silences", 400);
    expect(bad.json.error.message).toContain('query parameter "active"');
  });

  it("silenced() needs every matcher present to match", () => {
    const f = {
      detector: "oracle",
      kind: "deviation",
      subject: { type: "asset" as const, id: "ETH" },
      severity: "high" as const,
    };
    expect(silenced({ detector: "oracle" }, f)).toBe(true);
    expect(
      silenced({ detector: "oracle", kind: "deviation", subject: "ETH", severity: ["high"] }, f),
    ).toBe(true);
    expect(silenced({ detector: "oracle", kind: "cascade" }, f)).toBe(false);
    expect(silenced({ subject: "BTC" }, f)).toBe(false);
    expect(silenced({ severity: ["low", "medium"] }, f)).toBe(false);
    expect(silenced({ severity: ["critical", "high"] }, f)).toBe(true);
  });
});

describe("mutation rate limit", () => {
  it("allows 10 changes a minute per client across all mutating routes, then 429 with Retry-After; reads go on", async () => {
    own = await apiHarness({ seeded: false });
    const made = await create(own);
    for (let i = 0; i < 8; i++) {
      await call(own, "PATCH", `/webhooks/${made.id}`, "/webhooks/{id}", 200, { name: `n${i}` });
    }
    const limited = await call(own, "PATCH", `/webhooks/${made.id}`, "/webhooks/{id}", 200, {
      name: "tenth",
    });
    expect(limited.res.headers["ratelimit-limit"]).toBe("10");
    expect(limited.res.headers["ratelimit-remaining"]).toBe("0");
    // The budget is shared: the 11th change is refused on another route too.
    const refused = await call(
      own,
      "POST",
      `/webhooks/${made.id}/rotate-secret`,
      "/webhooks/{id}/rotate-secret",
      429,
      {},
    );
    expect(refused.json.error).toMatchObject({ code: "rate_limited" });
    expect(refused.json.error.message).toMatch(/rate limit of 10 requests a minute exceeded/);
    expect(Number(refused.res.headers["retry-after"])).toBeGreaterThan(0);
    // Reads keep the normal limit; another client has its own count.
    const read = await call(own, "GET", `/webhooks/${made.id}`, "/webhooks/{id}", 200);
    expect(read.json.name).toBe("tenth");
    expect(read.res.headers["ratelimit-limit"]).toBe("600");
    await call(
      own,
      "PATCH",
      `/webhooks/${made.id}`,
      "/webhooks/{id}",
      200,
      { name: "x" },
      {
        remoteAddress: "10.0.0.9",
      },
    );
  });
});
