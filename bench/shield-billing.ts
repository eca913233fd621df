/**
 * The Shield outcome billing benchmark, on PostgreSQL (with --database-url) and the embedded
 * PGlite: one tenant's month of 100,000 audit records (bids and outcomes of 20 clients), billed
 * on a dry run: the chain verified, then every client's spend and LTV summed from the trail (each
 * bid and outcome body checked against its shape), the invoices computed.
 */
import { tenantDb } from "@kamiyo/db";
import {
  type AuditRecordInput,
  appendAuditRecords,
  billPeriod,
  parseOutcomePeriod,
  periodTotals,
  putBillingTerms,
  shieldMigrations,
} from "@kamiyo/shield";
import { openBenchDb } from "./bench-db.ts";

type Row = [string, string, string];
const TENANT = "ten_bench_billing";
const RECORDS = 100_000;
const CLIENTS = 20;
const BATCH = 1_000;
const PERIOD = parseOutcomePeriod("2026-11");
const fmt = (n: number) => Math.round(n).toLocaleString("en-US");

/** Record `n`: a bid (even) or an outcome (odd) of one of the clients, spread over the month. */
function record(n: number): AuditRecordInput {
  const clientId = `client_${n % CLIENTS}`;
  const at = PERIOD.start + ((n * 25_000) % (PERIOD.end - PERIOD.start));
  return n % 2 === 0
    ? {
        kind: "bid",
        at,
        body: {
          decisionId: `dec_${n}`,
          clientId,
          campaignId: `cmp_${n % 7}`,
          platform: "google_ads",
          externalId: `ext_${n}`,
          spendMicros: 1_000_000 + (n % 997),
        },
      }
    : {
        kind: "outcome",
        at,
        body: {
          outcomeId: `out_${n}`,
          clientId,
          campaignId: `cmp_${n % 7}`,
          customerId: `cus_${n}`,
          ltvMicros: 4_470_000 + (n % 991),
          occurredAt: new Date(at).toISOString(),
        },
      };
}

export async function shieldBillingBench(opts: {
  databaseUrl: string | undefined;
  kinds: Set<string>;
}): Promise<Row[]> {
  const rows: Row[] = [];
  for (const kind of ["postgres", "pglite"] as const) {
    if (!opts.kinds.has(kind) || (kind === "postgres" && !opts.databaseUrl)) continue;
    const bench = await openBenchDb(
      "shield_billing",
      kind === "postgres" ? opts.databaseUrl : undefined,
      [shieldMigrations],
    );
    try {
      const { db, storage } = bench;
      await db.query("INSERT INTO tenants (id, name) VALUES ($1, $1)", [TENANT]);
      const tdb = tenantDb(db, TENANT);
      for (let i = 0; i < RECORDS; i += BATCH)
        await tdb.transaction((tx) =>
          appendAuditRecords(
            tx,
            Array.from({ length: BATCH }, (_, j) => record(i + j)),
          ),
        );
      for (let c = 0; c < CLIENTS; c++)
        await putBillingTerms(tdb, `client_${c}`, { baselineRoasBps: 30_000 }, 0);
      let t0 = performance.now();
      await periodTotals(db, TENANT, PERIOD);
      const sumS = (performance.now() - t0) / 1000;
      t0 = performance.now();
      const run = await billPeriod({ db, now: Date.now, payments: {}, crms: {} }, TENANT, PERIOD, {
        dryRun: true,
      });
      const billS = (performance.now() - t0) / 1000;
      if (run.bills.length !== CLIENTS) throw new Error(`billed ${run.bills.length} clients`);
      rows.push(
        [
          `Shield outcome billing: sums from the trail (${storage})`,
          `${fmt(RECORDS / sumS)} records/s`,
          `${fmt(RECORDS)} bid and outcome records of ${CLIENTS} clients read 1,000 a page, each body checked, spend and LTV summed per client`,
        ],
        [
          `Shield outcome billing: a month billed, dry run (${storage})`,
          `${fmt(billS * 1000)} ms`,
          `the ${fmt(RECORDS)}-record chain verified, then summed, ${CLIENTS} invoices computed`,
        ],
      );
    } finally {
      await bench.close();
    }
  }
  return rows;
}
