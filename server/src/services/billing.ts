/**
 * The customer page's Stripe panels: subscription, this period's metered usage, upcoming invoice.
 * Each panel is its own procedure so one failing Stripe read degrades only that panel.
 *
 * A page view asks for all three at once, and each should take one Stripe round trip, not a chain:
 *
 * - Which Stripe customer: the directory read model's join (a local read), cached.
 * - Which subscription: one list request, shared by the three panels through a single-flight cache
 *   (concurrent panels join one in-flight request; a reload a moment later reuses it).
 * - The usage panel asks for the daily meter buckets of a window of days that contains any monthly
 *   period around today, in parallel with the subscription, and cuts the period out afterwards.
 * - The invoice panel asks Stripe for the customer's next upcoming invoice, in parallel with the
 *   subscription, and keeps it when it is for the subscription the console shows.
 *
 * When a guess does not fit (a yearly period, several live subscriptions, a period not aligned to
 * UTC days), the panel makes the exact request after the subscription is known, as before.
 *
 * Caches never keep failures, and never hand out an answer requested before one of the console's
 * own writes through the same client finished (see upstream/coalesce.ts); a subscription is kept
 * for a few seconds only, since a change made elsewhere must still show promptly.
 */
import { loadPlanCatalog, type PlanCatalog } from "../plans/catalog";
import type { AppDeps } from "../context";
import { UpstreamError } from "../upstream/index";
import { SingleFlightCache, settle } from "../upstream/coalesce";
import type {
  StripeClient,
  StripeMeterSummary,
  StripeMeterUsageBucket,
  StripeSubscriptionItemSummary,
  StripeSubscriptionSummary,
} from "../upstream/stripe";

const DAY = 86_400;
/** externalId → Stripe customer id. Identity meta rarely changes; a miss is rechecked sooner. */
const CUSTOMER_TTL_MS = 60_000;
const NO_CUSTOMER_TTL_MS = 15_000;
/** Long enough to serve the three panels of one page view, short enough to never look stale. */
const SUBSCRIPTION_TTL_MS = 3_000;
/** The billing meter is configuration: it changes when an operator edits the catalog. */
const METER_TTL_MS = 10 * 60_000;
/**
 * The usage panel's guessed window, in UTC days around today: a period of up to 31 days that
 * contains now lies inside it, with a day to spare on each side (65 daily buckets: one page).
 */
const GUESS_DAYS_BEFORE = 32;
const GUESS_DAYS_AFTER = 33;

/** The Stripe customer metadata key that names the Unkey identity (the directory sync uses it too). */
export const EXTERNAL_ID_METADATA_KEY = "unkey_external_id";

interface BillingCaches {
  customerIds: SingleFlightCache<string | null>;
  subscriptions: SingleFlightCache<StripeSubscriptionSummary | null>;
}

// Keyed by the deps object (one per running console / test), so tests never share a cache.
const cachesByDeps = new WeakMap<AppDeps, BillingCaches>();

function caches(deps: AppDeps): BillingCaches {
  let c = cachesByDeps.get(deps);
  if (!c) {
    c = {
      customerIds: new SingleFlightCache({
        now: deps.now,
        ttlMs: (id) => (id === null ? NO_CUSTOMER_TTL_MS : CUSTOMER_TTL_MS),
        // Both services' writes: a sum of two counters that only grow changes when either does.
        epoch: () => deps.upstream.unkey.writeEpoch() + deps.upstream.stripe.writeEpoch(),
      }),
      subscriptions: new SingleFlightCache({
        now: deps.now,
        ttlMs: () => SUBSCRIPTION_TTL_MS,
        epoch: () => deps.upstream.stripe.writeEpoch(),
      }),
    };
    cachesByDeps.set(deps, c);
  }
  return c;
}

// The active meter is a fact about the Stripe account, so it is cached per Stripe client: every
// deps object built over the same client (one per running console) shares it.
const metersByClient = new WeakMap<StripeClient, SingleFlightCache<StripeMeterSummary | null>>();

function meterCache(deps: AppDeps): SingleFlightCache<StripeMeterSummary | null> {
  const client = deps.upstream.stripe;
  let c = metersByClient.get(client);
  if (!c) {
    c = new SingleFlightCache({ now: deps.now, ttlMs: () => METER_TTL_MS });
    metersByClient.set(client, c);
  }
  return c;
}

/**
 * A guessed request failed. Only when Stripe refused the guess itself (bad request, not found) is
 * the exact request worth sending; when Stripe is down, slow or rate limiting, that request would
 * fare no better, and the panel reports the failure at once.
 */
