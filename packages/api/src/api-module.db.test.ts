import { createTenant } from "@kamiyo/tenancy";
import { testDbKind } from "@kamiyo/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { apiHarness, type Harness, NOW } from "./testing/api-harness.ts";
import { exampleApi, exampleMigrations } from "./testing/example-module.ts";

/** The guide's minimal module (docs/adding-a-product-line.md), built and served. */
let h: Harness;
let owner = "";
let viewer = "";
let other = "";

beforeAll(async () => {
  h = await apiHarness({ modules: [exampleApi], migrations: [exampleMigrations] });
  owner = (await createTenant(h.db, { name: "t", actor: "test", nowMs: NOW })).key;
  other = (await createTenant(h.db, { name: "u", actor: "test", nowMs: NOW })).key;
  const made = await h.app.inject({
    method: "POST",
    url: "/api-keys",
    headers: { "x-api-key": owner },
    payload: { name: "viewer", role: "viewer" },
  });
  viewer = made.json().key;
  h.clock.advanceTo(NOW + 1_000);
});
afterAll(async () => h?.close());

const get = (url: string, key: string) =>
  h.app.inject({ method: "GET", url, headers: { "x-api-key": key } });

describe(`a product module's routes (${testDbKind})`, () => {
  it("are served, validated, cached and documented like the platform's", async () => {
    const res = await get("/example/detectors?days=30", viewer);
    expect(res.statusCode, res.body).toBe(200);
    h.expectValid("GET", "/example/detectors", 200, res.json());
    expect(res.json().data).toEqual({ oracle: 30, hlp: 32, liquidations: 30, manipulation: 30 });
    expect((await get("/example/detectors?days=0", viewer)).json().error.message).toContain(
      'query parameter "days"',
    );
    await get("/example/detectors?days=30", viewer);
    const metrics = (await h.app.inject({ method: "GET", url: "/metrics" })).body;
    expect(metrics).toMatch(/kamiyo_http_response_cache_total\{cache="example",result="hit"\} 1/);
    const doc = (await h.app.inject({ method: "GET", url: "/openapi.json" })).json();
    expect(doc.paths["/example/detectors"].get.tags).toEqual(["example"]);
    expect(doc.tags.map((t: { name: string }) => t.name)).toContain("example");
  });

  it("need a key, their scope, and write the audit log", async () => {
    expect((await h.app.inject({ method: "GET", url: "/example/detectors" })).statusCode).toBe(401);
    const refused = await h.app.inject({
      method: "POST",
      url: "/example/refresh",
      headers: { "x-api-key": viewer },
    });
    expect(refused.statusCode).toBe(403);
    const gauge = /kamiyo_example_cache_generation\{module="example"\} (\d+)/;
    const generation = async () =>
      Number(gauge.exec((await h.app.inject({ method: "GET", url: "/metrics" })).body)?.[1]);
    const before = await generation();
    const done = await h.app.inject({
      method: "POST",
      url: "/example/refresh",
      headers: { "x-api-key": owner },
    });
    // The module's gauge is read at the scrape: it shows the refresh.
    expect(await generation()).toBe(before + 1);
    expect(done.json()).toEqual({ id: "example", generation: 1 });
    const log = (await get("/audit-log", owner)).json().data;
    expect(log[0]).toMatchObject({ action: "example.refresh", target: "example" });
  });

  it("add their section to /stats, with its own query parameter", async () => {
    const stats = (await get("/stats?example_days=30", viewer)).json();
    expect(stats.example).toEqual({ days: 30, findings: 122 });
    expect((await get("/stats?example_days=x", viewer)).statusCode).toBe(400);
  });

  it("keep their tenants' rows in a table of their own, under row-level security", async () => {
    const [ledger] = await h.db.query<{ name: string }>(
      "SELECT name FROM schema_migrations WHERE module = 'example' AND version = 1",
    );
    expect(ledger?.name).toBe("example_notes");
    const post = (key: string, body: string) =>
      h.app.inject({
        method: "POST",
        url: "/example/notes",
        headers: { "x-api-key": key },
        payload: { body },
      });
    expect((await post(owner, "ours")).statusCode).toBe(201);
    expect((await post(other, "theirs")).statusCode).toBe(201);
    expect((await post(viewer, "no")).statusCode).toBe(403);
    expect((await post(owner, "")).json().error.message).toContain("body");
    expect(
      (await get("/example/notes", viewer)).json().data.map((n: { body: string }) => n.body),
    ).toEqual(["ours"]);
    expect(
      (await get("/example/notes", other)).json().data.map((n: { body: string }) => n.body),
    ).toEqual(["theirs"]);
    const log = (await get("/audit-log", other)).json().data;
    expect(log[0]).toMatchObject({ action: "example.note.create" });
  });
});
