/**
 * Subscriptions: create (items, `backdate_start_date`, `billing_cycle_anchor`), retrieve, list
 * (customer, status, price), update (item price/quantity changes with `proration_behavior`
 * create_prorations | none | always_invoice and `proration_date`, metadata, cancel at period end),
 * cancel; plus subscription items (list by subscription, retrieve). Current periods live on the
 * items, as in the pinned API version, and are derived from the billing cycle anchor at read time.
 * The sandbox takes no payments: every subscription is `active` and its invoices are paid.
 */
import { z } from "zod";
import {
  applyItemChanges,
  checkSubscriptionPrice,
  currentPeriod,
  issueInvoice,
  newItem,
  pendingItemLines,
  periodLines,
  renderSubscription,
  storePendingItems,
  type ItemChange,
} from "../billing";
import { expanded, type Ctx, type Route } from "../context";
import { invalidParam, missingParam, noSuch, StripeError } from "../errors";
import { listPage } from "../pagination";
import {
  bool,
  emptyableStr,
  expand,
  inRange,
  int,
  metadata,
  pagination,
  parseParams,
  range,
  str,
  unsupported,
} from "../params";
import { periodAt } from "../periods";
import type { PriceObject, SubscriptionItemObject, SubscriptionObject } from "../wire";
import { getCustomer, mergeMetadata } from "./customers";
import { getPrice, intervalOf } from "./prices";

const itemCommon = {
  metadata: metadata().optional(),
  plan: str().optional(),
  price: str().optional(),
  quantity: int().optional(),
  billing_thresholds: unsupported(),
  current_trial: unsupported(),
  discounts: unsupported(),
  price_data: unsupported(),
  tax_rates: unsupported(),
};

/** Item changes as `subscriptions.update` and `invoices.createPreview` take them. */
export const itemChangeSchema = () =>
  z.strictObject({
    ...itemCommon,
    id: str().optional(),
    deleted: bool().optional(),
    clear_usage: bool().optional(),
  });

const prorationBehavior = () => z.enum(["always_invoice", "create_prorations", "none"]);
const paymentBehavior = () =>
  z.enum([
    "allow_incomplete",
    "default_incomplete",
    "error_if_incomplete",
    "pending_if_incomplete",
  ]);

const commonWritable = {
  cancel_at_period_end: bool().optional(),
  collection_method: z.enum(["charge_automatically", "send_invoice"]).optional(),
  days_until_due: int().optional(),
  default_payment_method: str().optional(),
  description: emptyableStr().optional(),
  expand: expand(),
  metadata: metadata().optional(),
  // The sandbox settles every invoice, so these cannot change an outcome.
  off_session: bool().optional(),
  payment_behavior: paymentBehavior().optional(),
  proration_behavior: prorationBehavior().optional(),
  add_invoice_items: unsupported(),
  application_fee_percent: unsupported(),
  automatic_tax: unsupported(),
  billing_schedules: unsupported(),
  billing_thresholds: unsupported(),
  cancel_at: unsupported(),
  default_source: unsupported(),
  default_tax_rates: unsupported(),
  discounts: unsupported(),
  invoice_settings: unsupported(),
  on_behalf_of: unsupported(),
  payment_settings: unsupported(),
  pending_invoice_item_interval: unsupported(),
  transfer_data: unsupported(),
  trial_end: unsupported(),
  trial_from_plan: unsupported(),
  trial_settings: unsupported(),
};

const createSchema = z.strictObject({
  ...commonWritable,
  customer: str().optional(),
  items: z.array(z.strictObject(itemCommon)).optional(),
  backdate_start_date: int().optional(),
  billing_cycle_anchor: int().optional(),
  currency: str().optional(),
  billing_cycle_anchor_config: unsupported(),
  billing_mode: unsupported(),
  customer_account: unsupported(),
  trial_period_days: unsupported(),
});
const updateSchema = z.strictObject({
  ...commonWritable,
  items: z.array(itemChangeSchema()).optional(),
  proration_date: int().optional(),
  billing_cycle_anchor: unsupported(),
  cancellation_details: unsupported(),
  pause_collection: unsupported(),
});
const retrieveSchema = z.strictObject({ expand: expand() });
const cancelSchema = z.strictObject({
  expand: expand(),
  invoice_now: unsupported(),
  prorate: unsupported(),
  cancellation_details: unsupported(),
});
const listSchema = z.strictObject({
  ...pagination,
  collection_method: z.enum(["charge_automatically", "send_invoice"]).optional(),
  created: range().optional(),
  current_period_end: range().optional(),
  current_period_start: range().optional(),
  customer: str().optional(),
  expand: expand(),
  plan: str().optional(),
  price: str().optional(),
  status: z
    .enum([
      "active",
      "all",
      "canceled",
      "ended",
      "incomplete",
      "incomplete_expired",
      "past_due",
      "paused",
      "trialing",
      "unpaid",
    ])
    .optional(),
  automatic_tax: unsupported(),
  customer_account: unsupported(),
  test_clock: unsupported(),
});
const itemListSchema = z.strictObject({ ...pagination, subscription: str(), expand: expand() });

