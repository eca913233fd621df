import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { SystemClock, seededRandom, silentLogger } from "@kamiyo/core";
import type { Db } from "@kamiyo/db";
import { createTestDb, testDbKind } from "@kamiyo/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { listIncidents } from "../store/incidents.ts";
import type { ParseResult, SourceRecord } from "../types.ts";
import { type Feed, type SyncProgress, syncFeeds } from "./sync.ts";

let db: Db;
let server: Server;
let base = "";
const seen: { path: string; headers: IncomingMessage["headers"] }[] = [];

const BODY = JSON.stringify([
  { protocol: "Euler Finance", date: "2023-03-13", lossUsd: 197_000_000 },
  { protocol: "KyberSwap", date: "2023-11-22", lossUsd: 48_000_000 },
]);

beforeAll(async () => {
  db = await createTestDb();
  server = createServer((req, res) => {
    seen.push({ path: req.url ?? "", headers: req.headers });
    if (req.url === "/feed.json") {
      if (req.headers["if-none-match"] === '"v1"') return void res.writeHead(304).end();
      return void res
        .writeHead(200, { etag: '"v1"', "content-type": "application/json" })
        .end(BODY);
    }
    if (req.url === "/down") return void res.writeHead(503).end("maintenance");
    // /slow never answers.
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
  await db.close();
});

/** A feed of `{protocol, date, lossUsd}` rows (the real parsers have their own tests). */
function feed(source: SourceRecord["source"], path: string): Feed {
  return {
    source,
    urls: [`${base}${path}`],
    parse(text): ParseResult {
      const rows = JSON.parse(text) as { protocol: string; date: string; lossUsd: number }[];
      return {
        records: rows.map((r) => ({
          source,
          sourceKey: `${r.date}-${r.protocol}`,
          protocol: r.protocol,
          date: r.date,
          occurredAt: null,
          chains: [],
          classification: null,
          technique: null,
          lossUsd: r.lossUsd,
          original: null,
          returnedUsd: null,
          txHashes: [],
          url: null,
        })),
        issues: [],
      };
    },
  };
}

describe(`intel sync on ${testDbKind}`, () => {
  it("imports what a source serves, isolates failing and hanging sources, and skips unchanged ones", async () => {
    const feeds = [
      feed("defillama", "/feed.json"),
      feed("rekt", "/down"),
      feed("slowmist", "/slow"),
    ];
    const deps = { clock: new SystemClock(), random: seededRandom(1), log: silentLogger };
    const steps: SyncProgress[] = [];
    const first = await syncFeeds(db, feeds, deps, {
      timeoutMs: 300,
      attempts: 2,
      onProgress: (p) => steps.push(p),
    });
    expect(first.sources).toEqual([
      { source: "defillama", status: "fresh", records: 2, error: null },
      {
        source: "rekt",
        status: "failed",
        records: 0,
        error: `${base}/down: HTTP 503 (after 2 attempts)`,
      },
      {
        source: "slowmist",
        status: "failed",
        records: 0,
        error: `${base}/slow: no answer within 300 ms (after 2 attempts)`,
      },
    ]);
    expect(first.import?.created.map((i) => i.id).sort()).toEqual([
      "exp_20230313_euler",
      "exp_20231122_kyberswap",
    ]);
    expect(
      steps
        .filter((s) => s.stage === "failed")
        .map((s) => s.source)
        .sort(),
    ).toEqual(["rekt", "slowmist"]);
    expect(seen.filter((s) => s.path === "/down")).toHaveLength(2);

    const second = await syncFeeds(db, feeds.slice(0, 1), deps, { timeoutMs: 300, attempts: 1 });
    expect(second.sources[0]?.status).toBe("unchanged");
    expect(second.import).toBeNull();
    expect(seen.at(-1)?.headers["if-none-match"]).toBe('"v1"');
    expect((await listIncidents(db)).length).toBe(2);

    const health = await db.query<{
      source: string;
      attempts: number;
      failures: number;
      last_error: string | null;
    }>("SELECT source, attempts, failures, last_error FROM intel_sources ORDER BY source");
    expect(health).toEqual([
      { source: "defillama", attempts: 2, failures: 0, last_error: null },
      {
        source: "rekt",
        attempts: 1,
        failures: 1,
        last_error: `${base}/down: HTTP 503 (after 2 attempts)`,
      },
      {
        source: "slowmist",
        attempts: 1,
        failures: 1,
        last_error: `${base}/slow: no answer within 300 ms (after 2 attempts)`,
      },
    ]);
  });
});
