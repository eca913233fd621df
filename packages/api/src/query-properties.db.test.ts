import { importRecords } from "@kamiyo/intel";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { apiHarness, type Harness, NOW } from "./testing/api-harness.ts";

let h: Harness;
/** A webhook endpoint with a delivery, for the delivery log's route. */
let webhookId = "";
beforeAll(async () => {
  // Hundreds of requests a minute from one address: the rate limiter is not under test here.
  h = await apiHarness({ config: { rateLimitPerIp: 1_000_000 } });
  webhookId = (
    await h.app.inject({
      method: "POST",
      url: "/webhooks",
      payload: { url: "https://hooks.example.com/x" },
    })
  ).json().id;
  await h.app.inject({ method: "POST", url: `/webhooks/${webhookId}/test` });
  // A few incidents, so that /exploits pages and /sources/rankings have rows to serialise.
  const base = {
    classification: null,
    technique: null,
    original: null,
    returnedUsd: null,
    url: null,
    occurredAt: null,
  };
  await importRecords(
    h.db,
    [
      {
        ...base,
        source: "defillama",
        sourceKey: "euler",
        protocol: "Euler Finance",
        date: "2023-03-13",
        chains: ["Ethereum"],
        lossUsd: 197_000_000,
        txHashes: [EULER_TX],
      },
      {
        ...base,
        source: "rekt",
        sourceKey: "euler-rekt",
        protocol: "Euler",
        date: "2023-03-14",
        chains: [],
        lossUsd: 196_000_000,
        txHashes: [],
      },
      {
        ...base,
        source: "slowmist",
        sourceKey: "bybit",
        protocol: "Bybit",
        date: "2025-02-21",
        chains: ["Ethereum"],
        lossUsd: null,
        original: { amount: 401_347, unit: "ETH" },
        txHashes: [],
      },
    ],
    NOW,
  );
});

const EULER_TX = "0xc310a0affe2169d1f6feec1c63dbc7f7c62a887fa48795d327d4d2da2d6b111d";
afterAll(async () => {
  await h.close();
});

/** Each GET route with the query parameters it documents. */
const ROUTES: Record<string, string[]> = {
  "/security/events": [
    "severity",
    "detector",
    "subject",
    "status",
    "since",
    "until",
    "cursor",
    "limit",
  ],
  "/security/hlp-vault/history": ["vault", "since", "until", "interval", "limit"],
  "/security/oracle-deviations": ["min_pct", "limit"],
  "/security/oracle-deviations/history": ["coin", "since", "until", "limit"],
  "/security/liquidation-patterns": ["window", "limit"],
  "/exploits": [
    "chain",
    "protocol",
    "category",
    "min_amount",
    "max_amount",
    "since",
    "until",
    "source",
    "sort",
    "limit",
    "cursor",
  ],
  "/stats": ["days", "exploit_days"],
  "/sources/rankings": [],
  "/security/dashboard": [],
  "/security/hlp-vault": [],
  "/chains": [],
  "/meta": [],
  "/ml/status": [],
  "/health": [],
  "/ready": [],
  "/webhooks": [],
  "/webhooks/{id}": [],
  "/webhooks/{id}/deliveries": ["status", "cursor", "limit"],
  "/silences": ["active", "cursor", "limit"],
};

const value = fc.oneof(
  fc.string(),
  fc.string({ unit: "grapheme", maxLength: 40 }),
  fc.integer().map(String),
  fc.double({ noNaN: false }).map(String),
  fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
  fc.constantFrom(
    "",
    "0",
    "-1",
    "1e309",
    "NaN",
    "null",
    "[]",
    "{}",
    "critical,high",
    "ETH",
    "0x2e3d94f0562703b25c83308a05046ddaf9a8dd14",
    "1h",
    "%00",
    "' OR 1=1 --",
    "date",
    "amount",
    "defillama",
    "eth,bsc",
    "Euler Finance",
    "2023-03-13",
  ),
  fc.string({ maxLength: 5000 }),
);

function queryFor(params: string[]) {
  const key =
    params.length > 0
      ? fc.oneof(fc.constantFrom(...params), fc.string({ maxLength: 12 }))
      : fc.string({ maxLength: 12 });
  return fc.array(fc.tuple(key, value), { maxLength: 6 }).map((pairs) => {
    const q = new URLSearchParams();
    for (const [k, v] of pairs) q.append(k, v);
    return q.toString();
  });
}

describe("no query can make the API fail", () => {
  for (const [route, params] of Object.entries(ROUTES)) {
    it(`GET ${route} answers 200 or a 400 envelope for any query, matching its schema`, async () => {
      await fc.assert(
        fc.asyncProperty(queryFor(params), async (qs) => {
          const url = route.replace("{id}", webhookId);
          const res = await h.app.inject({ method: "GET", url: `${url}?${qs}` });
          expect([200, 400], `${url}?${qs}: ${res.body.slice(0, 200)}`).toContain(res.statusCode);
          h.expectValid("GET", route, res.statusCode, res.json());
          if (res.statusCode === 400)
            expect(res.json().error.message).toMatch(/^(query parameter "|this route)/);
        }),
        { numRuns: 120 },
      );
    });
  }

  it("GET /security/events/{id} answers 200, 400 or 404 for any id", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          // "." and ".." are dot segments: URL normalisation turns them into another route.
          fc.string({ minLength: 1 }).filter((id) => id !== "." && id !== ".."),
          fc.stringMatching(/^fnd_[0-9a-z]{9,30}$/),
        ),
        async (id) => {
          const res = await h.app.inject({
            method: "GET",
            url: `/security/events/${encodeURIComponent(id)}`,
          });
          expect([200, 400, 404], `${id}: ${res.body.slice(0, 200)}`).toContain(res.statusCode);
          if (res.statusCode !== 404 || res.json().error.message.startsWith("no finding")) {
            h.expectValid("GET", "/security/events/{id}", res.statusCode, res.json());
          }
        },
      ),
      { numRuns: 200 },
    );
  });

  it("GET /exploits/{id} answers 200, 400 or 404 for any id or transaction", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.string({ minLength: 1 }).filter((id) => id !== "." && id !== ".."),
          fc.stringMatching(/^exp_[0-9a-z_]{1,40}$/),
          fc.stringMatching(/^0x[0-9a-fA-F]{64}$/),
          fc.stringMatching(/^[1-9A-HJ-NP-Za-km-z]{60,92}$/),
          fc.constantFrom(
            "exp_20230313_euler",
            EULER_TX,
            EULER_TX.toUpperCase().replace("0X", "0x"),
          ),
        ),
        async (id) => {
          const res = await h.app.inject({
            method: "GET",
            url: `/exploits/${encodeURIComponent(id)}`,
          });
          expect([200, 400, 404], `${id}: ${res.body.slice(0, 200)}`).toContain(res.statusCode);
          if (res.statusCode !== 404 || res.json().error.message.startsWith("no incident"))
            h.expectValid("GET", "/exploits/{id}", res.statusCode, res.json());
        },
      ),
      { numRuns: 200 },
    );
  });
});
