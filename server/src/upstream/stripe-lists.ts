/**
 * Stripe list and lookup reads for the directory sync: customers and subscriptions page by page
 * (`starting_after` cursors), and a customer found by its `metadata.unkey_external_id`. Its own
 * SDK instance, configured like `createStripeClient`, with errors mapped the same way.
 */
import Stripe from "stripe";
import { callStripe, createStripeSdk, searchString, type StripeClientOptions } from "./stripe";
import type { Page } from "./types";

export interface StripeDirectoryCustomer {
  id: string;
  name: string | null;
  email: string | null;
  /** `metadata.unkey_external_id`: the fallback link to an Unkey identity. */
  unkeyExternalId: string | null;
  plan: string | null;
}

export interface StripeDirectorySubscription {
  id: string;
  customerId: string;
  status: string;
}

const meta = (m: Stripe.Metadata | null | undefined, k: string): string | null => {
  const v = m?.[k];
  return typeof v === "string" && v.length > 0 ? v : null;
};

const toCustomer = (c: Stripe.Customer): StripeDirectoryCustomer => ({
  id: c.id,
  name: c.name ?? null,
  email: c.email ?? null,
  unkeyExternalId: meta(c.metadata, "unkey_external_id"),
  plan: meta(c.metadata, "plan"),
});

const toSubscription = (s: Stripe.Subscription): StripeDirectorySubscription => ({
  id: s.id,
  customerId: typeof s.customer === "string" ? s.customer : s.customer.id,
  status: s.status,
});

export function createStripeListsClient(opts: StripeClientOptions) {
  const sdk = createStripeSdk(opts);
  const call = callStripe;

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
        } satisfies Page<StripeDirectoryCustomer>;
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
        } satisfies Page<StripeDirectorySubscription>;
      });
    },

    async retrieveCustomer(id: string): Promise<StripeDirectoryCustomer | null> {
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

    async findCustomerByExternalId(externalId: string): Promise<StripeDirectoryCustomer | null> {
      return call(async () => {
        const r = await sdk.customers.search({
          query: `metadata[${searchString("unkey_external_id")}]:${searchString(externalId)}`,
          limit: 2,
        });
        const first = r.data[0];
        return first ? toCustomer(first) : null;
      });
    },
  };
}
export type StripeListsClient = ReturnType<typeof createStripeListsClient>;
