import { AdAccount, AdSet, FacebookAdsApi } from "facebook-nodejs-business-sdk";
import { decimalToMicros, microsToMinorUnits } from "../money.ts";
import { type AdPlatform, type AmountChange, PlatformError } from "../platform.ts";
import { metaError } from "./meta-errors.ts";
import { noteMetaUsage, withMetaUsage } from "./meta-usage.ts";

/** Where and as whom the Meta Marketing API is called. */
export interface MetaConfig {
  /** A system user's or user's access token with `ads_management`. A secret. */
  accessToken: string;
  /** Graph API root; default `https://graph.facebook.com` (a local server in tests). */
  graphUrl?: string;
}

/**
 * The SDK's API object, pointed at `graphUrl` through the one seam the SDK has: `call`'s URL
 * override, which every object method leaves empty (the SDK would otherwise use its fixed
 * `graph.facebook.com`). Its crash reporter, which installs a process-wide handler that posts
 * errors to Meta, is left off.
 */
class PointedFacebookAdsApi extends FacebookAdsApi {
  readonly #graphUrl: string;

  constructor(accessToken: string, graphUrl: string) {
    super(accessToken, "en_US", false);
    this.#graphUrl = graphUrl;
    // Each answer's headers come with its data: their usage is noted, then they are taken off.
    this.setShowHeader(true);
  }

  override call<T>(
    method: string,
    path: string | string[],
    params?: Record<string, unknown>,
    files?: Record<string, unknown>,
    useMultipartFormData?: boolean,
    urlOverride?: string,
  ): Promise<T> {
    return super
      .call<T>(method, path, params, files, useMultipartFormData, urlOverride || this.#graphUrl)
      .then((data) => {
        const withHeaders = data as { headers?: Record<string, unknown> } | null;
        if (withHeaders && typeof withHeaders === "object" && withHeaders.headers) {
          noteMetaUsage(withHeaders.headers);
          delete withHeaders.headers;
        }
        return data;
      });
  }
}

/**
 * The Meta Marketing API behind SyncFlow's interface, through the official
 * `facebook-nodejs-business-sdk`: an ad set's `bid_amount` or `daily_budget` set by a POST to the
 * ad set (in the ad account's minor units, converted from micros exactly; each account's currency
 * read once), spend read from the ad set's Insights. The SDK takes no abort signal: the caller's
 * timeout gives up on a call without cancelling its request.
 */
export function metaPlatform(config: MetaConfig): AdPlatform {
  if (!config.accessToken) throw new Error("accessToken: required");
  const api = new PointedFacebookAdsApi(
    config.accessToken,
    (config.graphUrl ?? "https://graph.facebook.com").replace(/\/+$/, ""),
  );
  const currencies = new Map<string, Promise<string>>();
  const currencyOf = (account: string): Promise<string> => {
    if (!/^act_\d+$/.test(account))
      throw new RangeError(`account: expected a Meta ad account id like act_123, got "${account}"`);
    let c = currencies.get(account);
    if (!c) {
      c = new AdAccount(account, {}, undefined, api)
        .get(["currency"])
        .then((a) => String((a as unknown as { currency: unknown }).currency));
      c.catch(() => currencies.delete(account));
      currencies.set(account, c);
    }
    return c;
  };
  const adSetId = (id: string): string => {
    if (!/^\d+$/.test(id)) throw new RangeError(`adSetId: expected digits, got "${id}"`);
    return id;
  };
  /** The ad set and the amount in the account's minor units a change sets. */
  const planned = async (change: AmountChange) => {
    const t = change.target;
    if (t.kind !== "ad_set_bid" && t.kind !== "ad_set_daily_budget")
      throw new PlatformError("meta", "rejected", `target kind ${t.kind} is not a Meta object`);
    const id = adSetId(t.adSetId);
    try {
      const currency = await currencyOf(change.account);
      return { id, t, minor: microsToMinorUnits(change.amountMicros, currency) };
    } catch (err) {
      throw err instanceof PlatformError || err instanceof RangeError ? err : metaError(err);
    }
  };
  return {
    id: "meta",
    async checkChange(change) {
      await planned(change);
    },
    setAmount(change) {
      return withMetaUsage(async () => {
        const { id, t, minor } = await planned(change);
        try {
          const field = t.kind === "ad_set_bid" ? "bid_amount" : "daily_budget";
          const res = (await new AdSet(id, {}, undefined, api).update([], { [field]: minor })) as {
            success?: boolean;
          };
          if (res?.success !== true)
            throw new PlatformError("meta", "unavailable", `ad set ${id}: update not confirmed`);
          return { externalId: id };
        } catch (err) {
          throw err instanceof PlatformError || err instanceof RangeError ? err : metaError(err);
        }
      });
    },
    readSpend(q) {
      return withMetaUsage(async () => {
        try {
          await currencyOf(q.account);
          const rows = await new AdSet(adSetId(q.objectId), {}, undefined, api).getInsights(
            ["spend"],
            {
              time_range: { since: q.since, until: q.until },
            },
          );
          let spendMicros = 0;
          for (const row of rows as unknown as { spend?: string }[])
            spendMicros += decimalToMicros(row.spend ?? "0", "spend");
          return { spendMicros };
        } catch (err) {
          throw err instanceof PlatformError || err instanceof RangeError ? err : metaError(err);
        }
      });
    },
    async verify() {
      try {
        const me = await api.call<{ id?: unknown; name?: unknown }>("GET", ["me"], {
          fields: "id,name",
        });
        if (typeof me?.id !== "string")
          throw new PlatformError("meta", "unavailable", "/me answered without an id");
        return { identity: typeof me.name === "string" ? `${me.name} (${me.id})` : me.id };
      } catch (err) {
        throw err instanceof PlatformError ? err : metaError(err);
      }
    },
  };
}
