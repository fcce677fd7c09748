/** Shared wiring for directory tests: a small sandbox world and deps pointed at it. */
import type { Config } from "../../env";
import { startSandbox } from "../../sandbox/index";
import { createTestDeps } from "../../testing/harness";
import { createUpstream } from "../../upstream/index";
import type { RetryPolicy } from "./retry";

export type Sandbox = Awaited<ReturnType<typeof startSandbox>>;

/** Fast retries so fault tests take milliseconds, not seconds. */
export const fastRetry: RetryPolicy = {
  retries: 6,
  minTimeoutMs: 5,
  maxTimeoutMs: 50,
  maxRetryAfterMs: 5_000,
};

export function startSmallSandbox(customers = 40, historyDays = 14) {
  return startSandbox({
    dataDir: null,
    world: { customers, historyDays },
    traffic: false,
    unkeyPort: 0,
    stripePort: 0,
  });
}

export function depsFor(
  sandbox: Sandbox,
  opts: { retry?: RetryPolicy; config?: Partial<Config> } = {},
) {
  return createTestDeps({
    upstream: createUpstream(
      {
        unkey: {
          rootKey: sandbox.credentials.unkeyRootKey,
          apiId: sandbox.credentials.unkeyApiId,
          baseUrl: sandbox.unkeyUrl,
        },
        stripe: { secretKey: sandbox.credentials.stripeSecretKey, baseUrl: sandbox.stripeUrl },
      },
      // Faults must reach the sync's own retry logic, not be absorbed inside the SDKs.
      { readRetryBudgetMs: 0, stripeRetries: 0 },
    ),
    // The emulators' clock is the world's clock (refill periods, burn windows).
    now: () => sandbox.clock.now(),
    sync: { retry: opts.retry ?? fastRetry },
    ...(opts.config ? { config: opts.config } : {}),
  });
}