export function getSubscription(
  ctx: Ctx,
  id: string,
  param: string,
  status: 400 | 404 = 400,
): SubscriptionObject {
  const s = ctx.store.get<SubscriptionObject>(id, "subscription");
  if (!s) throw noSuch("subscription", id, param, status);
  return renderSubscription(ctx, s);
}

const customerOf = (s: SubscriptionObject): string =>
  typeof s.customer === "string" ? s.customer : s.customer.id;

function save(ctx: Ctx, sub: SubscriptionObject): void {
  ctx.store.update(sub, customerOf(sub));
}

function create(ctx: Ctx): SubscriptionObject {
  const p = parseParams(createSchema, ctx.params);
  if (p.customer === undefined) throw missingParam("customer");
  const customer = getCustomer(ctx, p.customer, "customer");
  if (!p.items || p.items.length === 0) throw missingParam("items");
  if (p.collection_method === "send_invoice" && p.days_until_due === undefined) {
    throw missingParam("days_until_due");
  }
  if (p.payment_behavior === "default_incomplete") {
    throw invalidParam(
      "payment_behavior",
      "The Stripe sandbox takes no payments, so `default_incomplete` subscriptions would never become active.",
    );
  }
  const startDate = p.backdate_start_date ?? ctx.now;
  if (startDate > ctx.now) {
    throw invalidParam("backdate_start_date", "backdate_start_date must be in the past.");
  }
  const { id, seq } = ctx.store.newId("sub");
  const prices: PriceObject[] = [];
  const items: SubscriptionItemObject[] = p.items.map((it, i) => {
    const priceId = it.price ?? it.plan;
    if (priceId === undefined) throw missingParam(`items[${i}][price]`);
    const price = getPrice(ctx, priceId, `items[${i}][price]`);
    if (prices.some((x) => x.id === price.id)) {
      throw invalidParam(
        `items[${i}][price]`,
        `Cannot add multiple subscription items with the same price: ${price.id}`,
      );
    }
    checkSubscriptionPrice(price, it.quantity, `items[${i}]`, prices);
    prices.push(price);
    return newItem(ctx, id, price, it.quantity, it.metadata ?? {});
  });
  const first = prices[0] as PriceObject;
  if (p.currency !== undefined && p.currency.toLowerCase() !== first.currency) {
    throw invalidParam(
      "currency",
      "The currency must match the currency of the subscription's prices.",
    );
  }
  const { interval, count } = intervalOf(first);
  let anchor = startDate;
  if (p.billing_cycle_anchor !== undefined) {
    const firstEnd = periodAt(startDate, startDate, interval, count, startDate).end;
    if (p.billing_cycle_anchor <= ctx.now || p.billing_cycle_anchor > firstEnd) {
      throw invalidParam(
        "billing_cycle_anchor",
        "billing_cycle_anchor must be in the future and no later than one billing period from the start.",
      );
    }
    anchor = p.billing_cycle_anchor;
  }
  const sub: SubscriptionObject = {
    id,
    object: "subscription",
    application: null,
    application_fee_percent: null,
    automatic_tax: { disabled_reason: null, enabled: false, liability: null },
    billing_cycle_anchor: anchor,
    billing_cycle_anchor_config: null,
    billing_mode: { flexible: null, type: "classic" },
    billing_schedules: [],
    billing_thresholds: null,
    cancel_at: null,
    cancel_at_period_end: false,
    canceled_at: null,
    cancellation_details: { comment: null, feedback: null, feedback_option: null, reason: null },
    collection_method: p.collection_method ?? "charge_automatically",
    created: ctx.now,
    currency: first.currency,
    customer: customer.id,
    customer_account: null,
    days_until_due: p.days_until_due ?? null,
    default_payment_method: p.default_payment_method ?? null,
    default_source: null,
    default_tax_rates: [],
    description: p.description ?? null,
    discounts: [],
    ended_at: null,
    invoice_settings: {
      account_tax_ids: null,
      custom_fields: null,
      description: null,
      footer: null,
      issuer: { type: "self" },
    },
    items: {
      object: "list",
      data: items,
      has_more: false,
      url: `/v1/subscription_items?subscription=${id}`,
    },
    latest_invoice: null,
    livemode: false,
    managed_payments: null,
    metadata: p.metadata ?? {},
    next_pending_invoice_item_invoice: null,
    on_behalf_of: null,
    pause_collection: null,
    payment_settings: {
      payment_method_options: null,
      payment_method_types: null,
      save_default_payment_method: "off",
    },
    pending_invoice_item_interval: null,
    pending_setup_intent: null,
    pending_update: null,
    schedule: null,
    start_date: startDate,
    status: "active",
    test_clock: null,
    transfer_data: null,
    trial_end: null,
    trial_settings: {
      end_behavior: { billing_cycle_anchor: null, missing_payment_method: "create_invoice" },
    },
    trial_start: null,
  };
  ctx.store.insert(sub, seq, customer.id);
  const rendered = renderSubscription(ctx, sub);
  // The first invoice bills the licensed items for the period the subscription starts in.
  const period = currentPeriod(rendered);
  const invoice = issueInvoice(
    ctx,
    rendered,
    periodLines(ctx, rendered.items.data, period),
    period,
    "subscription_create",
  );
  sub.latest_invoice = invoice.id;
  if (p.cancel_at_period_end) {
    sub.cancel_at_period_end = true;
    sub.cancel_at = period.end;
  }
  if (customer.currency === null || customer.currency === undefined) {
    const fresh = getCustomer(ctx, customer.id, "customer");
    fresh.currency = first.currency;
    ctx.store.update(fresh, fresh.id);
  }
  save(ctx, sub);
  return expanded(renderSubscription(ctx, sub), p.expand, ctx.store);
}

