/**
 * The route table, and fault-rule endpoint names (`METHOD /v1/path` with path ids as `*`).
 */
import type { Method, Route } from "./context";
import { creditGrantRoutes } from "./resources/credit-grants";
import { customerRoutes } from "./resources/customers";
import { invoiceRoutes } from "./resources/invoices";
import { meterEventRoutes } from "./resources/meter-events";
import { meterRoutes } from "./resources/meters";
import { priceRoutes } from "./resources/prices";
import { productRoutes } from "./resources/products";
import { subscriptionRoutes } from "./resources/subscriptions";

interface CompiledRoute extends Route {
  segments: string[];
}

export interface RouteMatch {
  route: Route;
  pathParams: Record<string, string>;
  /** e.g. `POST /v1/customers/*`. */
  endpoint: string;
}

const routes: CompiledRoute[] = [
  ...customerRoutes,
  ...productRoutes,
  ...priceRoutes,
  ...subscriptionRoutes,
  ...meterRoutes,
  ...meterEventRoutes,
  ...creditGrantRoutes,
  ...invoiceRoutes,
].map((r) => ({ ...r, segments: r.path.split("/") }));

const endpointName = (method: string, segments: readonly string[]): string =>
  `${method} ${segments.map((s) => (s.startsWith(":") ? "*" : s)).join("/")}`;

/** Routes are tried in table order, so literal paths (`/v1/customers/search`) listed before
 * parameterized ones (`/v1/customers/:id`) win. */
export function matchRoute(method: string, path: string): RouteMatch | undefined {
  const parts = path.replace(/\/+$/, "").split("/");
  for (const r of routes) {
    if (r.method !== method || r.segments.length !== parts.length) continue;
    const pathParams: Record<string, string> = {};
    let ok = true;
    for (let i = 0; i < parts.length; i++) {
      const seg = r.segments[i] ?? "";
      const part = parts[i] ?? "";
      if (seg.startsWith(":")) {
        if (part === "") {
          ok = false;
          break;
        }
        pathParams[seg.slice(1)] = decodeURIComponent(part);
      } else if (seg !== part) {
        ok = false;
        break;
      }
    }
    if (ok) return { route: r, pathParams, endpoint: endpointName(r.method, r.segments) };
  }
  return undefined;
}

/** A path the sandbox does not route still gets a stable name: segments that look like Stripe
 * ids (`cus_…`, `sub_…`) become `*`. */
export function endpointOf(method: string, path: string): string {
  const m = matchRoute(method, path);
  if (m) return m.endpoint;
  const segments = path
    .replace(/\/+$/, "")
    .split("/")
    .map((s, i) => (i > 2 && s.length >= 10 && /^[a-z]+_[A-Za-z0-9_]*[A-Z0-9]/.test(s) ? "*" : s));
  return `${method} ${segments.join("/")}`;
}

export const isMethod = (m: string): m is Method => m === "GET" || m === "POST" || m === "DELETE";
