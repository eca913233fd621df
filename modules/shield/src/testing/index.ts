import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { LtvModelFit } from "../ltv/model-store.ts";
import type { RfmSummary } from "../ltv/rfm.ts";
import { parseSummaryCsv } from "../ltv/summary-csv.ts";
import type { Transaction } from "../ltv/transactions.ts";

/** A file of `fixtures/ltv/` (the CDNOW data, see its README). */
export const cdnowFixture = (name: string): string =>
  fileURLToPath(new URL(`../../fixtures/ltv/${name}`, import.meta.url));

/** The CDNOW summary in weeks (`ID,x,t_x,T,zbar`): 2,357 customers with their mean repeat spend. */
export function cdnowSummary(): RfmSummary {
  return parseSummaryCsv(
    readFileSync(cdnowFixture("cdnow_customers_summary_with_transactions.csv"), "utf8"),
  );
}

/**
 * The CDNOW sample's raw transactions (`CDNOW_sample.txt`: master id, sample id, YYYYMMDD,
 * CDs, dollars, whitespace-separated), the customer named by its sample id without zero padding.
 */
export function cdnowTransactions(): Transaction[] {
  return readFileSync(cdnowFixture("CDNOW_sample.txt"), "utf8")
    .split("\n")
    .filter((line) => line.trim() !== "")
    .map((line) => {
      const [, id = "", day = "", , dollars = ""] = line.trim().split(/\s+/);
      const at = Date.UTC(
        Number(day.slice(0, 4)),
        Number(day.slice(4, 6)) - 1,
        Number(day.slice(6)),
      );
      return { customerId: String(Number(id)), at, amount: Number(dollars) };
    });
}
export * from "./run-shield-cli.ts";

/** The published CDNOW fit (lifetimes' figures, in weeks) as a model to save: a known model. */
export const CDNOW_PUBLISHED_FIT: LtvModelFit = {
  bgnbd: { r: 0.2426, alpha: 4.4135, a: 0.7929, b: 2.4258 },
  gammaGamma: { p: 6.25, q: 3.74, v: 15.45 },
  logLikelihood: -9582.4,
  customers: 2357,
  timeUnit: "week",
  unitsPerMonth: 4.345,
};
export * from "./campaign-bid-gate.ts";
export * from "./local-google-ads.ts";
export * from "./local-graph-api.ts";
export * from "./local-http.ts";