function retrieve(ctx: Ctx): SubscriptionObject {
  const p = parseParams(retrieveSchema, ctx.params);
  return expanded(getSubscription(ctx, ctx.pathParams.id ?? "", "id", 404), p.expand, ctx.store);
}

export function checkProrationDate(
  prorationDate: number | undefined,
  sub: SubscriptionObject,
  now: number,
  param: string,
): number {
  const period = currentPeriod(sub);
  const t = prorationDate ?? now;
  if (t < period.start || t > period.end) {
    throw invalidParam(
      param,
      `${param} must be within the current billing period (${period.start} to ${period.end}).`,
    );
  }
  return t;
}

function update(ctx: Ctx): SubscriptionObject {
  const p = parseParams(updateSchema, ctx.params);
  const sub = getSubscription(ctx, ctx.pathParams.id ?? "", "id", 404);
  if (sub.status === "canceled") {
    throw new StripeError(400, {
      message: "A canceled subscription can only update its cancellation_details and metadata.",
    });
  }
  const behavior = p.proration_behavior ?? "create_prorations";
  const prorationDate = checkProrationDate(p.proration_date, sub, ctx.now, "proration_date");
  if (p.items && p.items.length > 0) {
    const changes: ItemChange[] = p.items.map((it) => ({
      id: it.id,
      price: it.price ?? it.plan,
      quantity: it.quantity,
      deleted: it.deleted,
      metadata: it.metadata,
    }));
    const { items, prorations } = applyItemChanges(ctx, sub, changes, prorationDate, "items");
    sub.items.data = items;
    if (behavior === "create_prorations" && prorations.length > 0) {
      storePendingItems(ctx, sub, prorations);
    } else if (behavior === "always_invoice") {
      // Invoice the prorations now, together with any proration items still pending.
      const lines = [...pendingItemLines(ctx, sub), ...prorations];
      if (lines.length > 0) {
        const invoice = issueInvoice(
          ctx,
          sub,
          lines,
          { start: prorationDate, end: prorationDate },
          "subscription_update",
        );
        sub.latest_invoice = invoice.id;
      }
    }
  }
  if (p.metadata !== undefined) sub.metadata = mergeMetadata(sub.metadata, p.metadata);
  if (p.description !== undefined) sub.description = p.description;
  if (p.collection_method !== undefined) sub.collection_method = p.collection_method;
  if (p.days_until_due !== undefined) sub.days_until_due = p.days_until_due;
  if (p.default_payment_method !== undefined) sub.default_payment_method = p.default_payment_method;
  if (p.cancel_at_period_end !== undefined) {
    sub.cancel_at_period_end = p.cancel_at_period_end;
    sub.cancel_at = p.cancel_at_period_end ? currentPeriod(sub).end : null;
  }
  save(ctx, sub);
  return expanded(renderSubscription(ctx, sub), p.expand, ctx.store);
}

