/**
 * Prices: create (one-time or recurring; `usage_type: metered` prices must name a billing meter,
 * as they must since API version 2025-03-31), `lookup_key` (unique; `transfer_lookup_key` moves
 * it), retrieve, list (`lookup_keys[]`, product, active, type, currency, recurring filters).
 */
import { z } from "zod";
import { expanded, type Ctx, type Route } from "../context";
import { invalidParam, missingParam, noSuch, StripeError } from "../errors";
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
import type { Interval } from "../periods";
import type { PlanObject, PriceObject } from "../wire";

export const recurringSchema = () =>
  z.strictObject({
    interval: z.enum(["day", "week", "month", "year"]),
    interval_count: int().optional(),
    meter: str().optional(),
    usage_type: z.enum(["licensed", "metered"]).optional(),
    trial_period_days: int().optional(),
  });

const createSchema = z.strictObject({
  currency: str(),
  active: bool().optional(),
  billing_scheme: z.enum(["per_unit"]).optional(),
  expand: expand(),
  lookup_key: str().max(200).optional(),
  metadata: metadata().optional(),
  nickname: str().optional(),
  product: str().optional(),
  product_data: z
    .strictObject({
      name: str(),
      active: bool().optional(),
      id: str().optional(),
      metadata: metadata().optional(),
      statement_descriptor: str().optional(),
      tax_code: str().optional(),
      unit_label: str().optional(),
      tax_details: unsupported(),
    })
    .optional(),
  recurring: recurringSchema().optional(),
  tax_behavior: z.enum(["exclusive", "inclusive", "unspecified"]).optional(),
  transfer_lookup_key: bool().optional(),
  unit_amount: int().optional(),
  unit_amount_decimal: decimal().optional(),
  currency_options: unsupported(),
  custom_unit_amount: unsupported(),
  tiers: unsupported(),
  tiers_mode: unsupported(),
  transform_quantity: unsupported(),
});
const retrieveSchema = z.strictObject({ expand: expand() });
const listSchema = z.strictObject({
  ...pagination,
  active: bool().optional(),
  created: range().optional(),
  currency: str().optional(),
  expand: expand(),
  lookup_keys: z.array(str()).optional(),
  product: str().optional(),
  recurring: z
    .strictObject({
      interval: z.enum(["day", "week", "month", "year"]).optional(),
      meter: str().optional(),
      usage_type: z.enum(["licensed", "metered"]).optional(),
    })
    .optional(),
  type: z.enum(["one_time", "recurring"]).optional(),
});

export interface PriceInput {
  currency: string;
  unit_amount?: number | undefined;
  unit_amount_decimal?: string | undefined;
  recurring?: z.output<ReturnType<typeof recurringSchema>> | undefined;
  metadata?: Record<string, string> | null | undefined;
  tax_behavior?: "exclusive" | "inclusive" | "unspecified" | undefined;
  lookup_key?: string | undefined;
  transfer_lookup_key?: boolean | undefined;
  nickname?: string | undefined;
  active?: boolean | undefined;
  /** Where these fields sit in the request (`default_price_data`), for error params. */
  paramPrefix?: string;
}

export function getPrice(
  ctx: Ctx,
  id: string,
  param: string,
  status: 400 | 404 = 400,
): PriceObject {
  const p = ctx.store.get<PriceObject>(id, "price");
  if (!p) throw noSuch("price", id, param, status);
  return p;
}

/** Amount per unit in the currency's minor unit, fractional for `unit_amount_decimal` prices. */
export function unitAmount(price: PriceObject): number {
  if (price.unit_amount_decimal !== null) return Number(price.unit_amount_decimal);
  return price.unit_amount ?? 0;
}

