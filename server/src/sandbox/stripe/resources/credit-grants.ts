/**
 * Billing credit grants: create, retrieve, list (by customer), expire and void. The console uses
 * promotional grants to make goodwill credits visible in Stripe; they are applied to metered
 * usage in invoice previews (see invoices.ts).
 */
import { z } from "zod";
import { expanded, type Ctx, type Route } from "../context";
import { invalidParam, missingParam, noSuch, StripeError } from "../errors";
import { listPage } from "../pagination";
import { expand, int, metadata, pagination, parseParams, str, unsupported } from "../params";
import type { CreditGrantObject } from "../wire";
import { mergeMetadata, getCustomer } from "./customers";
import { getPrice } from "./prices";

const createSchema = z.strictObject({
  amount: z.strictObject({
    type: z.enum(["monetary"]),
    monetary: z.strictObject({ currency: str(), value: int() }).optional(),
  }),
  applicability_config: z.strictObject({
    scope: z.strictObject({
      price_type: z.enum(["metered"]).optional(),
      prices: z.array(z.strictObject({ id: str() })).optional(),
    }),
  }),
  category: z.enum(["paid", "promotional"]).optional(),
  customer: str().optional(),
  customer_account: unsupported(),
  effective_at: int().optional(),
  expand: expand(),
  expires_at: int().optional(),
  metadata: metadata().optional(),
  name: str().max(100).optional(),
  priority: int().optional(),
});
const retrieveSchema = z.strictObject({ expand: expand() });
const updateSchema = z.strictObject({
  expand: expand(),
  expires_at: z.union([z.literal("").transform(() => null), int()]).optional(),
  metadata: metadata().optional(),
});
const listSchema = z.strictObject({
  ...pagination,
  customer: str().optional(),
  customer_account: unsupported(),
  expand: expand(),
});

function getGrant(ctx: Ctx): CreditGrantObject {
  const id = ctx.pathParams.id ?? "";
  const g = ctx.store.get<CreditGrantObject>(id, "billing.credit_grant");
  if (!g) throw noSuch("credit grant", id, "id", 404);
  return g;
}

function create(ctx: Ctx): CreditGrantObject {
  const p = parseParams(createSchema, ctx.params);
  if (p.customer === undefined) throw missingParam("customer");
  getCustomer(ctx, p.customer, "customer");
  const monetary = p.amount.monetary;
  if (!monetary) throw missingParam("amount[monetary]");
  if (monetary.value <= 0)
    throw invalidParam("amount[monetary][value]", "The amount must be greater than 0.");
  const scope = p.applicability_config.scope;
  if ((scope.price_type === undefined) === (scope.prices === undefined)) {
    throw invalidParam(
      "applicability_config[scope]",
      "You must specify exactly one of applicability_config[scope][price_type] or applicability_config[scope][prices].",
    );
  }
  scope.prices?.forEach((pr, i) =>
    getPrice(ctx, pr.id, `applicability_config[scope][prices][${i}][id]`),
  );
  if (p.priority !== undefined && (p.priority < 1 || p.priority > 100)) {
    throw invalidParam("priority", "Invalid priority: must be between 1 and 100.");
  }
  const effective = p.effective_at ?? null;
  if (p.expires_at !== undefined && p.expires_at <= (effective ?? ctx.now)) {
    throw invalidParam("expires_at", "expires_at must be after effective_at.");
  }
  const { id, seq } = ctx.store.newId("credgr");
  const grant: CreditGrantObject = {
    id,
    object: "billing.credit_grant",
    amount: {
      monetary: { currency: monetary.currency.toLowerCase(), value: monetary.value },
      type: "monetary",
    },
    applicability_config: {
      scope: scope.prices
        ? { prices: scope.prices.map((x) => ({ id: x.id })) }
        : { price_type: "metered" },
    },
    category: p.category ?? "paid",
    created: ctx.now,
    customer: p.customer,
    customer_account: null,
    effective_at: effective ?? ctx.now,
    expires_at: p.expires_at ?? null,
    livemode: false,
    metadata: p.metadata ?? {},
    name: p.name ?? null,
    priority: p.priority ?? 50,
    test_clock: null,
    updated: ctx.now,
    voided_at: null,
  };
  ctx.store.insert(grant, seq, p.customer);
  return expanded(grant, p.expand, ctx.store);
}

function retrieve(ctx: Ctx): CreditGrantObject {
  const p = parseParams(retrieveSchema, ctx.params);
  return expanded(getGrant(ctx), p.expand, ctx.store);
}

function update(ctx: Ctx): CreditGrantObject {
  const p = parseParams(updateSchema, ctx.params);
  const g = getGrant(ctx);
  if (p.expires_at !== undefined) g.expires_at = p.expires_at;
  g.metadata = mergeMetadata(g.metadata, p.metadata);
  g.updated = ctx.now;
  ctx.store.update(g, customerId(g));
  return expanded(g, p.expand, ctx.store);
}

const customerId = (g: CreditGrantObject): string =>
  typeof g.customer === "string" ? g.customer : g.customer.id;

function expire(ctx: Ctx): CreditGrantObject {
  const p = parseParams(retrieveSchema, ctx.params);
  const g = getGrant(ctx);
  if (g.expires_at !== null && g.expires_at <= ctx.now) {
    throw new StripeError(400, { message: "This credit grant has already expired." });
  }
  g.expires_at = ctx.now;
  g.updated = ctx.now;
  ctx.store.update(g, customerId(g));
  return expanded(g, p.expand, ctx.store);
}

function voidGrant(ctx: Ctx): CreditGrantObject {
  const p = parseParams(retrieveSchema, ctx.params);
  const g = getGrant(ctx);
  if (g.voided_at !== null)
    throw new StripeError(400, { message: "This credit grant has already been voided." });
  g.voided_at = ctx.now;
  g.updated = ctx.now;
  ctx.store.update(g, customerId(g));
  return expanded(g, p.expand, ctx.store);
}

function list(ctx: Ctx) {
  const p = parseParams(listSchema, ctx.params);
  if (p.customer !== undefined) getCustomer(ctx, p.customer, "customer");
  const all = ctx.store.list<CreditGrantObject>("billing.credit_grant", p.customer);
  return expanded(
    listPage(all, p, "/v1/billing/credit_grants", "credit grant"),
    p.expand,
    ctx.store,
  );
}

/** Grants usable at `at`: effective, not expired, not voided. */
export function activeGrants(ctx: Ctx, customer: string, at: number): CreditGrantObject[] {
  return ctx.store
    .list<CreditGrantObject>("billing.credit_grant", customer)
    .filter(
      (g) =>
        g.voided_at === null &&
        (g.effective_at === null || g.effective_at <= at) &&
        (g.expires_at === null || g.expires_at > at),
    );
}

export const creditGrantRoutes: Route[] = [
  { method: "POST", path: "/v1/billing/credit_grants", handler: create },
  { method: "GET", path: "/v1/billing/credit_grants", handler: list },
  { method: "GET", path: "/v1/billing/credit_grants/:id", handler: retrieve },
  { method: "POST", path: "/v1/billing/credit_grants/:id", handler: update },
  { method: "POST", path: "/v1/billing/credit_grants/:id/expire", handler: expire },
  { method: "POST", path: "/v1/billing/credit_grants/:id/void", handler: voidGrant },
];
