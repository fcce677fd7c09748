/**
 * Customers: create, retrieve, update (metadata merges; `""` unsets a key or, for the whole
 * `metadata`, all of them), list (email, created) and search (email, name, phone, metadata,
 * created).
 */
import { createHash } from "node:crypto";
import { z } from "zod";
import { expanded, type Ctx, type Route } from "../context";
import { noSuch } from "../errors";
import { listPage, searchPage } from "../pagination";
import {
  emptyableStr,
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
import { matchesQuery, parseQuery, validateQuery, type SearchFields } from "../search-query";
import type { CustomerObject } from "../wire";

const address = () =>
  z.union([
    z.literal("").transform(() => null),
    z.strictObject({
      city: str().optional(),
      country: str().optional(),
      line1: str().optional(),
      line2: str().optional(),
      postal_code: str().optional(),
      state: str().optional(),
    }),
  ]);

const writable = {
  address: address().optional(),
  balance: int().optional(),
  business_name: emptyableStr().optional(),
  description: emptyableStr().optional(),
  email: emptyableStr().optional(),
  expand: expand(),
  individual_name: emptyableStr().optional(),
  invoice_prefix: str()
    .regex(/^[A-Z0-9]{3,12}$/, "stripe:invoice_prefix")
    .optional(),
  metadata: metadata().optional(),
  name: emptyableStr().optional(),
  next_invoice_sequence: int().optional(),
  phone: emptyableStr().optional(),
  preferred_locales: z.array(str()).optional(),
  tax_exempt: z.enum(["", "exempt", "none", "reverse"]).optional(),
  // Payment sources, cash balances, tax ids and shipping are outside what the console uses.
  cash_balance: unsupported(),
  invoice_settings: unsupported(),
  shipping: unsupported(),
  source: unsupported(),
  tax: unsupported(),
  validate: unsupported(),
};

const createSchema = z.strictObject({
  ...writable,
  payment_method: unsupported(),
  tax_id_data: unsupported(),
  test_clock: unsupported(),
});
const updateSchema = z.strictObject({ ...writable, default_source: unsupported() });
const retrieveSchema = z.strictObject({ expand: expand() });
const listSchema = z.strictObject({
  ...pagination,
  created: range().optional(),
  email: str().optional(),
  expand: expand(),
  test_clock: unsupported(),
});
const searchSchema = z.strictObject({
  query: str(),
  limit: pagination.limit,
  page: str().optional(),
  expand: expand(),
});

type Writable = z.output<typeof updateSchema>;

const emptyAddress = (): NonNullable<CustomerObject["address"]> => ({
  city: null,
  country: null,
  line1: null,
  line2: null,
  postal_code: null,
  state: null,
});

/** Merge metadata as Stripe does: keys with `""` are removed, `metadata=""` clears everything. */
export function mergeMetadata(
  current: Record<string, string>,
  patch: Record<string, string> | null | undefined,
): Record<string, string> {
  if (patch === undefined) return current;
  if (patch === null) return {};
  const out = { ...current };
  for (const [k, v] of Object.entries(patch)) {
    if (v === "") delete out[k];
    else out[k] = v;
  }
  return out;
}

function applyWritable(c: CustomerObject, p: Writable): void {
  if (p.address !== undefined)
    c.address = p.address === null ? null : { ...emptyAddress(), ...p.address };
  if (p.balance !== undefined) c.balance = p.balance;
  if (p.business_name !== undefined) {
    if (p.business_name === null) delete c.business_name;
    else c.business_name = p.business_name;
  }
  if (p.individual_name !== undefined) {
    if (p.individual_name === null) delete c.individual_name;
    else c.individual_name = p.individual_name;
  }
  if (p.description !== undefined) c.description = p.description;
  if (p.email !== undefined) c.email = p.email;
  if (p.invoice_prefix !== undefined) c.invoice_prefix = p.invoice_prefix;
  if (p.name !== undefined) c.name = p.name;
  if (p.next_invoice_sequence !== undefined) c.next_invoice_sequence = p.next_invoice_sequence;
  if (p.phone !== undefined) c.phone = p.phone;
  if (p.preferred_locales !== undefined) c.preferred_locales = p.preferred_locales;
  if (p.tax_exempt !== undefined) c.tax_exempt = p.tax_exempt === "" ? "none" : p.tax_exempt;
  c.metadata = mergeMetadata(c.metadata, p.metadata);
}

export function getCustomer(
  ctx: Ctx,
  id: string,
  param: string,
  status: 400 | 404 = 400,
): CustomerObject {
  const c = ctx.store.get<CustomerObject>(id, "customer");
  if (!c) throw noSuch("customer", id, param, status);
  return c;
}

function create(ctx: Ctx): CustomerObject {
  const p = parseParams(createSchema, ctx.params);
  const { id, seq } = ctx.store.newId("cus");
  const c: CustomerObject = {
    id,
    object: "customer",
    address: null,
    balance: 0,
    created: ctx.now,
    currency: null,
    default_source: null,
    delinquent: false,
    description: null,
    discount: null,
    email: null,
    // Stripe derives a per-customer invoice prefix; 8 hex characters of the id is as good.
    invoice_prefix: createHash("sha256").update(id).digest("hex").slice(0, 8).toUpperCase(),
    invoice_settings: {
      custom_fields: null,
      default_payment_method: null,
      footer: null,
      rendering_options: null,
    },
    livemode: false,
    metadata: {},
    name: null,
    next_invoice_sequence: 1,
    phone: null,
    preferred_locales: [],
    shipping: null,
    tax_exempt: "none",
    test_clock: null,
  };
  applyWritable(c, p);
  ctx.store.insert(c, seq, c.id);
  return expanded(c, p.expand, ctx.store);
}

function retrieve(ctx: Ctx): CustomerObject {
  const p = parseParams(retrieveSchema, ctx.params);
  return expanded(getCustomer(ctx, ctx.pathParams.id ?? "", "id", 404), p.expand, ctx.store);
}

function update(ctx: Ctx): CustomerObject {
  const p = parseParams(updateSchema, ctx.params);
  const c = getCustomer(ctx, ctx.pathParams.id ?? "", "id", 404);
  applyWritable(c, p);
  ctx.store.update(c, c.id);
  return expanded(c, p.expand, ctx.store);
}

function list(ctx: Ctx) {
  const p = parseParams(listSchema, ctx.params);
  const all = ctx.store
    .list<CustomerObject>("customer")
    // Stripe's list filter on email is exact and case-sensitive (search is the forgiving one).
    .filter((c) => (p.email === undefined || c.email === p.email) && inRange(c.created, p.created));
  const page = listPage(all, p, "/v1/customers", "customer");
  return expanded(page, p.expand, ctx.store);
}

const searchFields: SearchFields<CustomerObject> = {
  created: { kind: "number", get: (c) => c.created },
  email: { kind: "string", get: (c) => c.email },
  metadata: { kind: "metadata", get: (c) => c.metadata },
  name: { kind: "string", get: (c) => c.name },
  phone: { kind: "string", get: (c) => c.phone },
};

function search(ctx: Ctx) {
  const p = parseParams(searchSchema, ctx.params);
  const query = parseQuery(p.query);
  validateQuery(query, searchFields, "customers");
  const matches = ctx.store
    .list<CustomerObject>("customer")
    .filter((c) => matchesQuery(query, c, searchFields));
  const withTotal = p.expand?.includes("total_count") ?? false;
  const page = searchPage(matches, p, "/v1/customers/search", withTotal);
  return expanded(
    page,
    p.expand?.filter((e) => e !== "total_count"),
    ctx.store,
  );
}

export const customerRoutes: Route[] = [
  { method: "POST", path: "/v1/customers", handler: create },
  { method: "GET", path: "/v1/customers", handler: list },
  // Before `/v1/customers/:id`, which would otherwise take "search" as an id.
  { method: "GET", path: "/v1/customers/search", handler: search },
  { method: "GET", path: "/v1/customers/:id", handler: retrieve },
  { method: "POST", path: "/v1/customers/:id", handler: update },
];