function exactRequestMayHelp(err: unknown): boolean {
  return err instanceof UpstreamError && (err.kind === "invalid" || err.kind === "not_found");
}

let catalog: PlanCatalog | undefined;
const planCatalog = (): PlanCatalog => (catalog ??= loadPlanCatalog());

/**
 * Drop what is cached about a customer at once. The console's own writes through its upstream
 * clients already invalidate the caches (write epochs); this is for changes they do not see, such
 * as a Stripe link changed elsewhere, and is called after a plan change for good measure.
 */
export function forgetBillingCustomer(
  deps: AppDeps,
  externalId: string,
  stripeCustomerId?: string,
): void {
  const c = caches(deps);
  c.customerIds.delete(externalId);
  if (stripeCustomerId) c.subscriptions.delete(stripeCustomerId);
}

/**
 * The Stripe customer of an Unkey identity: the directory's join when it has one, else the
 * identity's `meta.stripeCustomerId`, else the
 * oldest Stripe customer whose metadata names the externalId. When Unkey cannot answer (down, or
 * no such identity) the Stripe search still can, so the Stripe panels do not depend on Unkey.
 */
export function resolveStripeCustomerId(deps: AppDeps, externalId: string) {
  return caches(deps).customerIds.get(externalId, async () => {
    // The directory read model already joined identity and Stripe customer at the last sync: a
    // local read instead of an upstream round trip on every page view.
    const row = await deps.repos.directory.byExternalId(externalId);
    if (row?.stripe_customer_id) return row.stripe_customer_id;
    try {
      const identity = await deps.upstream.unkey.getIdentity({ externalId });
      const linked: unknown = identity.meta.stripeCustomerId;
      if (typeof linked === "string" && linked.length > 0) return linked;
    } catch (err) {
      if (!(err instanceof UpstreamError)) throw err;
      if (err.kind !== "not_found") {
        deps.log.warn(
          { externalId, kind: err.kind },
          "Unkey identity lookup failed; falling back to Stripe customer search",
        );
      }
    }
    const found = await deps.upstream.stripe.searchCustomersByMetadata(
      EXTERNAL_ID_METADATA_KEY,
      externalId,
    );
    return found[0]?.id ?? null;
  });
}

/** Which subscription the console shows: a live one first, then the newest. */
const statusRank: Record<string, number> = {
  active: 0,
  trialing: 1,
  past_due: 2,
  unpaid: 3,
  paused: 4,
  incomplete: 5,
};

function currentSubscription(deps: AppDeps, stripeCustomerId: string) {
  return caches(deps).subscriptions.get(stripeCustomerId, async () => {
    const subs = await deps.upstream.stripe.listSubscriptions(stripeCustomerId);
    const live = subs.filter((s) => Object.hasOwn(statusRank, s.status));
    // listSubscriptions is newest first and sort is stable: ties keep that order.
    live.sort((a, b) => (statusRank[a.status] ?? 9) - (statusRank[b.status] ?? 9));
    return live[0] ?? null;
  });
}

function catalogMeter(deps: AppDeps) {
  const { eventName } = planCatalog().meter;
  return meterCache(deps).get(eventName, () => deps.upstream.stripe.findActiveMeter(eventName));
}

const iso = (unixSeconds: number) => new Date(unixSeconds * 1000).toISOString();

// ---------------------------------------------------------------------------------------------
// billing.subscription

export interface BillingSubscriptionItem {
  id: string;
  priceId: string;
  lookupKey: string | null;
  productName: string | null;
  nickname: string | null;
  usageType: "licensed" | "metered";
  unitAmount: number | null;
  unitAmountDecimal: string | null;
  currency: string;
  interval: string | null;
  quantity: number | null;
  currentPeriodStart: string;
  currentPeriodEnd: string;
}

export interface BillingSubscription {
  stripeCustomerId: string | null;
  customer: {
    id: string;
    name: string | null;
    email: string | null;
    dashboardUrl: string | null;
  } | null;
  subscription: { id: string; status: string; items: BillingSubscriptionItem[] } | null;
}

/**
 * Stripe dashboard links only make sense against real Stripe: null in sandbox mode. Live mode
 * with a test-mode key links to the dashboard's test view.
 */
function dashboardUrl(deps: AppDeps, customerId: string, livemode: boolean): string | null {
  if (deps.config.mode !== "live") return null;
  const id = encodeURIComponent(customerId);
  return livemode
    ? `https://dashboard.stripe.com/customers/${id}`
    : `https://dashboard.stripe.com/test/customers/${id}`;
}

