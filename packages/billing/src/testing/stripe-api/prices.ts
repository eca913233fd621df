import type Stripe from "stripe";
import { invalidParam, missingParam } from "./errors.ts";
import { emit, emitUpdated, snapshot } from "./events.ts";
import { listOf } from "./list.ts";
import { mergeMetadata, type Params } from "./params.ts";
import { LIST_PARAMS, type Route, type RouteContext, route } from "./router.ts";
import { must, type StripeState } from "./store.ts";
import { decimal, newId } from "./wire.ts";

const INTERVALS = ["day", "week", "month", "year"] as const;

/** Prices: create, retrieve, update (`active`, `lookup_key`, …), list (by `lookup_keys[]`, …). */
export function priceRoutes(): Route[] {
  return [
    route(
      "POST",
      "/v1/prices",
      [
        "active",
        "billing_scheme",
        "currency",
        "lookup_key",
        "metadata",
        "nickname",
        "product",
        "product_data",
        "recurring",
        "tax_behavior",
        "transfer_lookup_key",
        "transform_quantity",
        "unit_amount",
        "unit_amount_decimal",
      ],
      createPrice,
    ),
    route("GET", "/v1/prices/:id", [], (ctx) => must(ctx.state.prices, "price", ctx.id)),
    route(
      "POST",
      "/v1/prices/:id",
      ["active", "lookup_key", "metadata", "nickname", "tax_behavior", "transfer_lookup_key"],
      updatePrice,
    ),
    route(
      "GET",
      "/v1/prices",
      [...LIST_PARAMS, "active", "currency", "lookup_keys", "product", "recurring", "type"],
      listPrices,
    ),
  ];
}

function createPrice({ state, params }: RouteContext): Stripe.Price {
  const at = state.realNow();
  const currency = params.required("currency").toLowerCase();
  const productId = params.str("product") ?? createInlineProduct(state, params, at);
  must(state.products, "product", productId, "product");
  const amount = unitAmount(params);
  const recurring = params.obj("recurring");
  const lookupKey = params.str("lookup_key") || null;
  const transform = params.obj("transform_quantity");
  const price: Stripe.Price = {
    id: newId("price"),
    object: "price",
    active: params.bool("active") ?? true,
    billing_scheme: "per_unit",
    created: at,
    currency,
    custom_unit_amount: null,
    livemode: false,
    lookup_key: null,
    metadata: mergeMetadata({}, params.metadata()),
    nickname: params.str("nickname") || null,
    product: productId,
    recurring: recurring === undefined ? null : recurringOf(state, recurring),
    tax_behavior:
      params.oneOf("tax_behavior", ["exclusive", "inclusive", "unspecified"]) ?? "unspecified",
    tiers_mode: null,
    transform_quantity:
      transform === undefined
        ? null
        : {
            divide_by: transform.requiredInt("divide_by"),
            round: transform.oneOf("round", ["up", "down"]) ?? "up",
          },
    type: recurring === undefined ? "one_time" : "recurring",
    unit_amount: Number.isInteger(amount) ? amount : null,
    unit_amount_decimal: decimal(amount),
  };
  if (lookupKey !== null)
    claimLookupKey(state, price, lookupKey, params.bool("transfer_lookup_key"), at);
  state.prices.set(price.id, price);
  emit(state, "price.created", price, at);
  return price;
}

function createInlineProduct(state: StripeState, params: Params, at: number): string {
  const data = params.obj("product_data");
  if (data === undefined) throw missingParam("product");
  const product: Stripe.Product = {
    id: newId("prod", 14),
    object: "product",
    active: data.bool("active") ?? true,
    created: at,
    default_price: null,
    description: null,
    images: [],
    livemode: false,
    marketing_features: [],
    metadata: mergeMetadata({}, data.metadata()),
    name: data.required("name"),
    package_dimensions: null,
    shippable: null,
    statement_descriptor: null,
    tax_code: null,
    tax_details: null,
    type: "service",
    unit_label: null,
    updated: at,
    url: null,
  };
  state.products.set(product.id, product);
  emit(state, "product.created", product, at);
  return product.id;
}

function unitAmount(params: Params): number {
  const amount = params.int("unit_amount");
  if (amount !== undefined) {
    if (amount < 0)
      throw invalidParam("unit_amount", "This value must be greater than or equal to 0.");
    return amount;
  }
  const dec = params.str("unit_amount_decimal");
  if (dec !== undefined && dec !== "") {
    const n = Number(dec);
    if (!Number.isFinite(n) || n < 0) {
      throw invalidParam("unit_amount_decimal", `Invalid decimal: ${dec}`);
    }
    return n;
  }
  throw missingParam("unit_amount");
}

