/**
 * Shared wiring for tests that run procedures against the sandbox emulators: a small world by
 * default, SDK clients with retries off (fault tests want to see each fault), and deps whose
 * clock is the emulators' clock (refill periods, burn windows, billing periods).
 */
import type { Config } from "../env";
import { startSandbox } from "../sandbox/index";
import type { RetryPolicy } from "../services/directory/retry";
import { createUpstream, type Upstream } from "../upstream/index";
import { createTestDeps } from "./harness";

export type Sandbox = Awaited<ReturnType<typeof startSandbox>>;

/** Fast retries so fault tests take milliseconds, not seconds. */
export const fastRetry: RetryPolicy = {
  retries: 6,
  minTimeoutMs: 5,
  maxTimeoutMs: 50,
  maxRetryAfterMs: 5_000,
};

/** A sandbox on free ports, no traffic. `customers: "full"` loads the whole demo world. */
export function startTestSandbox(
  opts: { customers?: number | "full"; historyDays?: number; startAt?: string } = {},
) {
  return startSandbox({
    dataDir: null,
    ...(opts.customers === "full"
      ? {}
      : { world: { customers: opts.customers ?? 40, historyDays: opts.historyDays ?? 14 } }),
    traffic: false,
    unkeyPort: 0,
    stripePort: 0,
    ...(opts.startAt ? { startAt: opts.startAt } : {}),
  });
}

/** The real SDK clients pointed at the emulators, with retries off. */
export function sandboxUpstream(sandbox: Sandbox, opts: { timeoutMs?: number } = {}): Upstream {
  return createUpstream(
    {
      unkey: {
        rootKey: sandbox.credentials.unkeyRootKey,
        apiId: sandbox.credentials.unkeyApiId,
        baseUrl: sandbox.unkeyUrl,
      },
      stripe: { secretKey: sandbox.credentials.stripeSecretKey, baseUrl: sandbox.stripeUrl },
    },
    { readRetryBudgetMs: 0, stripeRetries: 0, ...opts },
  );
}

export function depsFor(
  sandbox: Sandbox,
  opts: { retry?: RetryPolicy; config?: Partial<Config>; timeoutMs?: number } = {},
) {
  return createTestDeps({
    upstream: sandboxUpstream(
      sandbox,
      opts.timeoutMs !== undefined ? { timeoutMs: opts.timeoutMs } : {},
    ),
    now: () => sandbox.clock.now(),
    sync: { retry: opts.retry ?? fastRetry },
    ...(opts.config ? { config: opts.config } : {}),
  });
}

/**
 * A small sandbox with its clock frozen, console deps over it, and one completed directory sync:
 * what read-model tests (finance, usage periods) start from. `close` stops both.
 */
export async function startSyncedSandbox(opts: { customers?: number; historyDays?: number } = {}) {
  const sandbox = await startTestSandbox(opts);
  sandbox.clock.freeze();
  const { deps, close } = await depsFor(sandbox);
  const { runFullSync } = await import("../services/directory/index");
  await runFullSync(deps, { retry: fastRetry });
  return {
    sandbox,
    deps,
    async close() {
      await close();
      await sandbox.close();
    },
  };
}

/** A Stripe emulator call from a test (no SDK): throws on an error status. */
export async function stripeCall<T>(
  sandbox: Sandbox,
  method: string,
  path: string,
  params: Record<string, unknown> = {},
): Promise<T> {
  const res = await sandbox.stripe.call(method, path, params);
  if (res.status >= 300) throw new Error(`${method} ${path}: ${JSON.stringify(res.body)}`);
  return res.body as T;
}

/** Sum of the emulator's stored meter events for a customer in [from, to) (unix s), from its table. */
export function storedMeterUsage(sandbox: Sandbox, customer: string, from: number, to: number) {
  const row = sandbox.db
    .prepare(
      `SELECT coalesce(sum(value), 0) AS n FROM stripe_meter_events
       WHERE event_name = ? AND customer = ? AND timestamp >= ? AND timestamp < ?`,
    )
    .get(sandbox.catalog.meter.eventName, customer, from, to) as { n: number };
  return row.n;
}
