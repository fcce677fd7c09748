/**
 * The console's Stripe client: the only code that imports `stripe`. The SDK retries network
 * errors and 409/5xx itself, and it is safe because every write we make carries an idempotency
 * key (the operation id).
 *
 * Reads are tuned separately: a staff member is waiting on a page, so a read gets a short timeout
 * (4 s) and at most one retry (the SDK backs off ~0.5 s first). Worst case a Stripe panel answers
 * in about 8.5 s with a clear error instead of hanging for the SDK's 80 s default; a retried read
 * is always safe. Nothing outside this file sees an SDK type: each method returns a plain shape.
 */
import Stripe from "stripe";
import { WriteEpoch } from "./coalesce";
import { UpstreamError, kindForStatus } from "./errors";

export interface StripeClientOptions {
  secretKey: string;
  /** Base URL of a Stripe-compatible server (the sandbox emulator, a proxy); default api.stripe.com. */
  baseUrl?: string | undefined;
  timeoutMs?: number;
  maxNetworkRetries?: number;
  /** Per-request timeout of reads (default 4 000 ms, never above `timeoutMs`). */
  readTimeoutMs?: number;
}

export interface StripeCustomerSummary {
  id: string;
  name: string | null;
  email: string | null;
  metadata: Record<string, string>;
  livemode: boolean;
  created: number;
}

export interface StripeSubscriptionItemSummary {
  id: string;
  priceId: string;
  lookupKey: string | null;
  productName: string | null;
  nickname: string | null;
  usageType: "licensed" | "metered";
  /** The billing meter a metered price reports to. */
  meterId: string | null;
  /** Cents; null when the price only has a sub-cent decimal amount. */
  unitAmount: number | null;
  /** Cents as a decimal string (sub-cent prices, e.g. "0.15"). */
  unitAmountDecimal: string | null;
  currency: string;
  interval: string | null;
  quantity: number | null;
  /** Unix seconds; on the item, where the pinned API version keeps the current period. */
  currentPeriodStart: number;
  currentPeriodEnd: number;
}

export interface StripeSubscriptionSummary {
  id: string;
  status: string;
  created: number;
  items: StripeSubscriptionItemSummary[];
}

export interface StripeMeterSummary {
  id: string;
  eventName: string;
  displayName: string;
}

export interface StripeMeterUsageBucket {
  /** Unix seconds, [start, end). */
  start: number;
  end: number;
  value: number;
}

export interface StripeInvoicePreview {
  total: number;
  amountDue: number;
  currency: string;
  periodStart: number;
  periodEnd: number;
  lines: { description: string | null; amount: number; proration: boolean }[];
  /** Stripe embeds only the first page of lines in a preview. */
  hasMoreLines: boolean;
  /** The subscription the invoice is for (null: none, e.g. pending invoice items only). */
  subscriptionId: string | null;
}

