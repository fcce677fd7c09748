/** Builds the upstream clients for either mode: the sandbox passes its emulators' URLs here. */
import type { UpstreamConfig } from "../env";
import { createStripeClient, type StripeClient } from "./stripe";
import { createUnkeyClient, type UnkeyClient } from "./unkey";

export { UpstreamError } from "./errors";
export type * from "./types";
export type { UnkeyClient, StripeClient };

export interface Upstream {
  unkey: UnkeyClient;
  stripe: StripeClient;
}

export function createUpstream(
  cfg: UpstreamConfig,
  tuning: { readRetryBudgetMs?: number; timeoutMs?: number; stripeRetries?: number } = {},
): Upstream {
  return {
    unkey: createUnkeyClient({
      rootKey: cfg.unkey.rootKey,
      apiId: cfg.unkey.apiId,
      baseUrl: cfg.unkey.baseUrl,
      ...(tuning.timeoutMs !== undefined ? { timeoutMs: tuning.timeoutMs } : {}),
      ...(tuning.readRetryBudgetMs !== undefined
        ? { readRetryBudgetMs: tuning.readRetryBudgetMs }
        : {}),
    }),
    stripe: createStripeClient({
      secretKey: cfg.stripe.secretKey,
      baseUrl: cfg.stripe.baseUrl,
      ...(tuning.timeoutMs !== undefined ? { timeoutMs: tuning.timeoutMs } : {}),
      ...(tuning.stripeRetries !== undefined ? { maxNetworkRetries: tuning.stripeRetries } : {}),
    }),
  };
}
