import { assertMicros } from "../money.ts";
import {
  type AcceptedChange,
  type AdPlatform,
  type AmountChange,
  PlatformError,
  type SpendQuery,
} from "../platform.ts";
import type { GoogleAdsRestClient, MutateOperation } from "./google-ads-client.ts";

const DIGITS = /^\d+$/;

function digits(field: string, value: string): string {
  if (!DIGITS.test(value)) throw new RangeError(`${field}: expected digits, got "${value}"`);
  return value;
}

/** The `:mutate` collection and operation that set a change's amount. */
function operationFor(change: AmountChange): { collection: string; operation: MutateOperation } {
  const customer = `customers/${digits("account", change.account)}`;
  // int64 fields are strings in the JSON mapping of protobuf.
  const micros = String(assertMicros("amountMicros", change.amountMicros));
  const t = change.target;
  switch (t.kind) {
    case "ad_group_cpc":
      return {
        collection: "adGroups",
        operation: {
          update: {
            resourceName: `${customer}/adGroups/${digits("adGroupId", t.adGroupId)}`,
            cpcBidMicros: micros,
          },
          updateMask: "cpcBidMicros",
        },
      };
    case "keyword_cpc":
      return {
        collection: "adGroupCriteria",
        operation: {
          update: {
            resourceName: `${customer}/adGroupCriteria/${digits("adGroupId", t.adGroupId)}~${digits("criterionId", t.criterionId)}`,
            cpcBidMicros: micros,
          },
          updateMask: "cpcBidMicros",
        },
      };
    case "campaign_budget":
      return {
        collection: "campaignBudgets",
        operation: {
          update: {
            resourceName: `${customer}/campaignBudgets/${digits("budgetId", t.budgetId)}`,
            amountMicros: micros,
          },
          updateMask: "amountMicros",
        },
      };
    default:
      throw new PlatformError(
        "google_ads",
        "rejected",
        `target kind ${t.kind} is not a Google Ads object`,
      );
  }
}

/** Google Ads behind SyncFlow's interface: bids and budgets by `:mutate`, spend by GAQL. */
export function googleAdsPlatform(client: GoogleAdsRestClient): AdPlatform {
  return {
    id: "google_ads",
    async setAmount(change, signal): Promise<AcceptedChange> {
      const { collection, operation } = operationFor(change);
      const res = await client.mutate(change.account, collection, [operation], signal);
      const externalId = res.results?.[0]?.resourceName;
      if (!externalId)
        throw new PlatformError("google_ads", "unavailable", "a mutate answered without a result");
      return { externalId };
    },
    async checkChange(change) {
      operationFor(change);
    },
    async readSpend(q: SpendQuery, signal) {
      const day = /^\d{4}-\d{2}-\d{2}$/;
      if (!day.test(q.since) || !day.test(q.until))
        throw new RangeError(`since/until: expected YYYY-MM-DD, got "${q.since}"/"${q.until}"`);
      const query = `SELECT campaign.id, metrics.cost_micros FROM campaign WHERE campaign.id = ${digits("objectId", q.objectId)} AND segments.date BETWEEN '${q.since}' AND '${q.until}'`;
      const res = await client.search(digits("account", q.account), query, signal);
      let spendMicros = 0;
      for (const row of res.results ?? []) {
        const cost = String(row.metrics?.costMicros ?? "0");
        if (!DIGITS.test(cost))
          throw new PlatformError(
            "google_ads",
            "unavailable",
            `metrics.costMicros: not an int64: "${cost}"`,
          );
        spendMicros += Number(cost);
      }
      return { spendMicros: assertMicros("spendMicros", spendMicros) };
    },
    async verify(signal) {
      const res = await client.listAccessibleCustomers(signal);
      const ids = (res.resourceNames ?? []).map((n) => n.replace(/^customers\//, ""));
      if (ids.length === 0)
        throw new PlatformError(
          "google_ads",
          "auth",
          "the credentials reach no Google Ads customer",
        );
      return { identity: `customers ${ids.join(", ")}` };
    },
  };
}
