import { apiHarness, type Harness } from "@kamiyo/api/testing";
import { tenantDb } from "@kamiyo/db";
import { testDbKind } from "@kamiyo/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { appendAuditRecords } from "../audit/append.ts";
import { billPeriod } from "../billing/bill-period.ts";
import { parseOutcomePeriod } from "../billing/billing-period.ts";
import { shieldMigrations } from "../shield-migrations.ts";
import { shieldApi } from "./index.ts";

let h: Harness;
beforeAll(async () => {
  h = await apiHarness({ seeded: false, modules: [shieldApi], migrations: [shieldMigrations] });
});
afterAll(async () => h?.close());

const send = (method: "POST" | "PUT", url: string, payload: object) =>
  h.app.inject({ method, url, payload: payload as Record<string, unknown> });

const outcome = (n: number, ltvMicros: number | string) => ({
  outcomeId: `out_${n}`,
  clientId: "acme",
  campaignId: "cmp_1",
  customerId: `cus_${n}`,
  ltvMicros,
  occurredAt: "2026-11-10T12:00:00Z",
});

describe(`outcome billing's API (${testDbKind})`, () => {
  it("records outcomes once by id, sets terms, and serves the invoices billed from them", async () => {
    const first = await send("POST", "/shield/outcomes", { outcomes: [outcome(1, 4_000_000_000)] });
    expect(first.statusCode, first.body).toBe(200);
    const again = await send("POST", "/shield/outcomes", {
      outcomes: [outcome(1, 4_000_000_000), outcome(2, "470000000")],
    });
    expect(again.json().data.map((o: { created: boolean }) => o.created)).toEqual([false, true]);
    expect(again.json().data[0].seq).toBe(first.json().data[0].seq);
    const changed = await send("POST", "/shield/outcomes", {
      outcomes: [outcome(1, 5_000_000_000)],
    });
    expect(changed.statusCode).toBe(409);
    expect(changed.json().error.message).toBe("outcome out_1 was recorded with another body");

    const terms = await send("PUT", "/shield/billing-terms/acme", { baselineRoasBps: 30_000 });
    expect(terms.statusCode, terms.body).toBe(200);
    expect(terms.json()).toMatchObject({ clientId: "acme", shareBps: null, payment: null });
    expect((await h.get("/shield/billing-terms", "/shield/billing-terms")).data).toHaveLength(1);

    await tenantDb(h.db, h.deps.tenantId).transaction((tx) =>
      appendAuditRecords(tx, [
        {
          kind: "bid",
          at: Date.UTC(2026, 10, 3),
          body: {
            decisionId: "dec_1",
            clientId: "acme",
            campaignId: "cmp_1",
            platform: "meta",
            externalId: "x1",
            spendMicros: 1_000_000_000,
          },
        },
      ]),
    );
    const run = await billPeriod(
      { db: h.db, now: () => Date.UTC(2026, 11, 1), payments: {}, crms: {} },
      h.deps.tenantId,
      parseOutcomePeriod("2026-11"),
    );
    const id = run.bills[0]?.invoice.id as string;
    const list = await h.get("/shield/invoices?clientId=acme", "/shield/invoices");
    expect(
      list.data.map((i: { id: string; earningsCents: number }) => [i.id, i.earningsCents]),
    ).toEqual([[id, 22_050]]);
    const one = await h.get(`/shield/invoices/${id}`, "/shield/invoices/{id}");
    expect(one).toMatchObject({ id, roasBps: 44_700, audit: { throughSeq: 3 } });
    await h.get(`/shield/invoices/soi_${"0".repeat(24)}`, "/shield/invoices/{id}", 404);
  });

  it("answers bad input with 400 naming the field", async () => {
    const cases: [string, "POST" | "PUT", object, string][] = [
      [
        "/shield/outcomes",
        "POST",
        { outcomes: [{ ...outcome(3, 1), ltvMicros: -1 }] },
        "ltvMicros",
      ],
      [
        "/shield/outcomes",
        "POST",
        { outcomes: [{ ...outcome(3, 1), occurredAt: "yesterday" }] },
        "occurredAt",
      ],
      ["/shield/outcomes", "POST", { outcomes: [] }, "outcomes"],
      ["/shield/billing-terms/acme", "PUT", { baselineRoasBps: 0 }, "baselineRoasBps"],
      [
        "/shield/billing-terms/acme",
        "PUT",
        { baselineRoasBps: 30_000, shareBps: 10_001 },
        "shareBps",
      ],
      [
        "/shield/billing-terms/acme",
        "PUT",
        { baselineRoasBps: 30_000, payment: { provider: "venmo", customerId: "x" } },
        "provider",
      ],
      ["/shield/billing-terms/a%20b", "PUT", { baselineRoasBps: 30_000 }, "clientId"],
      // Yen have no cents: an invoice in cents would charge 100 times the amount.
      [
        "/shield/billing-terms/acme",
        "PUT",
        { baselineRoasBps: 30_000, currency: "jpy" },
        '"currency": jpy is not billed in cents',
      ],
      [
        "/shield/billing-terms/acme",
        "PUT",
        { baselineRoasBps: 30_000, currency: "xyz" },
        '"currency": xyz is not an ISO 4217 currency code',
      ],
    ];
    for (const [url, method, body, field] of cases) {
      const res = await send(method, url, body);
      expect(res.statusCode, `${url} ${res.body}`).toBe(400);
      expect(res.json().error.message, url).toContain(field);
    }
    await h.get("/shield/invoices/inv_1", "/shield/invoices/{id}", 400);
  });
});