function cancel(ctx: Ctx): SubscriptionObject {
  const p = parseParams(cancelSchema, ctx.params);
  const sub = getSubscription(ctx, ctx.pathParams.id ?? "", "id", 404);
  if (sub.status === "canceled") {
    throw new StripeError(400, {
      code: "resource_missing",
      message: `No such subscription: '${sub.id}'`,
      param: "id",
    });
  }
  sub.status = "canceled";
  sub.canceled_at = ctx.now;
  sub.ended_at = ctx.now;
  sub.cancel_at = null;
  sub.cancel_at_period_end = false;
  sub.cancellation_details = {
    comment: null,
    feedback: null,
    feedback_option: null,
    reason: "cancellation_requested",
  };
  save(ctx, sub);
  return expanded(renderSubscription(ctx, sub), p.expand, ctx.store);
}

function list(ctx: Ctx) {
  const p = parseParams(listSchema, ctx.params);
  if (p.customer !== undefined) getCustomer(ctx, p.customer, "customer");
  const price = p.price ?? p.plan;
  const all = ctx.store
    .list<SubscriptionObject>("subscription", p.customer)
    .map((s) => renderSubscription(ctx, s))
    .filter((s) => {
      const status = p.status;
      // Without a status filter Stripe lists every subscription that has not been canceled.
      const statusOk =
        status === "all" ||
        (status === undefined && s.status !== "canceled") ||
        (status === "ended" && s.status === "canceled") ||
        s.status === status;
      const first = s.items.data[0];
      return (
        statusOk &&
        (price === undefined || s.items.data.some((it) => it.price.id === price)) &&
        (p.collection_method === undefined || s.collection_method === p.collection_method) &&
        inRange(s.created, p.created) &&
        (p.current_period_start === undefined ||
          (first !== undefined && inRange(first.current_period_start, p.current_period_start))) &&
        (p.current_period_end === undefined ||
          (first !== undefined && inRange(first.current_period_end, p.current_period_end)))
      );
    });
  return expanded(listPage(all, p, "/v1/subscriptions", "subscription"), p.expand, ctx.store);
}

function listItems(ctx: Ctx) {
  const p = parseParams(itemListSchema, ctx.params);
  const sub = getSubscription(ctx, p.subscription, "subscription");
  const url = `/v1/subscription_items`;
  return expanded(listPage(sub.items.data, p, url, "subscription item"), p.expand, ctx.store);
}

function retrieveItem(ctx: Ctx): SubscriptionItemObject {
  const p = parseParams(retrieveSchema, ctx.params);
  const id = ctx.pathParams.id ?? "";
  for (const s of ctx.store.list<SubscriptionObject>("subscription")) {
    if (s.items.data.some((it) => it.id === id)) {
      const item = renderSubscription(ctx, s).items.data.find((it) => it.id === id);
      if (item) return expanded(item, p.expand, ctx.store);
    }
  }
  throw noSuch("subscription item", id, "id", 404);
}

export const subscriptionRoutes: Route[] = [
  { method: "POST", path: "/v1/subscriptions", handler: create },
  { method: "GET", path: "/v1/subscriptions", handler: list },
  { method: "GET", path: "/v1/subscriptions/:id", handler: retrieve },
  { method: "POST", path: "/v1/subscriptions/:id", handler: update },
  { method: "DELETE", path: "/v1/subscriptions/:id", handler: cancel },
  { method: "GET", path: "/v1/subscription_items", handler: listItems },
  { method: "GET", path: "/v1/subscription_items/:id", handler: retrieveItem },
];