const toItem = (it: StripeSubscriptionItemSummary): BillingSubscriptionItem => ({
  id: it.id,
  priceId: it.priceId,
  lookupKey: it.lookupKey,
  productName: it.productName,
  nickname: it.nickname,
  usageType: it.usageType,
  unitAmount: it.unitAmount,
  unitAmountDecimal: it.unitAmountDecimal,
  currency: it.currency,
  interval: it.interval,
  quantity: it.quantity,
  currentPeriodStart: iso(it.currentPeriodStart),
  currentPeriodEnd: iso(it.currentPeriodEnd),
});

export async function billingSubscription(
  deps: AppDeps,
  externalId: string,
): Promise<BillingSubscription> {
  const stripeCustomerId = await resolveStripeCustomerId(deps, externalId);
  if (!stripeCustomerId) return { stripeCustomerId: null, customer: null, subscription: null };
  // Independent reads: in parallel.
  const [customer, subscription] = await Promise.all([
    deps.upstream.stripe.retrieveCustomer(stripeCustomerId).catch((err: unknown) => {
      // A link to a customer deleted in Stripe: show "no customer", not an error.
      if (err instanceof UpstreamError && err.kind === "not_found") return null;
      throw err;
    }),
    currentSubscription(deps, stripeCustomerId),
  ]);
  return {
    stripeCustomerId,
    customer: customer
      ? {
          id: customer.id,
          name: customer.name,
          email: customer.email,
          dashboardUrl: dashboardUrl(deps, customer.id, customer.livemode),
        }
      : null,
    subscription: subscription
      ? { id: subscription.id, status: subscription.status, items: subscription.items.map(toItem) }
      : null,
  };
}

// ---------------------------------------------------------------------------------------------
// billing.usage

export interface BillingUsage {
  meter: { id: string; eventName: string; displayName: string } | null;
  periodStart: string;
  periodEnd: string;
  /** Metered units in [periodStart, periodEnd), as the meter aggregates them. */
  units: number;
  /** Cents per unit of the metered price, or null when the subscription has none. */
  unitPriceDecimal: string | null;
  /** units × unit price in cents, rounded half away from zero as Stripe does; null without price. */
  amount: number | null;
  /** One entry per UTC day overlapping the period (future days are 0). */
  daily: { date: string; units: number }[];
}

const floorTo = (t: number, size: number) => Math.floor(t / size) * size;
const ceilTo = (t: number, size: number) => Math.ceil(t / size) * size;

/** units × a decimal price in cents, exactly for whole units, rounded half away from zero. */
export function meteredAmount(units: number, unitPriceDecimal: string): number {
  const m = /^(\d+)(?:\.(\d+))?$/.exec(unitPriceDecimal);
  if (!m || !Number.isSafeInteger(units)) {
    const x = units * Number(unitPriceDecimal);
    return Math.sign(x) * Math.round(Math.abs(x));
  }
  const frac = m[2] ?? "";
  const scale = 10n ** BigInt(frac.length);
  const product = BigInt(Math.abs(units)) * BigInt(`${m[1]}${frac}`);
  const rounded = (product * 2n + scale) / (2n * scale);
  return Math.sign(units) * Number(rounded);
}

