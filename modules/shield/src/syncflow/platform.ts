/** The ad platforms SyncFlow bids on. */
export type PlatformId = "google_ads" | "meta";

/**
 * What a bid sets, on which platform object. Every target is set to an absolute amount, so
 * sending the same change twice leaves the platform as sending it once: these mutations are
 * idempotent and safe to retry.
 */
export type BidTarget =
  /** Google Ads: an ad group's default max CPC (`AdGroup.cpc_bid_micros`). */
  | { kind: "ad_group_cpc"; adGroupId: string }
  /** Google Ads: a keyword's max CPC (`AdGroupCriterion.cpc_bid_micros`). */
  | { kind: "keyword_cpc"; adGroupId: string; criterionId: string }
  /** Google Ads: a campaign budget's daily amount (`CampaignBudget.amount_micros`). */
  | { kind: "campaign_budget"; budgetId: string }
  /** Meta: an ad set's bid cap or cost target (`bid_amount`, in the account's minor units). */
  | { kind: "ad_set_bid"; adSetId: string }
  /** Meta: an ad set's daily budget (`daily_budget`, in the account's minor units). */
  | { kind: "ad_set_daily_budget"; adSetId: string };

/** One change to send: an account on a platform, a target in it, an amount in micros. */
export interface AmountChange {
  /** The platform's account: a Google Ads customer id (digits), a Meta ad account id (`act_…`). */
  account: string;
  target: BidTarget;
  /** The amount to set, integer micros of the account's currency. */
  amountMicros: number;
}

/** What the platform answered for an accepted change. */
export interface AcceptedChange {
  /** The platform's name for the object changed (a resource name, an ad set id). */
  externalId: string;
  /** How much of its rate limits the call's answer said is used (Meta), when it said. */
  usage?: PlatformUsage;
}

/**
 * How much of a rate limit an account's calls have used, as the platform reports it with answers
 * that succeeded (Meta's `X-Business-Use-Case-Usage`, `X-Ad-Account-Usage`, `X-App-Usage`): the
 * lane slows the account down before the platform throttles it.
 */
export interface PlatformUsage {
  /** The highest share of any limit used, percent (100: the next calls are throttled). */
  percent: number;
  /** When the limit's window frees up again, ms from the answer, when the platform says. */
  resetMs: number | null;
}

/** A spend read: what an object spent over a period, as the platform reports it. */
export interface SpendQuery {
  account: string;
  /** Google Ads: a campaign id; Meta: an ad set id. */
  objectId: string;
  /** Inclusive UTC dates, `YYYY-MM-DD`. */
  since: string;
  until: string;
}

/**
 * One ad platform behind SyncFlow's one interface. Each method sends one request (no retries
 * of its own: the caller's policy decides) and throws `PlatformError` for anything but success.
 */
export interface AdPlatform {
  readonly id: PlatformId;
  /** Sets an absolute amount (idempotent). */
  setAmount(change: AmountChange, signal?: AbortSignal): Promise<AcceptedChange>;
  /**
   * Refuses, before anything is checked or reserved, a change the platform would refuse for its
   * shape: a target of another platform, an amount that is not a whole number of the account
   * currency's minor units (Meta reads the account's currency once for this).
   * @throws RangeError naming the field; PlatformError when the account could not be read.
   */
  checkChange(change: AmountChange, signal?: AbortSignal): Promise<void>;
  /** Reads spend, in integer micros (a read: safe to retry). */
  readSpend(
    query: SpendQuery,
    signal?: AbortSignal,
  ): Promise<{ spendMicros: number; usage?: PlatformUsage }>;
  /**
   * Asks the platform whether these credentials work (a read): Google Ads lists the customers
   * they reach, Meta names the user or system user they belong to.
   * @returns what the platform calls the grant (a person or system user, a list of accounts).
   */
  verify(signal?: AbortSignal): Promise<{ identity: string }>;
}

/** What a rate limit covers (`PlatformError.limitScope`). */
export type LimitScope = "account" | "platform" | "app";

