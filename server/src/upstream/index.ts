/** Builds the upstream clients for either mode: the sandbox passes its emulators' URLs here. */
import type { UpstreamConfig } from "../env";
import { createStripeClient, type StripeClient } from "./stripe";
import { createStripeListsClient, type StripeListsClient } from "./stripe-lists";
import { createUnkeyClient, type UnkeyClient } from "./unkey";

export { UpstreamError } from "./errors";
export type * from "./types";
export type { UnkeyClient, StripeClient, StripeListsClient };
export type { StripeDirectoryCustomer, StripeDirectorySubscription } from "./stripe-lists";

export interface Upstream {
  unkey: UnkeyClient;
  stripe: StripeClient;
  /** Directory sync reads (lists, lookup by externalId). */
  stripeLists: StripeListsClient;
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
    stripeLists: createStripeListsClient({
      secretKey: cfg.stripe.secretKey,
      baseUrl: cfg.stripe.baseUrl,
      ...(tuning.timeoutMs !== undefined ? { timeoutMs: tuning.timeoutMs } : {}),
      ...(tuning.stripeRetries !== undefined ? { maxNetworkRetries: tuning.stripeRetries } : {}),
    }),
  };
}
