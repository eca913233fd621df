import { testDbKind } from "@kamiyo/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { apiHarness, type Harness, HLP, NOW } from "./testing/api-harness.ts";

let h: Harness;
beforeAll(async () => {
  h = await apiHarness({ plugins: PLUGINS, monitorConfig: SETTINGS });
});

/** The plug-ins an app composed, as it passes them to the API. */
const PLUGINS = {
  detectors: ["hlp", "oracle", "liquidations", "manipulation"].map((kind) => ({
    kind,
    description: `${kind} detector`,
  })),
  sources: [{ kind: "hyperliquid", description: "Hyperliquid info and WebSocket" }],
};

/** Their settings as the app parsed them: the manipulation detector turned off. */
const SETTINGS = {
  sources: { hyperliquid: { enabled: true, config: {} } },
  detectors: Object.fromEntries(
    PLUGINS.detectors.map((d) => [d.kind, { enabled: d.kind !== "manipulation", config: {} }]),
  ),
  queueCapacity: 50_000,
  tickMs: 1_000,
  sampleEveryMs: 60_000,
  retentionDays: 90,
};
afterAll(async () => {
  await h.close();
});

const get = (url: string, route: string, status = 200) => h.get(url, route, status);

describe(`API routes on ${testDbKind}`, () => {
  it("GET /health answers with the version and uptime", async () => {
    const body = await get("/health", "/health");
    expect(body).toEqual({ status: "ok", version: "0.1.0", uptimeS: 3600 });
  });

  it("GET /ready reports the database, no sources (no monitor here) and no lag without a module storing data", async () => {
    const body = await get("/ready", "/ready");
    expect(body).toMatchObject({
      ready: true,
      database: { ok: true, error: null },
      monitorInProcess: false,
      sources: null,
      dataLagS: null,
      lagging: false,
    });
  });

  it("GET /security/events pages newest first with a cursor, no gaps or duplicates", async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const body = await get(
        `/security/events?limit=25${cursor ? `&cursor=${cursor}` : ""}`,
        "/security/events",
      );
      seen.push(...body.data.map((f: { id: string }) => f.id));
      cursor = body.nextCursor;
      pages++;
    } while (cursor);
    expect(pages).toBe(5);
    expect(seen).toHaveLength(122);
    expect(new Set(seen).size).toBe(122);
    const all = await get("/security/events?limit=500", "/security/events");
    expect(all.data.map((f: { id: string }) => f.id)).toEqual(seen);
    const times = all.data.map((f: { detectedAt: string }) => Date.parse(f.detectedAt));
    expect([...times].sort((a, b) => b - a)).toEqual(times);
  });

  it("GET /security/events filters by severity, detector, subject, status and time", async () => {
    const critical = await get("/security/events?severity=critical&limit=500", "/security/events");
    expect(critical.data.length).toBeGreaterThan(0);
    expect(critical.data.every((f: { severity: string }) => f.severity === "critical")).toBe(true);
    const both = await get(
      "/security/events?severity=high,critical&detector=liquidations&subject=BTC&status=open&limit=500",
      "/security/events",
    );
    expect(both.data.length).toBeGreaterThan(0);
    for (const f of both.data) {
      expect(["high", "critical"]).toContain(f.severity);
      expect(f).toMatchObject({ detector: "liquidations", subject: { id: "BTC" }, status: "open" });
    }
    const since = new Date(NOW - 10 * 60_000).toISOString();
    const recent = await get(
      `/security/events?since=${since}&until=${NOW - 2 * 60_000}&limit=500`,
      "/security/events",
    );
    expect(
      recent.data
        .map((f: { detectedAt: string }) => Date.parse(f.detectedAt))
        .every((t: number) => t >= NOW - 600_000 && t < NOW - 120_000),
    ).toBe(true);
    expect(recent.data).toHaveLength(9);
  });

  it("GET /security/events refuses bad parameters with a 400 naming them", async () => {
    for (const [q, param] of [
      ["limit=0", "limit"],
      ["limit=501", "limit"],
      ["limit=abc", "limit"],
      ["severity=loud", "severity"],
      ["since=yesterday", "since"],
      ["since=2000&until=1000", "since"],
      ["detector=Bad%20Name", "detector"],
      ["cursor=notacursor", "cursor"],
    ] as const) {
      const body = await get(`/security/events?${q}`, "/security/events", 400);
      expect(body.error.code).toBe("invalid_input");
      expect(body.error.message).toContain(`"${param}"`);
      expect(body.error.requestId).toMatch(/^req_/);
    }
  });

  it("GET /security/events/{id} returns one finding, 404 for an unknown id, 400 for a malformed one", async () => {
    const body = await get("/security/events/fnd_lossparent000000000001", "/security/events/{id}");
    expect(body).toMatchObject({
      kind: "pnl-loss",
      severity: "critical",
      subject: { type: "vault", id: HLP },
    });
    const missing = await get(
      "/security/events/fnd_0000000000000000000099",
      "/security/events/{id}",
      404,
    );
    expect(missing.error).toMatchObject({
      code: "not_found",
      message: "no finding with id fnd_0000000000000000000099",
    });
    const bad = await get("/security/events/drop%20table", "/security/events/{id}", 400);
    expect(bad.error.message).toContain('"id"');
  });

  it("GET /stats and /meta describe the service", async () => {
    const stats = await get("/stats?days=7", "/stats");
    expect(stats.findings.total).toBe(122);
    expect(stats.pipeline).toBeNull();
    // Module sections (intel: exploits; Hyperliquid: liquidations) come only with their module.
    expect(stats.exploits).toBeUndefined();
    expect(stats.liquidations).toBeUndefined();
    expect((await get("/stats?days=0", "/stats", 400)).error.message).toContain('"days"');
    const meta = await get("/meta", "/meta");
    expect(meta).toMatchObject({
      edition: "open_source",
      editionLabel: "Open source",
      features: { mlEnsemble: false, crossProtocolCorrelation: false },
      monitorInProcess: false,
      derivedDetectors: [],
    });
    expect(meta.detectors).toEqual(
      PLUGINS.detectors.map((d) => ({ ...d, enabled: d.kind !== "manipulation" })),
    );
    expect(meta.sources).toEqual([
      {
        kind: "hyperliquid",
        description: "Hyperliquid info and WebSocket",
        enabled: true,
        status: null,
      },
    ]);
    expect(meta.hlpFamily).toBeUndefined();
  });

  it("answers unknown routes with a 404 envelope and never leaks a stack", async () => {
    const res = await h.app.inject({ method: "GET", url: "/security/nothing" });
    expect(res.statusCode).toBe(404);
    expect(res.json()).toMatchObject({
      error: { code: "not_found", message: "no route GET /security/nothing" },
    });
    // A known path with another method is a 405 (input-refusals.db.test.ts).
    const post = await h.app.inject({ method: "POST", url: "/security/events", payload: { a: 1 } });
    expect(post.statusCode).toBe(405);
    expect(res.body).not.toContain("    at ");
  });
});