function recurringOf(state: StripeState, p: Params): Stripe.Price.Recurring {
  const interval = p.oneOf("interval", INTERVALS);
  if (interval === undefined) throw missingParam(p.name("interval"));
  const usageType = p.oneOf("usage_type", ["licensed", "metered"]) ?? "licensed";
  const meter = p.str("meter") || null;
  if (usageType === "metered" && meter === null) throw missingParam(p.name("meter"));
  if (meter !== null) must(state.meters, "billing meter", meter, p.name("meter"));
  const count = p.int("interval_count") ?? 1;
  if (count < 1)
    throw invalidParam(p.name("interval_count"), "Invalid interval_count: must be at least 1.");
  return {
    interval,
    interval_count: count,
    meter,
    trial_period_days: p.int("trial_period_days") ?? null,
    usage_type: usageType,
  };
}

/** Gives `price` the lookup key, taking it from another price when `transfer` is set. */
function claimLookupKey(
  state: StripeState,
  price: Stripe.Price,
  key: string,
  transfer: boolean | undefined,
  at: number,
): void {
  const holder = [...state.prices.values()].find((p) => p.lookup_key === key && p.id !== price.id);
  if (holder !== undefined) {
    if (transfer !== true) {
      throw invalidParam("lookup_key", `A price (\`${holder.id}\`) already uses that lookup key.`);
    }
    const before = snapshot(holder);
    holder.lookup_key = null;
    emitUpdated(state, "price.updated", holder, before, at);
  }
  price.lookup_key = key;
}

function updatePrice({ state, params, id }: RouteContext): Stripe.Price {
  const price = must(state.prices, "price", id);
  const at = state.realNow();
  const before = snapshot(price);
  const active = params.bool("active");
  if (active !== undefined) price.active = active;
  if (params.has("nickname")) price.nickname = params.str("nickname") || null;
  const tax = params.oneOf("tax_behavior", ["exclusive", "inclusive", "unspecified"]);
  if (tax !== undefined) price.tax_behavior = tax;
  if (params.has("lookup_key")) {
    const key = params.str("lookup_key") ?? "";
    if (key === "") price.lookup_key = null;
    else claimLookupKey(state, price, key, params.bool("transfer_lookup_key"), at);
  }
  price.metadata = mergeMetadata(price.metadata, params.metadata());
  emitUpdated(state, "price.updated", price, before, at);
  return price;
}

/** Lists prices; without `active` only active ones, as Stripe documents. */
function listPrices({ state, params, url }: RouteContext): Stripe.ApiList<Stripe.Price> {
  const active = params.bool("active") ?? true;
  const currency = params.str("currency")?.toLowerCase();
  const keys = params.strings("lookup_keys");
  const product = params.str("product");
  const type = params.oneOf("type", ["one_time", "recurring"]);
  const recurring = params.obj("recurring");
  const interval = recurring?.str("interval");
  const usageType = recurring?.str("usage_type");
  const found = [...state.prices.values()].filter(
    (p) =>
      p.active === active &&
      (currency === undefined || p.currency === currency) &&
      (keys.length === 0 || (p.lookup_key !== null && keys.includes(p.lookup_key))) &&
      (product === undefined || p.product === product) &&
      (type === undefined || p.type === type) &&
      (interval === undefined || p.recurring?.interval === interval) &&
      (usageType === undefined || p.recurring?.usage_type === usageType),
  );
  return listOf(found, params, url);
}

/** The legacy `plan` view of a recurring price, as subscription items carry it. */
export function planOf(price: Stripe.Price): Stripe.Plan {
  const recurring = price.recurring;
  return {
    id: price.id,
    object: "plan",
    active: price.active,
    amount: price.unit_amount,
    amount_decimal: price.unit_amount_decimal,
    billing_scheme: price.billing_scheme,
    created: price.created,
    currency: price.currency,
    interval: recurring?.interval ?? "month",
    interval_count: recurring?.interval_count ?? 1,
    livemode: false,
    metadata: price.metadata,
    meter: recurring?.meter ?? null,
    nickname: price.nickname,
    product: typeof price.product === "string" ? price.product : price.product.id,
    tiers_mode: null,
    transform_usage: price.transform_quantity,
    trial_period_days: recurring?.trial_period_days ?? null,
    usage_type: recurring?.usage_type ?? "licensed",
  };
}

/** The name of a price's product, as invoice lines print it. */
export function productName(state: StripeState, price: Stripe.Price): string {
  return state.products.get(productOf(price))?.name ?? productOf(price);
}

/** The product id of a price. */
export function productOf(price: Stripe.Price): string {
  return typeof price.product === "string" ? price.product : price.product.id;
}

/** The price's unit amount in minor units (a fractional decimal amount is kept as is). */
export function unitAmountOf(price: Stripe.Price): number {
  return price.unit_amount ?? Number(price.unit_amount_decimal?.toString() ?? "0");
}