export function createPriceFor(ctx: Ctx, productId: string, input: PriceInput): PriceObject {
  const at = (name: string) => (input.paramPrefix ? `${input.paramPrefix}[${name}]` : name);
  if (!/^[a-zA-Z]{3}$/.test(input.currency)) {
    throw invalidParam(at("currency"), `Invalid currency: ${input.currency}.`);
  }
  if (input.unit_amount !== undefined && input.unit_amount_decimal !== undefined) {
    throw invalidParam(
      at("unit_amount"),
      "You may only specify one of these parameters: unit_amount, unit_amount_decimal.",
    );
  }
  if (input.unit_amount === undefined && input.unit_amount_decimal === undefined) {
    throw missingParam(at("unit_amount"));
  }
  if (input.unit_amount !== undefined && input.unit_amount < 0) {
    throw invalidParam(at("unit_amount"), "This value must be greater than or equal to 0.");
  }
  if (input.unit_amount_decimal !== undefined) {
    const frac = input.unit_amount_decimal.split(".")[1] ?? "";
    if (frac.length > 12 || Number(input.unit_amount_decimal) < 0) {
      throw invalidParam(
        at("unit_amount_decimal"),
        "Invalid unit_amount_decimal: must be a non-negative decimal with at most 12 decimal places.",
      );
    }
  }
  const r = input.recurring;
  let recurring: PriceObject["recurring"] = null;
  if (r) {
    const usageType = r.usage_type ?? "licensed";
    const count = r.interval_count ?? 1;
    const maxCount = { day: 1095, week: 156, month: 36, year: 3 }[r.interval];
    if (count < 1 || count > maxCount) {
      throw invalidParam(
        at("recurring[interval_count]"),
        `Invalid recurring[interval_count]: the maximum billing period is three years (${maxCount} ${r.interval}s).`,
      );
    }
    if (usageType === "metered" && r.meter === undefined) {
      // Since 2025-03-31.basil metered prices are always backed by a billing meter.
      throw missingParam(at("recurring[meter]"));
    }
    if (usageType === "licensed" && r.meter !== undefined) {
      throw invalidParam(
        at("recurring[meter]"),
        "A meter can only be set on a price with `recurring[usage_type]=metered`.",
      );
    }
    if (r.meter !== undefined && ctx.store.get(r.meter, "billing.meter") === undefined) {
      throw noSuch("billing meter", r.meter, at("recurring[meter]"));
    }
    recurring = {
      interval: r.interval,
      interval_count: count,
      meter: r.meter ?? null,
      trial_period_days: r.trial_period_days ?? null,
      usage_type: usageType,
    };
  }
  if (input.lookup_key !== undefined) {
    const holder = ctx.store
      .list<PriceObject>("price")
      .find((p) => p.lookup_key === input.lookup_key);
    if (holder) {
      if (!input.transfer_lookup_key) {
        throw new StripeError(400, {
          message: `A price (\`${holder.id}\`) already uses that lookup key.`,
          param: at("lookup_key"),
        });
      }
      holder.lookup_key = null;
      ctx.store.update(holder);
    }
  }
  const decimalAmount = input.unit_amount_decimal ?? String(input.unit_amount ?? 0);
  const wholeAmount = Number.isInteger(Number(decimalAmount)) ? Number(decimalAmount) : null;
  const { id, seq } = ctx.store.newId("price");
  const price: PriceObject = {
    id,
    object: "price",
    active: input.active ?? true,
    billing_scheme: "per_unit",
    created: ctx.now,
    currency: input.currency.toLowerCase(),
    custom_unit_amount: null,
    livemode: false,
    lookup_key: input.lookup_key ?? null,
    metadata: input.metadata ?? {},
    nickname: input.nickname ?? null,
    product: productId,
    recurring,
    tax_behavior: input.tax_behavior ?? "unspecified",
    tiers_mode: null,
    transform_quantity: null,
    type: recurring ? "recurring" : "one_time",
    unit_amount: wholeAmount,
    unit_amount_decimal: decimalAmount,
  };
  ctx.store.insert(price, seq);
  return price;
}

