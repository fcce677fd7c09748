/**
 * What a route handler gets, and the shared `expand[]` implementation. Handlers are synchronous
 * (better-sqlite3 is), run inside one transaction per request, and return the JSON body; they
 * signal failures by throwing StripeError.
 */
import { StripeError } from "./errors";
import type { FormParams } from "./form";
import type { StoredObject, StripeStore } from "./store";

export interface Ctx {
  store: StripeStore;
  /** Request time, unix seconds from the sandbox clock. */
  now: number;
  params: FormParams;
  /** Path parameters by name, e.g. `{ id: "cus_123" }`. */
  pathParams: Record<string, string>;
  /** The request path, used as a list's `url`. */
  path: string;
}

export type Method = "GET" | "POST" | "DELETE";

export interface Route {
  method: Method;
  /** `/v1/customers/:id`: `:name` matches one path segment. */
  path: string;
  handler: (ctx: Ctx) => unknown;
}

/** Fields that hold an object id Stripe can expand, and that the sandbox can resolve. */
const EXPANDABLE = new Set([
  "customer",
  "product",
  "price",
  "default_price",
  "latest_invoice",
  "subscription",
  "invoice",
]);

const MAX_EXPAND_DEPTH = 4;

const notExpandable = (path: string): StripeError =>
  new StripeError(400, { message: `This property cannot be expanded (${path}).`, param: "expand" });

function expandOne(node: unknown, segments: string[], full: string, store: StripeStore): void {
  if (node === null || typeof node !== "object") return;
  if (Array.isArray(node)) {
    for (const n of node) expandOne(n, segments, full, store);
    return;
  }
  const [head, ...rest] = segments;
  if (head === undefined) return;
  const obj = node as Record<string, unknown>;
  if (!Object.hasOwn(obj, head)) throw notExpandable(full);
  let value = obj[head];
  if (typeof value === "string") {
    if (!EXPANDABLE.has(head)) throw notExpandable(full);
    const resolved = store.get(value);
    if (resolved === undefined) throw notExpandable(full);
    obj[head] = resolved;
    value = resolved;
  } else if (rest.length === 0 && (value === null || typeof value === "object")) {
    // Already an object (a subscription item's price) or null (no latest invoice yet): nothing to do,
    // but only for fields that are expandable at all.
    if (!EXPANDABLE.has(head)) throw notExpandable(full);
    return;
  }
  if (rest.length > 0) expandOne(value, rest, full, store);
}

/** Apply `expand[]` paths (`customer`, `items.data.price.product`, `data.customer` on lists). */
export function applyExpand<T>(
  body: T,
  paths: readonly string[] | undefined,
  store: StripeStore,
): T {
  if (!paths || paths.length === 0) return body;
  for (const path of paths) {
    const segments = path.split(".");
    if (segments.length > MAX_EXPAND_DEPTH + 1) {
      throw new StripeError(400, {
        message: `You cannot expand more than ${MAX_EXPAND_DEPTH} levels of a property. Property: ${path}`,
        param: "expand",
      });
    }
    expandOne(body, segments, path, store);
  }
  return body;
}

/** Expansion mutates, so objects are cloned first (the store hands out parsed copies anyway, but
 * nested objects may be shared within one response). */
export function expanded<T extends StoredObject | object>(
  body: T,
  paths: readonly string[] | undefined,
  store: StripeStore,
): T {
  if (!paths || paths.length === 0) return body;
  return applyExpand(structuredClone(body), paths, store);
}
