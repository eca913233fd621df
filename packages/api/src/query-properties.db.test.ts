import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { apiHarness, type Harness } from "./testing/api-harness.ts";
import { expectAnyQueryHandled } from "./testing/query-arbitraries.ts";

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
});

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
  "/stats": ["days"],
  "/meta": [],
  "/health": [],
  "/ready": [],
  "/webhooks": [],
  "/webhooks/{id}": [],
  "/webhooks/{id}/deliveries": ["status", "cursor", "limit"],
  "/silences": ["active", "cursor", "limit"],
};

describe("no query can make the API fail", () => {
  for (const [route, params] of Object.entries(ROUTES)) {
    it(`GET ${route} answers 200 or a 400 envelope for any query, matching its schema`, async () => {
      await expectAnyQueryHandled(h, route, params, route.replace("{id}", webhookId));
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
});
