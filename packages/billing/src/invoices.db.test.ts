import type { Db } from "@kamiyo/db";
import { createTestDb, testDbKind } from "@kamiyo/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GB } from "./catalog/index.ts";
import { closeInvoice, invoicesOf, upcomingInvoice } from "./invoices.ts";
import { subscribe } from "./subscriptions.ts";
import { recordUsage, type UsageEvent } from "./usage.ts";

let db: Db;
beforeAll(async () => {
  db = await createTestDb();
});
afterAll(async () => db?.close());

const ANCHOR = Date.UTC(2026, 10, 3, 12); // 3 Nov 2026
const NEXT = Date.UTC(2026, 11, 3, 12); // the next period starts 3 Dec
const DAY = 86_400_000;
let n = 0;
const ev = (tenantId: string, over: Partial<UsageEvent>): UsageEvent => ({
  tenantId,
  product: "rca",
  meter: "events_ingested",
  value: 1,
  eventAt: ANCHOR + DAY,
  idempotencyKey: `k${++n}`,
  ...over,
});

async function tenant(id: string, plans: string[]): Promise<string> {
  await db.query("INSERT INTO tenants (id, name, created_at) VALUES ($1, $1, $2)", [
    id,
    new Date(ANCHOR),
  ]);
  for (const planId of plans) await subscribe(db, { tenantId: id, planId, nowMs: ANCHOR });
  return id;
}

