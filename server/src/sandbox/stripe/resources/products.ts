/**
 * Products: create (optionally with `default_price_data`), retrieve, list (active, ids, type,
 * shippable, url, created).
 */
import { z } from "zod";
import { expanded, type Ctx, type Route } from "../context";
import { noSuch, StripeError } from "../errors";
import { listPage } from "../pagination";
import {
  bool,
  decimal,
  expand,
  inRange,
  int,
  metadata,
  pagination,
  parseParams,
  range,
  str,
  unsupported,
} from "../params";
import type { ProductObject } from "../wire";
import { createPriceFor, recurringSchema } from "./prices";

const createSchema = z.strictObject({
  name: str().min(1),
  active: bool().optional(),
  default_price_data: z
    .strictObject({
      currency: str(),
      unit_amount: int().optional(),
      unit_amount_decimal: decimal().optional(),
      recurring: recurringSchema().optional(),
      metadata: metadata().optional(),
      tax_behavior: z.enum(["exclusive", "inclusive", "unspecified"]).optional(),
      currency_options: unsupported(),
      custom_unit_amount: unsupported(),
    })
    .optional(),
  description: str().optional(),
  expand: expand(),
  id: str()
    .regex(/^[A-Za-z0-9_-]+$/, "stripe:id")
    .optional(),
  images: z.array(str()).optional(),
  marketing_features: z.array(z.strictObject({ name: str() })).optional(),
  metadata: metadata().optional(),
  shippable: bool().optional(),
  statement_descriptor: str().optional(),
  tax_code: str().optional(),
  type: z.enum(["good", "service"]).optional(),
  unit_label: str().optional(),
  url: str().optional(),
  package_dimensions: unsupported(),
  tax_details: unsupported(),
});
const retrieveSchema = z.strictObject({ expand: expand() });
const listSchema = z.strictObject({
  ...pagination,
  active: bool().optional(),
  created: range().optional(),
  expand: expand(),
  ids: z.array(str()).optional(),
  shippable: bool().optional(),
  type: z.enum(["good", "service"]).optional(),
  url: str().optional(),
});

export function getProduct(
  ctx: Ctx,
  id: string,
  param: string,
  status: 400 | 404 = 400,
): ProductObject {
  const p = ctx.store.get<ProductObject>(id, "product");
  if (!p) throw noSuch("product", id, param, status);
  return p;
}

function create(ctx: Ctx): ProductObject {
  const p = parseParams(createSchema, ctx.params);
  const next = ctx.store.newId("prod");
  const id = p.id ?? next.id;
  if (p.id !== undefined && ctx.store.get(p.id) !== undefined) {
    throw new StripeError(400, {
      code: "resource_already_exists",
      message: "Product already exists.",
      param: "id",
    });
  }
  const product: ProductObject = {
    id,
    object: "product",
    active: p.active ?? true,
    created: ctx.now,
    default_price: null,
    description: p.description ?? null,
    images: p.images ?? [],
    livemode: false,
    marketing_features: p.marketing_features ?? [],
    metadata: p.metadata ?? {},
    name: p.name,
    package_dimensions: null,
    shippable: p.shippable ?? null,
    statement_descriptor: p.statement_descriptor ?? null,
    tax_code: p.tax_code ?? null,
    tax_details: null,
    type: p.type ?? "service",
    unit_label: p.unit_label ?? null,
    updated: ctx.now,
    url: p.url ?? null,
  };
  ctx.store.insert(product, next.seq);
  if (p.default_price_data) {
    const d = p.default_price_data;
    const price = createPriceFor(ctx, product.id, {
      currency: d.currency,
      unit_amount: d.unit_amount,
      unit_amount_decimal: d.unit_amount_decimal,
      recurring: d.recurring,
      metadata: d.metadata ?? undefined,
      tax_behavior: d.tax_behavior,
      paramPrefix: "default_price_data",
    });
    product.default_price = price.id;
    ctx.store.update(product);
  }
  return expanded(product, p.expand, ctx.store);
}

function retrieve(ctx: Ctx): ProductObject {
  const p = parseParams(retrieveSchema, ctx.params);
  return expanded(getProduct(ctx, ctx.pathParams.id ?? "", "id", 404), p.expand, ctx.store);
}

function list(ctx: Ctx) {
  const p = parseParams(listSchema, ctx.params);
  const all = ctx.store
    .list<ProductObject>("product")
    .filter(
      (x) =>
        (p.active === undefined || x.active === p.active) &&
        (p.ids === undefined || p.ids.includes(x.id)) &&
        (p.shippable === undefined || x.shippable === p.shippable) &&
        (p.type === undefined || x.type === p.type) &&
        (p.url === undefined || x.url === p.url) &&
        inRange(x.created, p.created),
    );
  return expanded(listPage(all, p, "/v1/products", "product"), p.expand, ctx.store);
}

export const productRoutes: Route[] = [
  { method: "POST", path: "/v1/products", handler: create },
  { method: "GET", path: "/v1/products", handler: list },
  { method: "GET", path: "/v1/products/:id", handler: retrieve },
];