export async function billingUsage(
  deps: AppDeps,
  externalId: string,
): Promise<BillingUsage | null> {
  const stripeCustomerId = await resolveStripeCustomerId(deps, externalId);
  if (!stripeCustomerId) return null;
  const stripe = deps.upstream.stripe;
  // The period is the subscription's, one round trip away; the guessed window of days around today
  // holds any monthly period, so its daily buckets are asked for in parallel with the subscription.
  const today = floorTo(Math.floor(deps.now() / 1000), DAY);
  const guessed = { start: today - GUESS_DAYS_BEFORE * DAY, end: today + GUESS_DAYS_AFTER * DAY };
  const meterLookup = catalogMeter(deps);
  const guess = settle(
    meterLookup.then((m) =>
      m
        ? stripe.meterEventSummaries({
            meterId: m.id,
            customerId: stripeCustomerId,
            ...guessed,
            grouping: "day",
          })
        : null,
    ),
  );
  const [catalogMeterFound, subscription] = await Promise.all([
    meterLookup,
    currentSubscription(deps, stripeCustomerId),
  ]);
  if (!subscription) return null;
  const metered =
    subscription.items.find(
      (it) =>
        it.usageType === "metered" && catalogMeterFound && it.meterId === catalogMeterFound.id,
    ) ?? subscription.items.find((it) => it.usageType === "metered");
  // The period is the metered item's; without one, the subscription's (any item: they share it).
  const periodItem = metered ?? subscription.items[0];
  if (!periodItem) return null;
  const meter =
    catalogMeterFound ?? (metered?.meterId ? await stripe.retrieveMeter(metered.meterId) : null);

  const start = periodItem.currentPeriodStart;
  const end = periodItem.currentPeriodEnd;
  const unitPriceDecimal = metered
    ? (metered.unitAmountDecimal ??
      (metered.unitAmount !== null ? String(metered.unitAmount) : null))
    : null;

  // Day grouping rather than hour: it is what a billing-period chart shows and keeps a month to
  // ≤ 32 buckets (one page). Day buckets need UTC-day-aligned bounds (Stripe rejects others), so the daily series covers
  // whole days around the period. When the period itself is day-aligned (Stripe anchors set at
  // 00:00 UTC, the sandbox's) those buckets sum to the period exactly. Otherwise the exact total
  // is a second, ungrouped request over the period (minute-aligned bounds, which a billing
  // period's whole-second anchor rounds to within a minute), sent once the period is known.
  const dayStart = floorTo(start, DAY);
  const dayEnd = ceilTo(end, DAY);
  const aligned = dayStart === start && dayEnd === end;
  const days: { date: string; units: number }[] = [];
  let units = 0;
  if (meter) {
    let daily: StripeMeterUsageBucket[] | null = null;
    if (meter === catalogMeterFound && dayStart >= guessed.start && dayEnd <= guessed.end) {
      const g = await guess;
      if (g.ok && g.value) daily = g.value.filter((b) => b.start >= dayStart && b.start < dayEnd);
      else if (!g.ok && !exactRequestMayHelp(g.error)) throw g.error;
    }
    const [buckets, exact] = await Promise.all([
      daily ??
        stripe.meterEventSummaries({
          meterId: meter.id,
          customerId: stripeCustomerId,
          start: dayStart,
          end: dayEnd,
          grouping: "day",
        }),
      aligned
        ? null
        : stripe.meterEventSummaries({
            meterId: meter.id,
            customerId: stripeCustomerId,
            start: floorTo(start, 60),
            end: ceilTo(end, 60),
          }),
    ]);
    const byDay = new Map<number, number>();
    for (const b of buckets)
      byDay.set(floorTo(b.start, DAY), (byDay.get(floorTo(b.start, DAY)) ?? 0) + b.value);
    for (let d = dayStart; d < dayEnd; d += DAY) {
      days.push({ date: iso(d).slice(0, 10), units: byDay.get(d) ?? 0 });
    }
    units = exact
      ? exact.reduce((s, b) => s + b.value, 0)
      : buckets.reduce((s, b) => s + b.value, 0);
  } else {
    for (let d = dayStart; d < dayEnd; d += DAY) days.push({ date: iso(d).slice(0, 10), units: 0 });
  }
  return {
    meter: meter
      ? { id: meter.id, eventName: meter.eventName, displayName: meter.displayName }
      : null,
    periodStart: iso(start),
    periodEnd: iso(end),
    units,
    unitPriceDecimal,
    amount: unitPriceDecimal === null ? null : meteredAmount(units, unitPriceDecimal),
    daily: days,
  };
}

// ---------------------------------------------------------------------------------------------
// billing.upcomingInvoice

export interface BillingUpcomingInvoice {
  total: number;
  amountDue: number;
  currency: string;
  periodStart: string;
  periodEnd: string;
  lines: { description: string | null; amount: number; proration: boolean }[];
  hasMoreLines: boolean;
}

export async function billingUpcomingInvoice(
  deps: AppDeps,
  externalId: string,
): Promise<BillingUpcomingInvoice | null> {
  const stripeCustomerId = await resolveStripeCustomerId(deps, externalId);
  if (!stripeCustomerId) return null;
  const stripe = deps.upstream.stripe;
  // The preview is for a subscription, one round trip away. Without one, Stripe previews the
  // customer's next upcoming invoice among its subscriptions: asked in parallel, that answer is
  // kept when it is for the subscription the console shows (a customer's only live one, usually).
  const guess = settle(stripe.previewUpcomingInvoice(stripeCustomerId));
  const subscription = await currentSubscription(deps, stripeCustomerId);
  if (!subscription) return null;
  const g = await guess;
  let inv;
  if (g.ok && g.value?.subscriptionId === subscription.id) inv = g.value;
  else if (!g.ok && !exactRequestMayHelp(g.error)) throw g.error;
  else inv = await stripe.previewUpcomingInvoice(stripeCustomerId, subscription.id);
  if (!inv) return null;
  return {
    total: inv.total,
    amountDue: inv.amountDue,
    currency: inv.currency,
    periodStart: iso(inv.periodStart),
    periodEnd: iso(inv.periodEnd),
    lines: inv.lines,
    hasMoreLines: inv.hasMoreLines,
  };
}