describe(`invoices on ${testDbKind}`, () => {
  it("bills the fee and RCA overage to the cent: events per day past the quota, queries and storage past the period's", async () => {
    const t = await tenant("ten_invoice_rca", ["open_source", "rca_basic"]);
    await recordUsage(
      db,
      [
        // Day 1: 150,000 events against 100,000 a day: 50,000 over. Day 2: 99,999, none over.
        ev(t, { value: 100_000 }),
        ev(t, { value: 50_000, eventAt: ANCHOR + DAY + 3_600_000 }),
        ev(t, { value: 99_999, eventAt: ANCHOR + 2 * DAY }),
        // 1,003 queries against 1,000 a period.
        ev(t, { meter: "rca_queries", value: 1_003 }),
        // Storage readings: the largest, 12.5 GB, against 10 GB.
        ev(t, { meter: "storage_bytes", value: 11 * GB }),
        ev(t, { meter: "storage_bytes", value: 12.5 * GB, eventAt: ANCHOR + 5 * DAY }),
        // Next period's usage is not this invoice's.
        ev(t, { meter: "rca_queries", value: 500, eventAt: NEXT + 1 }),
      ],
      NEXT,
    );
    expect(await closeInvoice(db, t, NEXT - 1)).toBeNull(); // the period has not ended
    const invoice = await closeInvoice(db, t, NEXT + 3_600_000);
    expect(invoice?.periodStart).toBe(ANCHOR);
    expect(invoice?.periodEnd).toBe(NEXT);
    expect(invoice?.lines.map((l) => [l.kind, l.plan, l.meter, l.quantity, l.amountCents])).toEqual(
      [
        ["fee", "rca_basic", null, 1, 9_900],
        // $0.10 per 1k events: 50,000 → 500 ¢.
        ["overage", "rca_basic", "events_ingested", 50_000, 500],
        // $0.50 a query: 3 → 150 ¢.
        ["overage", "rca_basic", "rca_queries", 3, 150],
        // $2 per GB: 2.5 GB → 500 ¢.
        ["overage", "rca_basic", "storage_bytes", 2.5 * GB, 500],
      ],
    );
    expect(invoice?.totalCents).toBe(9_900 + 500 + 150 + 500);
    // Once per period: closing again makes nothing, and late usage does not change it...
    await recordUsage(db, [ev(t, { meter: "rca_queries", value: 10 })], NEXT + 2 * 3_600_000);
    expect(await closeInvoice(db, t, NEXT + 3 * 3_600_000)).toBeNull();
    expect((await invoicesOf(db, t)).map((i) => i.totalCents)).toEqual([11_050]);
    // ...it is corrected on the next: 13 queries over instead of 3, 10 × 50 ¢ more.
    const next = await closeInvoice(db, t, Date.UTC(2027, 0, 3, 13));
    expect(next?.lines.map((l) => [l.kind, l.meter, l.quantity, l.amountCents])).toEqual([
      ["fee", null, 1, 9_900],
      ["correction", "rca_queries", 13, 500],
    ]);
  });

  it("bills nothing during a trial, and makes no invoice for a tenant with only free plans", async () => {
    const trial = await tenant("ten_invoice_trial", ["open_source"]);
    await subscribe(db, {
      tenantId: trial,
      planId: "intel_pro",
      nowMs: ANCHOR,
      status: "trialing",
      trialEndsAt: ANCHOR + 14 * DAY,
    });
    const invoice = await closeInvoice(db, trial, NEXT + 1);
    expect(invoice?.lines).toMatchObject([
      {
        kind: "fee",
        plan: "intel_pro",
        description: "intel_pro monthly fee (trial)",
        amountCents: 0,
      },
    ]);
    const free = await tenant("ten_invoice_free", ["open_source", "intel_free"]);
    expect(await closeInvoice(db, free, NEXT + 1)).toBeNull();
  });

  it("estimates the current period's bill from the usage so far, as the invoice will bill it", async () => {
    const t = await tenant("ten_invoice_upcoming", ["open_source", "rca_basic", "intel_pro"]);
    await recordUsage(
      db,
      [
        // 120,000 events on day 1 (20,000 past 100,000 a day), 1,010 queries (10 past 1,000).
        ev(t, { value: 120_000 }),
        ev(t, { meter: "rca_queries", value: 1_010 }),
      ],
      ANCHOR + 2 * DAY,
    );
    const now = ANCHOR + 10 * DAY;
    const all = await upcomingInvoice(db, t, now);
    expect(all.periodStart).toBe(ANCHOR);
    expect(all.periodEnd).toBe(NEXT);
    expect(all.asOf).toBe(now);
    expect(all.lines.map((l) => [l.kind, l.plan, l.meter, l.quantity, l.amountCents])).toEqual([
      ["fee", "intel_pro", null, 1, 4_900],
      ["fee", "rca_basic", null, 1, 9_900],
      // $0.10 per 1k: 20,000 → 200 ¢; $0.50 a query: 10 → 500 ¢.
      ["overage", "rca_basic", "events_ingested", 20_000, 200],
      ["overage", "rca_basic", "rca_queries", 10, 500],
    ]);
    expect(all.totalCents).toBe(4_900 + 9_900 + 200 + 500);
    const rca = await upcomingInvoice(db, t, now, "rca");
    expect(rca.lines.every((l) => l.product === "rca")).toBe(true);
    expect(rca.totalCents).toBe(9_900 + 200 + 500);
    // Usage later in the period adds to it; at the period's end it is the invoice, line for line.
    await recordUsage(
      db,
      [ev(t, { meter: "rca_queries", value: 5, eventAt: ANCHOR + 20 * DAY })],
      ANCHOR + 20 * DAY,
    );
    const last = await upcomingInvoice(db, t, NEXT - 1);
    const invoice = await closeInvoice(db, t, NEXT + 1);
    expect(invoice?.lines).toEqual(last.lines);
    expect(invoice?.totalCents).toBe(last.totalCents);
    // The next period's estimate starts again from the fees.
    const next = await upcomingInvoice(db, t, NEXT + 1, "rca");
    expect(next.lines.map((l) => [l.kind, l.amountCents])).toEqual([["fee", 9_900]]);
  });

  it("estimates only the fees for a tenant with no usage, and nothing without a paid plan", async () => {
    const free = await tenant("ten_invoice_upcoming_free", ["open_source", "rca_free"]);
    expect(await upcomingInvoice(db, free, ANCHOR + DAY, "rca")).toMatchObject({
      lines: [],
      totalCents: 0,
    });
  });
});
