import { upsertFindings } from "@kamiyo/db";
import { testDbKind } from "@kamiyo/testing";
import { afterEach, describe, expect, it } from "vitest";
import { apiHarness, finding, type Harness, NOW } from "./testing/api-harness.ts";

/** A finding detected after every seeded one. */
function newest() {
  return finding(4, {
    id: "fnd_newest000000000000001",
    detectedAt: NOW + 60_000,
    updatedAt: NOW + 60_000,
  });
}

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

async function newestIds(harness: Harness, query = "limit=3"): Promise<string[]> {
  const res = await harness.app.inject({ method: "GET", url: `/security/events?${query}` });
  expect(res.statusCode).toBe(200);
  const body = res.json() as { data: { id: string }[] };
  harness.expectValid("GET", "/security/events", 200, body);
  return body.data.map((f) => f.id);
}

async function cacheLookups(harness: Harness): Promise<{ hit: number; miss: number }> {
  const text = (await harness.app.inject({ method: "GET", url: "/metrics" })).body;
  const count = (result: string) =>
    Number(
      new RegExp(
        `^kamiyo_http_response_cache_total\\{cache="events",result="${result}"\\} (\\d+)$`,
        "m",
      ).exec(text)?.[1],
    );
  return { hit: count("hit"), miss: count("miss") };
}

describe(`cache of finding lists on ${testDbKind}`, () => {
  it("serves a page from memory until findings are written, then reads them again", async () => {
    h = await apiHarness();
    const first = await newestIds(h);
    expect(await newestIds(h)).toEqual(first);
    expect(await cacheLookups(h)).toEqual({ hit: 1, miss: 1 });

    // A write nobody announced is invisible until the cache's lifetime passes...
    const newer = newest();
    await upsertFindings(h.db, [newer]);
    expect(await newestIds(h)).toEqual(first);
    // ...and an announced one (the monitor's store committed, or a poll saw it) at once.
    h.feed.written();
    expect(await newestIds(h)).toEqual([newer.id, ...first.slice(0, 2)]);
    expect(await cacheLookups(h)).toEqual({ hit: 2, miss: 2 });
  });

  it("keeps an entry for at most responseCacheMs", async () => {
    h = await apiHarness({ config: { responseCacheMs: 1_000 } });
    const first = await newestIds(h);
    const newer = newest();
    await upsertFindings(h.db, [newer]);
    h.clock.advanceTo(h.clock.now() + 999);
    expect(await newestIds(h)).toEqual(first);
    h.clock.advanceTo(h.clock.now() + 1);
    expect((await newestIds(h))[0]).toBe(newer.id);
  });

  it("keys entries by the parsed query, so equivalent URLs share one and filters do not", async () => {
    h = await apiHarness();
    const critical = await newestIds(h, "severity=critical&limit=3");
    expect(await newestIds(h, "limit=3&severity=critical")).toEqual(critical);
    expect(await newestIds(h, "limit=50")).toEqual(await newestIds(h, ""));
    expect(await cacheLookups(h)).toEqual({ hit: 2, miss: 2 });
    expect(await newestIds(h, "severity=low&limit=3")).not.toEqual(critical);
  });

  it("does not keep a page read while findings were being written", async () => {
    let armed = false;
    h = await apiHarness({
      afterQuery: () => {
        if (armed) h?.feed.written();
      },
    });
    armed = true;
    const first = await newestIds(h);
    armed = false;
    const newer = newest();
    await upsertFindings(h.db, [newer]);
    // The first read overlapped a write, so it was not stored: this one reads the database.
    expect((await newestIds(h))[0]).toBe(newer.id);
    expect(first[0]).not.toBe(newer.id);
  });

  it("is off with responseCacheMs 0", async () => {
    h = await apiHarness({ config: { responseCacheMs: 0 } });
    await newestIds(h);
    const newer = newest();
    await upsertFindings(h.db, [newer]);
    expect((await newestIds(h))[0]).toBe(newer.id);
    expect(await cacheLookups(h)).toEqual({ hit: 0, miss: 0 });
  });

  it("answers HEAD from the same entry without storing an empty body", async () => {
    h = await apiHarness();
    const head = await h.app.inject({ method: "HEAD", url: "/security/events?limit=3" });
    expect(head.statusCode).toBe(200);
    expect(head.body).toBe("");
    expect((await newestIds(h)).length).toBe(3);
  });
});
