import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { apiHarness, type Harness } from "./testing/api-harness.ts";

let h: Harness;
beforeAll(async () => {
  h = await apiHarness({ config: { webhookMutationsPerMinute: 100_000 } });
});
afterAll(async () => {
  await h.close();
});

type Method = "GET" | "POST" | "PATCH";

async function answer(method: Method, url: string, body?: unknown) {
  const res = await h.app.inject({
    method,
    url,
    ...(body === undefined ? {} : { payload: body as object }),
  });
  return { status: res.statusCode, error: res.json().error as { code: string; message: string } };
}

const hook = { url: "https://hooks.example.com/kamiyo" };

describe("NUL characters", () => {
  it("are refused with a 400 naming the parameter, in the query, the path and JSON bodies", async () => {
    const cases: [Method, string, unknown, string][] = [
      ["GET", "/security/events?subject=ETH%00", undefined, 'query parameter "subject"'],
      ["GET", "/silences?cursor=a%00b", undefined, 'query parameter "cursor"'],
      ["GET", "/security/events/fnd_%00", undefined, 'path parameter "id"'],
      ["POST", "/webhooks", { ...hook, name: "a\u0000b" }, 'body "name"'],
      ["POST", "/webhooks", { ...hook, description: "\u0000" }, 'body "description"'],
      ["POST", "/webhooks", { url: "https://hooks.example.com/\u0000" }, 'body "url"'],
      [
        "POST",
        "/webhooks",
        { ...hook, filter: { chains: ["eth\u0000"] } },
        'body "filter.chains.0"',
      ],
      [
        "POST",
        "/webhooks",
        { ...hook, filter: { subjects: ["\u0000"] } },
        'body "filter.subjects.0"',
      ],
      [
        "POST",
        "/silences",
        { matchers: { detector: "oracle" }, comment: "x\u0000", durationMinutes: 5 },
        'body "comment"',
      ],
      [
        "POST",
        "/silences",
        { matchers: { subject: "ETH\u0000" }, comment: "x", durationMinutes: 5 },
        'body "matchers.subject"',
      ],
    ];
    const seen: string[] = [];
    for (const [method, url, body, where] of cases) {
      const { status, error } = await answer(method, url, body);
      seen.push(`${status} ${error.code} ${error.message}`);
      expect(error.message, url).toContain(where);
    }
    expect(seen).toHaveLength(cases.length);
    expect(seen.filter((s) => !s.startsWith("400 invalid_input "))).toEqual([]);
    expect(seen.filter((s) => !s.endsWith("must not contain NUL characters"))).toEqual([]);
    // Nothing was stored.
    expect((await h.app.inject({ method: "GET", url: "/webhooks" })).json().data).toEqual([]);
    expect((await h.app.inject({ method: "GET", url: "/silences" })).json().data).toEqual([]);
  });

  it("are refused in object keys too", async () => {
    const { status, error } = await answer("POST", "/webhooks", { ...hook, "x\u0000": 1 });
    expect(status).toBe(400);
    expect(error.message).toContain("must not contain NUL characters");
  });
});

describe("wrong methods", () => {
  it("get 405 with an Allow header naming the path's methods, in the envelope; unknown paths stay 404", async () => {
    const cases: [string, string, string][] = [
      ["DELETE", "/security/events", "GET, HEAD"],
      ["POST", "/health", "GET, HEAD"],
      ["PUT", "/webhooks/chn_0000000001", "DELETE, GET, HEAD, PATCH"],
      ["GET", "/webhooks/chn_0000000001/test", "POST"],
      ["OPTIONS", "/silences/", "GET, HEAD, POST"],
    ];
    const seen: string[] = [];
    for (const [method, url, allow] of cases) {
      const res = await h.app.inject({ method: method as "GET", url });
      seen.push(`${method} ${url} ${res.statusCode} ${res.headers.allow}`);
      expect(res.json().error).toMatchObject({
        code: "method_not_allowed",
        message: `${method} is not allowed on ${url}; use ${allow}`,
      });
      h.expectValid("GET", "/security/events", 404, res.json());
    }
    expect(seen).toEqual(cases.map(([m, u, a]) => `${m} ${u} 405 ${a}`));
    const unknown = await h.app.inject({ method: "DELETE", url: "/nowhere" });
    expect(unknown.statusCode).toBe(404);
    expect(unknown.headers.allow).toBeUndefined();
  });
});

describe("numbers in the query", () => {
  it("are decimal digits only: hex, exponents, signs, blanks and spaces get a 400 naming the parameter", async () => {
    const refused: [string, string][] = [
      ["/security/events?limit=0x10", "limit"],
      ["/security/events?limit=%2010", "limit"],
      ["/security/events?limit=10%20", "limit"],
      ["/security/events?limit=", "limit"],
      ["/security/events?limit=1e2", "limit"],
      ["/security/events?limit=%2B5", "limit"],
      ["/security/events?limit=10.0", "limit"],
      ["/stats?days=0x1f", "days"],
    ];
    const seen: string[] = [];
    for (const [url, param] of refused) {
      const { status, error } = await answer("GET", url);
      seen.push(`${status} ${error.message}`);
      expect(error.message, url).toMatch(new RegExp(`^query parameter "${param}": expected `));
    }
    expect(seen).toHaveLength(refused.length);
    expect(seen.filter((s) => !s.startsWith("400 "))).toEqual([]);
  });

  it("accept plain decimal numbers", async () => {
    for (const url of ["/security/events?limit=10", "/stats?days=7"]) {
      const res = await h.app.inject({ method: "GET", url });
      expect(res.statusCode, `${url}: ${res.body.slice(0, 200)}`).toBe(200);
    }
    expect(
      (await h.app.inject({ method: "GET", url: "/security/events?limit=3" })).json().data,
    ).toHaveLength(3);
  });
});
