/**
 * Stripe list and lookup reads for the directory sync: customers and subscriptions page by page
 * (`starting_after` cursors), and a customer found by its `metadata.unkey_external_id`. Its own
 * SDK instance, configured like `createStripeClient`, with errors mapped the same way.
 */
import Stripe from "stripe";
import { mapStripeError, type StripeClientOptions } from "./stripe";
import type { Page } from "./types";

export interface StripeCustomerSummary {
  id: string;
  name: string | null;
  email: string | null;
  /** `metadata.unkey_external_id`: the fallback link to an Unkey identity. */
  unkeyExternalId: string | null;
  plan: string | null;
}

export interface StripeSubscriptionSummary {
  id: string;
  customerId: string;
  status: string;
}

const meta = (m: Stripe.Metadata | null | undefined, k: string): string | null => {
  const v = m?.[k];
  return typeof v === "string" && v.length > 0 ? v : null;
};

const toCustomer = (c: Stripe.Customer): StripeCustomerSummary => ({
  id: c.id,
  name: c.name ?? null,
  email: c.email ?? null,
  unkeyExternalId: meta(c.metadata, "unkey_external_id"),
  plan: meta(c.metadata, "plan"),
});

const toSubscription = (s: Stripe.Subscription): StripeSubscriptionSummary => ({
  id: s.id,
  customerId: typeof s.customer === "string" ? s.customer : s.customer.id,
  status: s.status,
});

/** Stripe search syntax: a quoted value with backslash and quote escaped. */
export function stripeSearchString(value: string): string {
  return `'${value.replaceAll("\\", "\\\\").replaceAll("'", "\\'")}'`;
}

export function createStripeListsClient(opts: StripeClientOptions) {
  const url = opts.baseUrl ? new URL(opts.baseUrl) : undefined;
  const sdk = new Stripe(opts.secretKey, {
    ...(url
      ? {
          host: url.hostname,
          port: url.port || (url.protocol === "https:" ? "443" : "80"),
          protocol: url.protocol === "https:" ? "https" : "http",
        }
      : {}),
    timeout: opts.timeoutMs ?? 10_000,
    maxNetworkRetries: opts.maxNetworkRetries ?? 2,
    telemetry: false,
    appInfo: { name: "credits-console" },
  });

  async function call<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      throw mapStripeError(err);
    }
  }

  return {
    async listCustomers(p: { limit: number; cursor?: string | undefined }) {
      return call(async () => {
        const page = await sdk.customers.list({
          limit: p.limit,
          ...(p.cursor ? { starting_after: p.cursor } : {}),
        });
        const items = page.data.map(toCustomer);
        return {
          items,
          cursor: page.has_more ? (items.at(-1)?.id ?? null) : null,
        } satisfies Page<StripeCustomerSummary>;
      });
    },

    /** Every subscription, canceled ones included, so a customer's latest status is known. */
    async listSubscriptions(p: {
      limit: number;
      cursor?: string | undefined;
      customer?: string | undefined;
    }) {
      return call(async () => {
        const page = await sdk.subscriptions.list({
          limit: p.limit,
          status: "all",
          ...(p.customer ? { customer: p.customer } : {}),
          ...(p.cursor ? { starting_after: p.cursor } : {}),
        });
        const items = page.data.map(toSubscription);
        return {
          items,
          cursor: page.has_more ? (items.at(-1)?.id ?? null) : null,
        } satisfies Page<StripeSubscriptionSummary>;
      });
    },

    async retrieveCustomer(id: string): Promise<StripeCustomerSummary | null> {
      return call(async () => {
        try {
          const c = await sdk.customers.retrieve(id);
          return c.deleted ? null : toCustomer(c);
        } catch (err) {
          if (err instanceof Stripe.errors.StripeInvalidRequestError && err.statusCode === 404) {
            return null;
          }
          throw err;
        }
      });
    },

    async findCustomerByExternalId(externalId: string): Promise<StripeCustomerSummary | null> {
      return call(async () => {
        const r = await sdk.customers.search({
          query: `metadata['unkey_external_id']:${stripeSearchString(externalId)}`,
          limit: 2,
        });
        const first = r.data[0];
        return first ? toCustomer(first) : null;
      });
    },
  };
}
export type StripeListsClient = ReturnType<typeof createStripeListsClient>;