function create(ctx: Ctx): PriceObject {
  const p = parseParams(createSchema, ctx.params);
  if (p.product !== undefined && p.product_data !== undefined) {
    throw invalidParam(
      "product",
      "You may only specify one of these parameters: product, product_data.",
    );
  }
  let productId: string;
  if (p.product !== undefined) {
    // Looked up here rather than through products.ts, which imports this module.
    if (ctx.store.get(p.product, "product") === undefined)
      throw noSuch("product", p.product, "product");
    productId = p.product;
  } else if (p.product_data !== undefined) {
    const d = p.product_data;
    const next = ctx.store.newId("prod");
    productId = d.id ?? next.id;
    ctx.store.insert(
      {
        id: productId,
        object: "product",
        active: d.active ?? true,
        created: ctx.now,
        default_price: null,
        description: null,
        images: [],
        livemode: false,
        marketing_features: [],
        metadata: d.metadata ?? {},
        name: d.name,
        package_dimensions: null,
        shippable: null,
        statement_descriptor: d.statement_descriptor ?? null,
        tax_code: d.tax_code ?? null,
        tax_details: null,
        type: "service",
        unit_label: d.unit_label ?? null,
        updated: ctx.now,
        url: null,
      },
      next.seq,
    );
  } else {
    throw missingParam("product");
  }
  const price = createPriceFor(ctx, productId, {
    currency: p.currency,
    unit_amount: p.unit_amount,
    unit_amount_decimal: p.unit_amount_decimal,
    recurring: p.recurring,
    metadata: p.metadata,
    tax_behavior: p.tax_behavior,
    lookup_key: p.lookup_key,
    transfer_lookup_key: p.transfer_lookup_key,
    nickname: p.nickname,
    active: p.active,
  });
  return expanded(price, p.expand, ctx.store);
}

function retrieve(ctx: Ctx): PriceObject {
  const p = parseParams(retrieveSchema, ctx.params);
  return expanded(getPrice(ctx, ctx.pathParams.id ?? "", "id", 404), p.expand, ctx.store);
}

function list(ctx: Ctx) {
  const p = parseParams(listSchema, ctx.params);
  const all = ctx.store
    .list<PriceObject>("price")
    .filter(
      (x) =>
        (p.active === undefined || x.active === p.active) &&
        (p.currency === undefined || x.currency === p.currency.toLowerCase()) &&
        (p.lookup_keys === undefined ||
          (x.lookup_key !== null && p.lookup_keys.includes(x.lookup_key))) &&
        (p.product === undefined || x.product === p.product) &&
        (p.type === undefined || x.type === p.type) &&
        (p.recurring?.interval === undefined || x.recurring?.interval === p.recurring.interval) &&
        (p.recurring?.meter === undefined || x.recurring?.meter === p.recurring.meter) &&
        (p.recurring?.usage_type === undefined ||
          x.recurring?.usage_type === p.recurring.usage_type) &&
        inRange(x.created, p.created),
    );
  return expanded(listPage(all, p, "/v1/prices", "price"), p.expand, ctx.store);
}

/** The legacy `plan` view of a recurring price that subscription items still carry. */
export function planOf(price: PriceObject): PlanObject {
  const r = price.recurring;
  return {
    id: price.id,
    object: "plan",
    active: price.active,
    amount: price.unit_amount,
    amount_decimal: price.unit_amount_decimal,
    billing_scheme: price.billing_scheme,
    created: price.created,
    currency: price.currency,
    interval: r?.interval ?? "month",
    interval_count: r?.interval_count ?? 1,
    livemode: false,
    metadata: price.metadata,
    meter: r?.meter ?? null,
    nickname: price.nickname,
    product: typeof price.product === "string" ? price.product : price.product.id,
    tiers_mode: null,
    transform_usage: null,
    trial_period_days: r?.trial_period_days ?? null,
    usage_type: r?.usage_type ?? "licensed",
  };
}

export function intervalOf(price: PriceObject): { interval: Interval; count: number } {
  const r = price.recurring;
  return { interval: (r?.interval ?? "month") as Interval, count: r?.interval_count ?? 1 };
}

export const priceRoutes: Route[] = [
  { method: "POST", path: "/v1/prices", handler: create },
  { method: "GET", path: "/v1/prices", handler: list },
  { method: "GET", path: "/v1/prices/:id", handler: retrieve },
];
