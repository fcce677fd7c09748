/**
 * tRPC context, split as in trpc's starters: `createContextInner` holds everything a procedure
 * needs and is what tests call; `createContext` (in app.ts) reads the HTTP request into it.
 */
import type { Logger } from "pino";
import type { AnalyticsGateway } from "./analytics/gateway";
import type { Config } from "./env";
import type { PlanCatalog } from "./plans/catalog";
import type { DirectoryService } from "./services/directory/service";
import type { Repos, Role } from "./store/index";
import type { Upstream } from "./upstream/index";

export interface CookieJar {
  set(name: string, value: string, opts: { httpOnly: boolean; maxAgeMs?: number }): void;
  clear(name: string): void;
}

export interface AppDeps {
  config: Config;
  repos: Repos;
  upstream: Upstream;
  log: Logger;
  now: () => number;
  /** The plan catalog, loaded and validated once at start-up. */
  catalog: PlanCatalog;
  /** Unkey analytics behind the query budget and cache. */
  analytics: AnalyticsGateway;
  /** The directory read model's sync, refreshes and status. */
  directory: DirectoryService;
}

export interface SessionInfo {
  id: string;
  csrfToken: string;
  staff: { id: string; email: string; name: string; role: Role };
}

export interface ContextInput {
  deps: AppDeps;
  session: SessionInfo | null;
  /** Double-submit CSRF: the `x-csrf-token` header and the `csrf_token` cookie of the request. */
  csrf: { header: string | null; cookie: string | null };
  ip: string;
  cookies: CookieJar;
  requestId: string;
}

export function createContextInner(input: ContextInput) {
  return { ...input, log: input.deps.log.child({ reqId: input.requestId }) };
}
export type Context = ReturnType<typeof createContextInner>;
