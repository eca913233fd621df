import type Stripe from "stripe";
import { badRequest, invalidParam } from "./errors.ts";
import { emit, emitUpdated, snapshot } from "./events.ts";
import { listOf } from "./list.ts";
import { mergeMetadata } from "./params.ts";
import { LIST_PARAMS, type Route, type RouteContext, route } from "./router.ts";
import { must } from "./store.ts";
import { newId } from "./wire.ts";

const WRITABLE = [
  "active",
  "description",
  "metadata",
  "name",
  "statement_descriptor",
  "unit_label",
  "url",
];

/** Products: create (with a caller-given `id` or a `prod_…`), retrieve, update, list, delete. */
export function productRoutes(): Route[] {
  return [
    route("POST", "/v1/products", [...WRITABLE, "id", "images", "shippable"], createProduct),
    route("GET", "/v1/products/:id", [], (ctx) => must(ctx.state.products, "product", ctx.id)),
    route("POST", "/v1/products/:id", [...WRITABLE, "default_price"], updateProduct),
    route("DELETE", "/v1/products/:id", [], ({ state, id }) => {
      const product = must(state.products, "product", id);
      if ([...state.prices.values()].some((p) => p.product === id)) {
        throw badRequest(
          "This product cannot be deleted because it has one or more user-created prices.",
        );
      }
      state.products.delete(id);
      emit(state, "product.deleted", product, state.realNow());
      const deleted: Stripe.DeletedProduct = { id, object: "product", deleted: true };
      return deleted;
    }),
    route("GET", "/v1/products", [...LIST_PARAMS, "active", "ids", "shippable", "url"], (ctx) => {
      const active = ctx.params.bool("active");
      const ids = ctx.params.strings("ids");
      const found = [...ctx.state.products.values()].filter(
        (p) =>
          (active === undefined || p.active === active) && (ids.length === 0 || ids.includes(p.id)),
      );
      return listOf(found, ctx.params, ctx.url);
    }),
  ];
}

function createProduct({ state, params }: RouteContext): Stripe.Product {
  const id = params.str("id") ?? newId("prod", 14);
  if (state.products.has(id)) {
    throw invalidParam("id", "Product already exists.", "resource_already_exists");
  }
  const at = state.realNow();
  const product: Stripe.Product = {
    id,
    object: "product",
    active: params.bool("active") ?? true,
    created: at,
    default_price: null,
    description: params.str("description") || null,
    images: params.strings("images"),
    livemode: false,
    marketing_features: [],
    metadata: mergeMetadata({}, params.metadata()),
    name: params.required("name"),
    package_dimensions: null,
    shippable: params.bool("shippable") ?? null,
    statement_descriptor: params.str("statement_descriptor") || null,
    tax_code: null,
    tax_details: null,
    type: "service",
    unit_label: params.str("unit_label") || null,
    updated: at,
    url: params.str("url") || null,
  };
  state.products.set(id, product);
  emit(state, "product.created", product, at);
  return product;
}

function updateProduct({ state, params, id }: RouteContext): Stripe.Product {
  const product = must(state.products, "product", id);
  const before = snapshot(product);
  const at = state.realNow();
  if (params.has("name")) product.name = params.required("name");
  const active = params.bool("active");
  if (active !== undefined) product.active = active;
  if (params.has("description")) product.description = params.str("description") || null;
  if (params.has("statement_descriptor")) {
    product.statement_descriptor = params.str("statement_descriptor") || null;
  }
  if (params.has("unit_label")) product.unit_label = params.str("unit_label") || null;
  if (params.has("url")) product.url = params.str("url") || null;
  const defaultPrice = params.str("default_price");
  if (defaultPrice !== undefined) {
    if (defaultPrice === "") {
      product.default_price = null;
    } else {
      const price = must(state.prices, "price", defaultPrice, "default_price");
      if (price.product !== id) {
        throw invalidParam("default_price", "The default price must belong to this product.");
      }
      product.default_price = price.id;
    }
  }
  product.metadata = mergeMetadata(product.metadata, params.metadata());
  product.updated = at;
  emitUpdated(state, "product.updated", product, before, at);
  return product;
}