/** The client each tenant's calls to a platform go through: the tenant's own credentials. */
export interface TenantPlatforms {
  /** The client for `tenantId`'s calls to `platform`, or null when it has no credentials there. */
  forTenant(tenantId: string, platform: PlatformId): Promise<AdPlatform | null>;
}

/** The same clients for every tenant (one tenant's install, benchmarks, tests). */
export function samePlatforms(platforms: Partial<Record<PlatformId, AdPlatform>>): TenantPlatforms {
  return { forTenant: async (_tenantId, platform) => platforms[platform] ?? null };
}

/**
 * An allowed bid not sent because the gate stopped it while it waited (a kill switch turned on);
 * `reservation` says, as on `PlatformError`, whether its reservation was given back.
 */
export class BidStoppedError extends Error {
  override readonly name = "BidStoppedError";
  reservation: "released" | "kept" | undefined;

  constructor(why: string) {
    super(`not sent: ${why} after the bid was allowed`);
  }
}

/** A bid or read for a platform the tenant has no credentials for (nothing was checked or sent). */
export class MissingCredentialsError extends Error {
  override readonly name = "MissingCredentialsError";
  readonly platform: PlatformId;

  constructor(platform: PlatformId) {
    super(
      `this tenant has no ${platform} credentials: connect them with PUT /shield/platforms/${platform}/credentials (docs/shield.md, "Ad-platform credentials")`,
    );
    this.platform = platform;
  }
}

/** Why a platform call failed, as SyncFlow acts on it. */
export type PlatformErrorKind =
  /** The platform's rate limit or quota: wait (`retryAfterMs` when it said how long). */
  | "rate_limited"
  /** The platform failed or could not be reached (5xx, network, transient errors). */
  | "unavailable"
  /** The call took longer than its timeout. */
  | "timeout"
  /** Credentials refused or missing permission. */
  | "auth"
  /** The platform refused the request itself (bad id, invalid amount): sending again won't help. */
  | "rejected";

/**
 * A failed platform call. `retryable` says whether the same request may succeed later; only
 * `rate_limited`, `unavailable` and `timeout` count toward opening the platform's circuit (a
 * rejected bid says nothing about the platform's health).
 */
export class PlatformError extends Error {
  override readonly name = "PlatformError";
  readonly platform: PlatformId;
  readonly kind: PlatformErrorKind;
  /** The HTTP status, when there was a response. */
  readonly status: number | undefined;
  /** The platform's error code (`quotaError: RESOURCE_EXHAUSTED`, `17/2446079`). */
  readonly code: string | undefined;
  /** How long the platform asked to wait, ms. */
  readonly retryAfterMs: number | undefined;
  /** The platform's request id, for its support. */
  readonly requestId: string | undefined;
  /**
   * What a rate limit covers: this account; every account the tenant's credentials call for
   * (`platform`: Meta's app and user limits); or every tenant's calls through the install's own
   * app credentials (`app`: Google Ads' developer-token quota, the developer token being the
   * install's).
   */
  readonly limitScope: LimitScope | undefined;
  /**
   * Set by the bidder for an allowed bid that failed: `released` when the bid certainly never took
   * effect and its reservation was given back, `kept` when an attempt may have reached the
   * platform (a timeout, a 5xx) or the release failed, so the campaign's budget still counts it.
   */
  reservation: "released" | "kept" | undefined;

  constructor(
    platform: PlatformId,
    kind: PlatformErrorKind,
    message: string,
    extra: {
      status?: number;
      code?: string;
      retryAfterMs?: number;
      requestId?: string;
      limitScope?: LimitScope;
      cause?: unknown;
    } = {},
  ) {
    super(`${platform}: ${message}`, { cause: extra.cause });
    this.platform = platform;
    this.kind = kind;
    this.status = extra.status;
    this.code = extra.code;
    this.retryAfterMs = extra.retryAfterMs;
    this.requestId = extra.requestId;
    this.limitScope = extra.limitScope;
  }

  get retryable(): boolean {
    return this.kind === "rate_limited" || this.kind === "unavailable" || this.kind === "timeout";
  }
}
