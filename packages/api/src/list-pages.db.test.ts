import { listFindings, upsertFindings } from "@kamiyo/db";
import { testDbKind } from "@kamiyo/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { encodeCursor } from "./cursor.ts";
import { findingSchema, pageSchema, toFindingJson } from "./schemas/common.ts";
import { findingFilter, type ListEventsInput, listEvents } from "./services/events.ts";
import { apiHarness, finding, type Harness, NOW } from "./testing/api-harness.ts";

/** A title and evidence JSON must escape, and numbers jsonb writes differently from JavaScript. */
const ODD = {
  title: 'ETH "mark" \\ oracle\nnew line, tab\t, ✓ and 🚀',
  evidence: {
    note: 'quote " backslash \\ control \u0001 unicode ✓ 🚀',
    tiny: 1e-7,
    huge: 1.5e21,
    negative: -0.125,
    precise: 0.30000000000000004,
    list: [1, "x", 2.5e-9],
    none: null,
  },
  resolvedAt: null,
} as const;

/** Four findings on ETH detected at the same instant, one of each severity: ties broken by id. */
const SAME_MINUTE = [700, 701, 702, 703].map((i) =>
  finding(i, { detectedAt: NOW - 700 * 60_000, subject: { type: "asset", id: "ETH" } }),
);

let h: Harness;
beforeAll(async () => {
  h = await apiHarness();
  await upsertFindings(h.db, [finding(501, { ...ODD, status: "open" }), ...SAME_MINUTE]);
});
afterAll(async () => {
  await h.close();
});

/** The page as the API built it before pages came from the database: rows decoded, re-encoded. */
async function decodedPage(input: ListEventsInput) {
  const filter = findingFilter(input);
  const rows = await listFindings(h.db, h.deps.tenantId, { ...filter, limit: input.limit + 1 });
  const page = rows.slice(0, input.limit);
  const last = page.at(-1);
  return {
    data: page.map(toFindingJson),
    nextCursor:
      rows.length > input.limit && last ? encodeCursor({ at: last.detectedAt, id: last.id }) : null,
  };
}

describe(`finding pages serialised by ${testDbKind}`, () => {
  it.each<[string, ListEventsInput, "several pages" | "one page" | "nothing"]>([
    ["everything, 7 a page", { limit: 7 }, "several pages"],
    ["two severities", { limit: 9, severity: ["high", "critical"] }, "several pages"],
    [
      "a detector and a subject",
      { limit: 4, detector: "liquidations", subject: "BTC" },
      "several pages",
    ],
    [
      "open ones in a time window",
      { limit: 6, status: "open", since: NOW - 60 * 60_000, until: NOW },
      "several pages",
    ],
    ["one page of all", { limit: 500 }, "one page"],
    ["nothing matches", { limit: 5, subject: "NOPE" }, "nothing"],
  ])(
    "%s: every page equals the decoded rows re-encoded, cursors included",
    async (_, input, expected) => {
      let cursor: string | undefined;
      let pages = 0;
      let items = 0;
      do {
        const body = JSON.parse(await listEvents(h.deps, { ...input, cursor }));
        expect(body).toEqual(await decodedPage({ ...input, cursor }));
        pageSchema(findingSchema).parse(body);
        items += body.data.length;
        cursor = body.nextCursor ?? undefined;
        pages++;
      } while (cursor);
      if (expected === "several pages") expect(pages).toBeGreaterThan(1);
      else expect(pages).toBe(1);
      if (expected === "nothing") expect(items).toBe(0);
      else expect(items).toBeGreaterThan(0);
    },
  );

  it("keeps escapes, unicode, nulls and numbers of the evidence exactly", async () => {
    const body = JSON.parse(await listEvents(h.deps, { limit: 500, subject: "ETH" }));
    const odd = body.data.find((f: { title: string }) => f.title.startsWith('ETH "mark"'));
    expect(odd).toMatchObject(ODD);
  });

  it("several severities (one listed twice) on a coin: the pages hold exactly those findings, in order", async () => {
    const all = await listFindings(h.db, h.deps.tenantId, { limit: 10_000 });
    const expected = all
      .filter((f) => ["high", "critical"].includes(f.severity) && f.subject.id === "ETH")
      .map((f) => f.id);
    const ids: string[] = [];
    let cursor: string | undefined;
    do {
      const input: ListEventsInput = {
        limit: 4,
        severity: ["critical", "high", "critical"],
        subject: "ETH",
        cursor,
      };
      const body = JSON.parse(await listEvents(h.deps, input));
      ids.push(...body.data.map((f: { id: string }) => f.id));
      cursor = body.nextCursor ?? undefined;
    } while (cursor);
    expect(ids).toEqual(expected);
    expect(expected.length).toBeGreaterThan(8);
    expect(expected).toEqual(expect.arrayContaining([SAME_MINUTE[1]?.id, SAME_MINUTE[2]?.id]));
  });
});