/** A value inside a double-quoted Stripe search string: backslash and quote are escaped. */
export function searchString(value: string): string {
  return `"${value.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
}

export function mapStripeError(err: unknown): UpstreamError {
  if (err instanceof UpstreamError) return err;
  if (err instanceof Stripe.errors.StripeConnectionError) {
    // The SDK reports its own timeout as a connection error; a person should read "did not
    // answer in time", and a write's outcome is unknown either way.
    const timedOut = err.message.startsWith("Request aborted due to timeout");
    return new UpstreamError(
      "stripe",
      timedOut ? "timeout" : "unavailable",
      timedOut ? err.message : "connection failed",
      undefined,
      undefined,
      { cause: err },
    );
  }
  if (err instanceof Stripe.errors.StripeError) {
    const status = err.statusCode;
    if (err instanceof Stripe.errors.StripeIdempotencyError) {
      return new UpstreamError("stripe", "conflict", err.message, status, undefined, {
        cause: err,
      });
    }
    const header = err.headers?.["retry-after"];
    const retryAfter = header ? Number(header) * 1000 : undefined;
    return new UpstreamError(
      "stripe",
      status ? kindForStatus(status) : "unavailable",
      err.message,
      status,
      Number.isFinite(retryAfter) ? retryAfter : undefined,
      { cause: err },
    );
  }
  return new UpstreamError("stripe", "unavailable", String(err), undefined, undefined, {
    cause: err,
  });
}

const str = (v: unknown): string | null => (typeof v === "string" && v.length > 0 ? v : null);

function toItem(it: Stripe.SubscriptionItem): StripeSubscriptionItemSummary {
  const price = it.price;
  const product = price.product;
  return {
    id: it.id,
    priceId: price.id,
    lookupKey: price.lookup_key ?? null,
    productName: typeof product === "object" && !product.deleted ? product.name : null,
    nickname: price.nickname ?? null,
    usageType: price.recurring?.usage_type === "metered" ? "metered" : "licensed",
    meterId: price.recurring?.meter ?? null,
    unitAmount: price.unit_amount ?? null,
    // The SDK parses *_decimal fields into its Decimal class; the console passes strings on.
    unitAmountDecimal:
      price.unit_amount_decimal == null ? null : price.unit_amount_decimal.toString(),
    currency: price.currency,
    interval: price.recurring?.interval ?? null,
    quantity: it.quantity ?? null,
    currentPeriodStart: it.current_period_start,
    currentPeriodEnd: it.current_period_end,
  };
}

/** One way to build the SDK for every Stripe client of the console (host/port for emulators and proxies). */
export function createStripeSdk(opts: StripeClientOptions): Stripe {
  const url = opts.baseUrl ? new URL(opts.baseUrl) : undefined;
  return new Stripe(opts.secretKey, {
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
}

/** Runs an SDK call and maps its failure to an UpstreamError. */
export async function callStripe<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw mapStripeError(err);
  }
}

function toInvoicePreview(inv: Stripe.Invoice): StripeInvoicePreview {
  const sub = inv.parent?.subscription_details?.subscription;
  return {
    total: inv.total,
    amountDue: inv.amount_due,
    currency: inv.currency,
    periodStart: inv.period_start,
    periodEnd: inv.period_end,
    lines: inv.lines.data.map((l) => ({
      description: str(l.description),
      amount: l.amount,
      proration:
        l.parent?.subscription_item_details?.proration ??
        l.parent?.invoice_item_details?.proration ??
        false,
    })),
    hasMoreLines: inv.lines.has_more,
    subscriptionId: sub === undefined ? null : typeof sub === "string" ? sub : sub.id,
  };
}

/** Stripe answers `invoice_upcoming_none` when there is nothing to preview: that is a null, not a failure. */
function noUpcomingInvoice(err: unknown): null {
  if (err instanceof Stripe.errors.StripeError && err.code === "invoice_upcoming_none") return null;
  throw mapStripeError(err);
}

export function createStripeClient(opts: StripeClientOptions) {
  const timeout = opts.timeoutMs ?? 10_000;
  const maxNetworkRetries = opts.maxNetworkRetries ?? 2;
  const sdk = createStripeSdk(opts);
  const read: Stripe.RequestOptions = {
    timeout: Math.min(opts.readTimeoutMs ?? 4_000, timeout),
    maxNetworkRetries: Math.min(maxNetworkRetries, 1),
  };

  const call = callStripe;
  // Moves around every write, so read caches never hand out an answer that predates one.
  const writes = new WriteEpoch();

  const toCustomer = (c: Stripe.Customer): StripeCustomerSummary => ({
    id: c.id,
    name: c.name ?? null,
    email: c.email ?? null,
    metadata: c.metadata,
    livemode: c.livemode,
    created: c.created,
  });

  return {
    /** Changes whenever a write through this client starts or settles (see ./coalesce.ts). */
    writeEpoch(): number {
      return writes.current;
    },

    async retrieveCustomer(id: string): Promise<StripeCustomerSummary | null> {
      return call(async () => {
        const c = await sdk.customers.retrieve(id, {}, read);
        if (c.deleted) return null;
        return toCustomer(c);
      });
    },

    /**
     * Customers whose `metadata[key]` equals `value` (Stripe search; eventually consistent, so a
     * customer created a second ago may be missing). At most `limit` of them, oldest first.
     */
    async searchCustomersByMetadata(
      key: string,
      value: string,
      limit = 10,
    ): Promise<StripeCustomerSummary[]> {
      return call(async () => {
        const res = await sdk.customers.search(
          { query: `metadata[${searchString(key)}]:${searchString(value)}`, limit },
          read,
        );
        return res.data.map(toCustomer).sort((a, b) => a.created - b.created);
      });
    },

    /**
     * The customer's subscriptions that are not canceled, newest first, with each item's price and
     * product (one request: `expand` inlines them).
     */
    async listSubscriptions(customerId: string): Promise<StripeSubscriptionSummary[]> {
      return call(async () => {
        const out: StripeSubscriptionSummary[] = [];
        // Bounded: a customer with more than 100 live subscriptions is not something this console
        // models; the newest 100 are plenty to pick from.
        const page = await sdk.subscriptions.list(
          { customer: customerId, limit: 100, expand: ["data.items.data.price.product"] },
          read,
        );
        for (const sub of page.data) {
          out.push({
            id: sub.id,
            status: sub.status,
            created: sub.created,
            items: sub.items.data.map(toItem),
          });
        }
        return out.sort((a, b) => b.created - a.created);
      });
    },

    async retrieveMeter(id: string): Promise<StripeMeterSummary> {
      return call(async () => {
        const m = await sdk.billing.meters.retrieve(id, {}, read);
        return { id: m.id, eventName: m.event_name, displayName: m.display_name };
      });
    },

    /** The active meter for an event name, or null. */
    async findActiveMeter(eventName: string): Promise<StripeMeterSummary | null> {
      return call(async () => {
        for await (const m of sdk.billing.meters.list({ status: "active", limit: 100 }, read)) {
          if (m.event_name === eventName) {
            return { id: m.id, eventName: m.event_name, displayName: m.display_name };
          }
        }
        return null;
      });
    },

    /**
     * Meter event summaries of one customer over [start, end) (unix seconds). Stripe wants both
     * bounds on minute boundaries, and on hour / UTC-day boundaries when grouping by hour / day;
     * the caller aligns them. Without grouping the answer is one bucket for the whole range.
     */
    async meterEventSummaries(p: {
      meterId: string;
      customerId: string;
      start: number;
      end: number;
      grouping?: "hour" | "day";
    }): Promise<StripeMeterUsageBucket[]> {
      return call(async () => {
        const out: StripeMeterUsageBucket[] = [];
        const list = sdk.billing.meters.listEventSummaries(
          p.meterId,
          {
            customer: p.customerId,
            start_time: p.start,
            end_time: p.end,
            limit: 100,
            ...(p.grouping ? { value_grouping_window: p.grouping } : {}),
          },
          read,
        );
        // A month grouped by day is ≤ 32 buckets; by hour ≤ 744. Bounded either way.
        for await (const s of list) {
          out.push({ start: s.start_time, end: s.end_time, value: s.aggregated_value });
          if (out.length >= 1_000) break;
        }
        return out.sort((a, b) => a.start - b.start);
      });
    },

    /** Prices by lookup key (plan catalog → Stripe price ids). */
    async pricesByLookupKeys(lookupKeys: string[]): Promise<Map<string, string>> {
      return call(async () => {
        const res = await sdk.prices.list({ lookup_keys: lookupKeys, limit: 100 }, read);
        const out = new Map<string, string>();
        for (const p of res.data) if (p.lookup_key) out.set(p.lookup_key, p.id);
        return out;
      });
    },

    /** The subscription's billing cycle anchor (unix seconds): monthly refills may follow it. */
    async subscriptionAnchor(subscriptionId: string): Promise<number> {
      return call(async () => {
        const sub = await sdk.subscriptions.retrieve(subscriptionId, {}, read);
        return sub.billing_cycle_anchor;
      });
    },

    /** One subscription with its items (a plan change verifies its Stripe step with this). */
    async retrieveSubscription(
      subscriptionId: string,
    ): Promise<StripeSubscriptionSummary & { billingCycleAnchor: number }> {
      return call(async () => {
        const sub = await sdk.subscriptions.retrieve(
          subscriptionId,
          { expand: ["items.data.price.product"] },
          read,
        );
        return {
          id: sub.id,
          status: sub.status,
          created: sub.created,
          billingCycleAnchor: sub.billing_cycle_anchor,
          items: sub.items.data.map(toItem),
        };
      });
    },

    /**
     * Reports billable overage. `identifier` is the console's operation id: Stripe rejects a
     * second event with it for 24 h ("already exists"), which we report as `duplicate` — the event
     * is there, so for the caller that is success. The idempotency key replays a lost answer.
     */
    async createMeterEvent(p: {
      eventName: string;
      payload: Record<string, string>;
      identifier: string;
      timestamp: number;
      idempotencyKey: string;
    }): Promise<{ identifier: string; duplicate: boolean }> {
      return writes.around(async () => {
        try {
          const ev = await sdk.billing.meterEvents.create(
            {
              event_name: p.eventName,
              payload: p.payload,
              identifier: p.identifier,
              timestamp: p.timestamp,
            },
            { idempotencyKey: p.idempotencyKey },
          );
          return { identifier: ev.identifier, duplicate: false };
        } catch (err) {
          if (
            err instanceof Stripe.errors.StripeInvalidRequestError &&
            err.param === "identifier" &&
            /already exists/i.test(err.message)
          ) {
            return { identifier: p.identifier, duplicate: true };
          }
          throw mapStripeError(err);
        }
      });
    },

    /** A promotional credit grant (goodwill made visible to finance in Stripe). */
    async createCreditGrant(p: {
      customerId: string;
      amountCents: number;
      currency: string;
      name: string;
      metadata: Record<string, string>;
      idempotencyKey: string;
    }): Promise<{ id: string }> {
      return writes.around(() =>
        call(async () => {
          const g = await sdk.billing.creditGrants.create(
            {
              customer: p.customerId,
              amount: {
                type: "monetary",
                monetary: { value: p.amountCents, currency: p.currency },
              },
              applicability_config: { scope: { price_type: "metered" } },
              category: "promotional",
              name: p.name,
              metadata: p.metadata,
            },
            { idempotencyKey: p.idempotencyKey },
          );
          return { id: g.id };
        }),
      );
    },

    /** Changes subscription items' prices, prorating (the plan change's Stripe step). */
    async updateSubscriptionPrices(p: {
      subscriptionId: string;
      items: { id: string; price: string }[];
      /** Unix seconds; the same instant the preview used, so the charge matches what was shown. */
      prorationDate?: number;
      idempotencyKey: string;
    }): Promise<StripeSubscriptionSummary> {
      return writes.around(() =>
        call(async () => {
          const sub = await sdk.subscriptions.update(
            p.subscriptionId,
            {
              items: p.items,
              proration_behavior: "create_prorations",
              ...(p.prorationDate !== undefined ? { proration_date: p.prorationDate } : {}),
              expand: ["items.data.price.product"],
            },
            { idempotencyKey: p.idempotencyKey },
          );
          return {
            id: sub.id,
            status: sub.status,
            created: sub.created,
            items: sub.items.data.map(toItem),
          };
        }),
      );
    },

    /** `invoices.createPreview` of a price change: what the switch would cost now. */
    async previewPriceChange(p: {
      customerId: string;
      subscriptionId: string;
      items: { id: string; price: string }[];
      /** Unix seconds; pass the same value to `updateSubscriptionPrices`. */
      prorationDate?: number;
    }): Promise<StripeInvoicePreview | null> {
      try {
        const inv = await sdk.invoices.createPreview(
          {
            customer: p.customerId,
            subscription: p.subscriptionId,
            subscription_details: {
              items: p.items,
              proration_behavior: "create_prorations",
              ...(p.prorationDate !== undefined ? { proration_date: p.prorationDate } : {}),
            },
          },
          read,
        );
        return toInvoicePreview(inv);
      } catch (err) {
        return noUpcomingInvoice(err);
      }
    },

    /**
     * The subscription's upcoming invoice (`invoices.createPreview`), or null when Stripe says there
     * is none (`invoice_upcoming_none`: e.g. the subscription was canceled meanwhile). Without a
     * subscription id, Stripe previews "the next upcoming invoice from among the customer's
     * subscriptions"; `subscriptionId` of the answer says which one it picked.
     */
    async previewUpcomingInvoice(
      customerId: string,
      subscriptionId?: string,
    ): Promise<StripeInvoicePreview | null> {
      try {
        const inv = await sdk.invoices.createPreview(
          { customer: customerId, ...(subscriptionId ? { subscription: subscriptionId } : {}) },
          read,
        );
        return toInvoicePreview(inv);
      } catch (err) {
        return noUpcomingInvoice(err);
      }
    },
  };
}
export type StripeClient = ReturnType<typeof createStripeClient>;
