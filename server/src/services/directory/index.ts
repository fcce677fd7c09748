/**
 * Wires the directory into the app's dependencies: the analytics gateway (query budget + cache)
 * over Unkey, and the directory service (scheduled sync, refreshes, status).
 */
import { createAnalyticsGateway } from "../../analytics/gateway";
import type { AppDeps } from "../../context";
import { UpstreamError } from "../../upstream/errors";
import { createDirectoryService } from "./service";
import type { SyncOptions } from "./sync";

export type BaseDeps = Omit<AppDeps, "analytics" | "directory">;

export function attachDirectory(
  base: BaseDeps,
  opts: { sync?: Omit<SyncOptions, "signal"> } = {},
): AppDeps {
  const analytics = createAnalyticsGateway({
    // Looked up per call: tests may build deps before choosing an upstream.
    run: (sql) => base.upstream.unkey.getVerifications(sql),
    now: base.now,
    budget: {
      perHour: base.config.directory.analyticsPerHour,
      reserve: base.config.directory.analyticsReserve,
    },
    rateLimited: (err) =>
      err instanceof UpstreamError && err.service === "unkey" && err.kind === "rate_limited"
        ? (err.retryAfterMs ?? 60_000)
        : null,
  });
  const deps = { ...base, analytics } as AppDeps;
  deps.directory = createDirectoryService(deps, {
    intervalMs: base.config.directory.syncIntervalMs,
    ...(opts.sync ? { sync: opts.sync } : {}),
  });
  return deps;
}

export { refreshCustomer, runFullSync } from "./sync";
