/**
 * Subscription billing shared by subscriptions.ts (updates, first invoice) and invoices.ts
 * (previews): rendering a subscription at the current clock (periods, cancellation), applying item
 * changes, proration lines, metered usage lines, credit grants, and building invoice objects.
 *
 * Proration follows Stripe's classic model, to the second: changing a licensed item at time t in
 * the period [s, e) credits `-round(old × qty × (e − t) / (e − s))` ("Unused time on …") and
 * charges `round(new × qty × (e − t) / (e − s))` ("Remaining time on …"). Metered items are not
 * prorated: their usage is billed in arrears from the meter's events at the item's current price.
 */
import type { Ctx } from "./context";
import { invalidParam, noSuch, StripeError } from "./errors";
import { periodAt, type Period } from "./periods";
import { hashId } from "./store";
import { activeGrants } from "./resources/credit-grants";
import { getCustomer } from "./resources/customers";
import { getMeter, meterUsage } from "./resources/meters";
import { getPrice, intervalOf, planOf, unitAmount } from "./resources/prices";
import type {
  CustomerObject,
  InvoiceItemObject,
  InvoiceLineItemObject,
  InvoiceObject,
  PriceObject,
  ProductObject,
  SubscriptionItemObject,
  SubscriptionObject,
} from "./wire";

export type ProrationBehavior = "create_prorations" | "none" | "always_invoice";

export interface ItemChange {
  id?: string | undefined;
  price?: string | undefined;
  quantity?: number | undefined;
  deleted?: boolean | undefined;
  metadata?: Record<string, string> | null | undefined;
}

/** An invoice line before it becomes a `line_item` object. */
export interface LineSpec {
  amount: number;
  description: string;
  period: Period;
  price: PriceObject;
  quantity: number;
  proration: boolean;
  subscriptionItem: string;
  invoiceItem: string | null;
  /** Credit grants applied to this line (metered usage only). */
  credits?: number;
}

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

function formatDate(sec: number): string {
  const d = new Date(sec * 1000);
  return `${d.getUTCDate()} ${MONTHS[d.getUTCMonth()] ?? ""} ${d.getUTCFullYear()}`;
}

function formatMoney(minor: number, currency: string): string {
  const major = minor / 100;
  const decimals = Math.max(2, (String(major).split(".")[1] ?? "").length);
  const n = major.toFixed(Math.min(decimals, 12));
  return currency === "usd" ? `$${n}` : `${n} ${currency.toUpperCase()}`;
}

/** Round half away from zero, as Stripe does for amounts in the minor unit. */
export const roundAmount = (x: number): number => Math.sign(x) * Math.round(Math.abs(x));

function productName(ctx: Ctx, price: PriceObject): string {
  const id = typeof price.product === "string" ? price.product : price.product.id;
  const product = ctx.store.get<ProductObject>(id, "product");
  return product?.name ?? id;
}

const customerIdOf = (sub: SubscriptionObject): string =>
  typeof sub.customer === "string" ? sub.customer : sub.customer.id;

/** A subscription as of `ctx.now`: current periods on items, fresh price objects, and a
 * scheduled cancellation applied once its time has passed. */
export function renderSubscription(ctx: Ctx, stored: SubscriptionObject): SubscriptionObject {
  const sub = structuredClone(stored);
  if (sub.status !== "canceled" && sub.cancel_at !== null && ctx.now >= sub.cancel_at) {
    sub.status = "canceled";
    sub.canceled_at ??= sub.cancel_at;
    sub.ended_at = sub.cancel_at;
  }
  // A finished subscription keeps showing the last period it was in.
  const at = sub.ended_at !== null ? sub.ended_at - 1 : ctx.now;
  for (const item of sub.items.data) {
    const price = ctx.store.get<PriceObject>(item.price.id, "price") ?? item.price;
    const { interval, count } = intervalOf(price);
    const period = periodAt(sub.billing_cycle_anchor, sub.start_date, interval, count, at);
    item.price = price;
    item.plan = planOf(price);
    item.current_period_start = period.start;
    item.current_period_end = period.end;
  }
  return sub;
}

export function currentPeriod(sub: SubscriptionObject): Period {
  const item = sub.items.data[0];
  if (!item) throw new StripeError(500, { message: "Subscription has no items." });
  return { start: item.current_period_start, end: item.current_period_end };
}

export function newItem(
  ctx: Ctx,
  subscriptionId: string,
  price: PriceObject,
  quantity: number | undefined,
  metadata: Record<string, string>,
): SubscriptionItemObject {
  const { id } = ctx.store.newId("si");
  return {
    id,
    object: "subscription_item",
    billing_thresholds: null,
    created: ctx.now,
    current_period_end: 0,
    current_period_start: 0,
    current_trial: null,
    discounts: [],
    metadata,
    plan: planOf(price),
    price,
    // Metered items carry no quantity: what they bill comes from the meter.
    ...(price.recurring?.usage_type === "metered" ? {} : { quantity: quantity ?? 1 }),
    subscription: subscriptionId,
    tax_rates: [],
  };
}

/** Check a price can go on a subscription next to `others` (recurring, active, same cadence). */
export function checkSubscriptionPrice(
  price: PriceObject,
  quantity: number | undefined,
  param: string,
  others: readonly PriceObject[],
): void {
  if (price.type !== "recurring" || price.recurring === null) {
    throw invalidParam(
      `${param}[price]`,
      "The price specified is set to `type=one_time` but this field only accepts prices with `type=recurring`.",
    );
  }
  if (!price.active) {
    throw invalidParam(
      `${param}[price]`,
      `The price specified is inactive. This field only accepts active prices.`,
    );
  }
  if (price.recurring.usage_type === "metered" && quantity !== undefined) {
    throw invalidParam(
      `${param}[quantity]`,
      `Quantity should not be specified where usage_type is \`metered\`. Remove quantity from \`${param}\`.`,
    );
  }
  if (quantity !== undefined && quantity < 0) {
    throw invalidParam(`${param}[quantity]`, "This value must be greater than or equal to 0.");
  }
  for (const other of others) {
    if (other.currency !== price.currency) {
      throw invalidParam(
        `${param}[price]`,
        "All prices on a subscription must have the same `currency`.",
      );
    }
    const a = intervalOf(other);
    const b = intervalOf(price);
    if (a.interval !== b.interval || a.count !== b.count) {
      throw invalidParam(
        `${param}[price]`,
        "The Stripe sandbox bills in classic mode: all prices on a subscription must have the same `recurring[interval]` and `recurring[interval_count]`.",
      );
    }
  }
}

export interface ChangeResult {
  items: SubscriptionItemObject[];
  prorations: LineSpec[];
}

/**
 * Apply `items[]` changes to a rendered subscription and compute the proration lines for them at
 * `prorationDate`. Items keep their id when their price or quantity changes (as with
 * `items[0][id]` + `items[0][price]`); items without an id are added, `deleted` ones removed.
 */
export function applyItemChanges(
  ctx: Ctx,
  sub: SubscriptionObject,
  changes: readonly ItemChange[],
  prorationDate: number,
  paramPrefix: string,
): ChangeResult {
  const period = currentPeriod(sub);
  const span = period.end - period.start;
  const fraction = span > 0 ? Math.max(0, Math.min(1, (period.end - prorationDate) / span)) : 0;
  const prorationPeriod = { start: prorationDate, end: period.end };
  const items = sub.items.data.map((i) => structuredClone(i));
  const prorations: LineSpec[] = [];
  const date = formatDate(prorationDate);
  const licensed = (p: PriceObject) => p.recurring?.usage_type !== "metered";
  const label = (qty: number, p: PriceObject) =>
    `${qty > 1 ? `${qty} × ` : ""}${productName(ctx, p)}`;

  const credit = (item: SubscriptionItemObject) => {
    const qty = item.quantity ?? 1;
    if (!licensed(item.price)) return;
    prorations.push({
      amount: -roundAmount(unitAmount(item.price) * qty * fraction),
      description: `Unused time on ${label(qty, item.price)} after ${date}`,
      period: prorationPeriod,
      price: item.price,
      quantity: qty,
      proration: true,
      subscriptionItem: item.id,
      invoiceItem: null,
    });
  };
  const charge = (item: SubscriptionItemObject) => {
    const qty = item.quantity ?? 1;
    if (!licensed(item.price)) return;
    prorations.push({
      amount: roundAmount(unitAmount(item.price) * qty * fraction),
      description: `Remaining time on ${label(qty, item.price)} after ${date}`,
      period: prorationPeriod,
      price: item.price,
      quantity: qty,
      proration: true,
      subscriptionItem: item.id,
      invoiceItem: null,
    });
  };

  changes.forEach((change, i) => {
    const param = `${paramPrefix}[${i}]`;
    if (change.id !== undefined) {
      const idx = items.findIndex((it) => it.id === change.id);
      const current = items[idx];
      if (!current) throw noSuch("subscription item", change.id, `${param}[id]`);
      if (change.deleted) {
        credit(current);
        items.splice(idx, 1);
        return;
      }
      const price =
        change.price !== undefined ? getPrice(ctx, change.price, `${param}[price]`) : current.price;
      const quantity =
        change.quantity ??
        (price.recurring?.usage_type === "metered" ? undefined : current.quantity);
      const others = items.filter((it) => it.id !== current.id).map((it) => it.price);
      checkSubscriptionPrice(
        price,
        change.price !== undefined ? change.quantity : quantity,
        param,
        others,
      );
      const next = structuredClone(current);
      next.price = price;
      next.plan = planOf(price);
      if (price.recurring?.usage_type === "metered") delete next.quantity;
      else next.quantity = quantity ?? 1;
      if (change.metadata !== undefined) next.metadata = change.metadata ?? {};
      const changed = next.price.id !== current.price.id || next.quantity !== current.quantity;
      if (changed) {
        credit(current);
        charge(next);
      }
      items[idx] = next;
      return;
    }
    if (change.deleted) throw invalidParam(`${param}[id]`, "Specify the id of the item to delete.");
    if (change.price === undefined)
      throw invalidParam(`${param}[price]`, `Missing required param: ${param}[price].`);
    const price = getPrice(ctx, change.price, `${param}[price]`);
    if (items.some((it) => it.price.id === price.id)) {
      throw invalidParam(
        `${param}[price]`,
        `Cannot add multiple subscription items with the same price: ${price.id}`,
      );
    }
    checkSubscriptionPrice(
      price,
      change.quantity,
      param,
      items.map((it) => it.price),
    );
    const item = newItem(ctx, sub.id, price, change.quantity, change.metadata ?? {});
    item.current_period_start = period.start;
    item.current_period_end = period.end;
    charge(item);
    items.push(item);
  });
  if (items.length === 0) {
    throw invalidParam(
      paramPrefix,
      "A subscription must have at least one item; cancel it instead.",
    );
  }
  return { items, prorations };
}

/** Pending proration invoice items of a subscription (created by `create_prorations` updates). */
export function pendingItems(ctx: Ctx, sub: SubscriptionObject): InvoiceItemObject[] {
  return ctx.store
    .list<InvoiceItemObject>("invoiceitem", customerIdOf(sub))
    .filter((ii) => ii.invoice === null && ii.parent?.subscription_details?.subscription === sub.id)
    .reverse();
}

export function pendingItemLines(ctx: Ctx, sub: SubscriptionObject): LineSpec[] {
  return pendingItems(ctx, sub).map((ii) => {
    const priceId = ii.pricing?.price_details?.price;
    const price = getPrice(
      ctx,
      typeof priceId === "string" ? priceId : (priceId?.id ?? ""),
      "price",
    );
    return {
      amount: ii.amount,
      description: ii.description ?? "",
      period: ii.period,
      price,
      quantity: ii.quantity,
      proration: ii.proration,
      subscriptionItem: ii.parent?.subscription_details?.subscription_item ?? "",
      invoiceItem: ii.id,
    };
  });
}

/** Store proration lines as pending invoice items, to be billed on the next invoice. */
export function storePendingItems(
  ctx: Ctx,
  sub: SubscriptionObject,
  lines: readonly LineSpec[],
): void {
  const customer = customerIdOf(sub);
  for (const l of lines) {
    const { id, seq } = ctx.store.newId("ii");
    const ii: InvoiceItemObject = {
      id,
      object: "invoiceitem",
      amount: l.amount,
      currency: l.price.currency,
      customer,
      customer_account: null,
      date: ctx.now,
      description: l.description,
      discountable: false,
      discounts: [],
      invoice: null,
      livemode: false,
      metadata: {},
      parent: {
        type: "subscription_details",
        subscription_details: { subscription: sub.id, subscription_item: l.subscriptionItem },
      },
      period: l.period,
      pricing: {
        type: "price_details",
        price_details: { price: l.price.id, product: productIdOf(l.price) },
        unit_amount_decimal: l.price.unit_amount_decimal,
      },
      proration: l.proration,
      quantity: l.quantity,
      quantity_decimal: String(l.quantity),
      tax_rates: [],
      test_clock: null,
    };
    ctx.store.insert(ii, seq, customer);
  }
}

const productIdOf = (price: PriceObject): string =>
  typeof price.product === "string" ? price.product : price.product.id;

/** The licensed lines of a full period [start, end) for the given items. */
export function periodLines(
  ctx: Ctx,
  items: readonly SubscriptionItemObject[],
  period: Period,
): LineSpec[] {
  return items
    .filter((it) => it.price.recurring?.usage_type !== "metered")
    .map((it) => {
      const qty = it.quantity ?? 1;
      const interval = it.price.recurring?.interval ?? "month";
      return {
        amount: roundAmount(unitAmount(it.price) * qty),
        description: `${qty} × ${productName(ctx, it.price)} (at ${formatMoney(unitAmount(it.price), it.price.currency)} / ${interval})`,
        period,
        price: it.price,
        quantity: qty,
        proration: false,
        subscriptionItem: it.id,
        invoiceItem: null,
      };
    });
}

/** Metered usage lines for [start, end): the meter's aggregate × the price's unit amount. */
export function usageLines(
  ctx: Ctx,
  customer: string,
  items: readonly SubscriptionItemObject[],
  period: Period,
): LineSpec[] {
  return items
    .filter(
      (it) => it.price.recurring?.usage_type === "metered" && it.price.recurring.meter !== null,
    )
    .map((it) => {
      const meter = getMeter(ctx, it.price.recurring?.meter ?? "", "price");
      const usage = meterUsage(ctx, meter, customer, period.start, period.end);
      const unit = unitAmount(it.price);
      return {
        amount: roundAmount(usage * unit),
        description: `${usage.toLocaleString("en-US")} × ${productName(ctx, it.price)} (at ${formatMoney(unit, it.price.currency)} per unit)`,
        period,
        price: it.price,
        quantity: usage,
        proration: false,
        subscriptionItem: it.id,
        invoiceItem: null,
      };
    });
}

/** Apply the customer's active credit grants to metered usage lines, lowest priority number
 * first, then earliest expiry. Grants are not drawn down by previews. */
export function applyCredits(ctx: Ctx, customer: string, lines: LineSpec[], at: number): void {
  const grants = activeGrants(ctx, customer, at).sort(
    (a, b) =>
      (a.priority ?? 50) - (b.priority ?? 50) ||
      (a.expires_at ?? Number.MAX_SAFE_INTEGER) - (b.expires_at ?? Number.MAX_SAFE_INTEGER) ||
      a.created - b.created,
  );
  const remaining = new Map(grants.map((g) => [g.id, g.amount.monetary?.value ?? 0]));
  for (const line of lines) {
    if (line.proration || line.price.recurring?.usage_type !== "metered" || line.amount <= 0)
      continue;
    let due = line.amount;
    let credited = 0;
    for (const g of grants) {
      if (due <= 0) break;
      if (g.amount.monetary?.currency !== line.price.currency) continue;
      const scope = g.applicability_config.scope;
      const applies = scope.prices ? scope.prices.some((p) => p.id === line.price.id) : true;
      if (!applies) continue;
      const left = remaining.get(g.id) ?? 0;
      const use = Math.min(left, due);
      remaining.set(g.id, left - use);
      due -= use;
      credited += use;
    }
    if (credited > 0) line.credits = credited;
  }
}

export interface InvoiceInput {
  id: string;
  customer: CustomerObject;
  subscription: SubscriptionObject | null;
  lines: LineSpec[];
  created: number;
  period: Period;
  billingReason: NonNullable<InvoiceObject["billing_reason"]>;
  /** `draft` for previews; `paid` for invoices the sandbox settles at once. */
  status: "draft" | "paid";
  number: string | null;
  preview: boolean;
  prorationDate?: number | undefined;
}

export function buildInvoice(ctx: Ctx, input: InvoiceInput): InvoiceObject {
  const { customer, subscription: sub, lines: specs } = input;
  const currency = specs[0]?.price.currency ?? customer.currency ?? "usd";
  const lineObjects: InvoiceLineItemObject[] = specs.map((l, i) => {
    const credit = l.credits ?? 0;
    return {
      id: hashId(input.preview ? "il_tmp" : "il", `${input.id}:${i}`, 24),
      object: "line_item",
      amount: l.amount,
      currency,
      description: l.description,
      discount_amounts: [],
      discountable: !l.proration,
      discounts: [],
      invoice: input.id,
      livemode: false,
      metadata: {},
      parent: {
        type: "subscription_item_details",
        invoice_item_details: null,
        subscription_item_details: {
          invoice_item: l.invoiceItem,
          proration: l.proration,
          proration_details: { credited_items: null },
          subscription: sub?.id ?? null,
          subscription_item: l.subscriptionItem,
        },
      },
      period: l.period,
      pretax_credit_amounts:
        credit > 0
          ? [
              {
                amount: credit,
                credit_balance_transaction: null,
                type: "credit_balance_transaction",
              },
            ]
          : [],
      pricing: {
        type: "price_details",
        price_details: { price: l.price.id, product: productIdOf(l.price) },
        unit_amount_decimal: l.price.unit_amount_decimal,
      },
      quantity: Number.isInteger(l.quantity) ? l.quantity : null,
      quantity_decimal: String(l.quantity),
      subscription: sub?.id ?? null,
      subtotal: l.amount,
      taxes: [],
    };
  });
  const subtotal = specs.reduce((s, l) => s + l.amount, 0);
  const credits = specs.reduce((s, l) => s + (l.credits ?? 0), 0);
  const total = subtotal - credits;
  const startingBalance = customer.balance;
  const amountDue = Math.max(0, total + startingBalance);
  const paid = input.status === "paid";
  return {
    id: input.id,
    object: "invoice",
    account_country: "US",
    account_name: "Credits Console Sandbox",
    account_tax_ids: null,
    amount_due: amountDue,
    amount_overpaid: 0,
    amount_paid: paid ? amountDue : 0,
    amount_remaining: paid ? 0 : amountDue,
    amount_shipping: 0,
    application: null,
    attempt_count: paid ? 1 : 0,
    attempted: paid,
    auto_advance: !paid,
    automatic_tax: {
      disabled_reason: null,
      enabled: false,
      liability: null,
      provider: null,
      status: null,
    },
    automatically_finalizes_at: input.preview ? input.created + 3600 : null,
    billing_reason: input.billingReason,
    collection_method: sub?.collection_method ?? "charge_automatically",
    created: input.created,
    currency,
    custom_fields: null,
    customer: customer.id,
    customer_account: null,
    customer_address: customer.address ?? null,
    customer_email: customer.email,
    customer_name: customer.name ?? null,
    customer_phone: customer.phone ?? null,
    customer_shipping: null,
    customer_tax_exempt: customer.tax_exempt ?? "none",
    customer_tax_ids: [],
    default_payment_method: null,
    default_source: null,
    default_tax_rates: [],
    description: null,
    discounts: [],
    due_date: null,
    effective_at: paid ? input.created : null,
    ending_balance: paid ? Math.min(0, total + startingBalance) : null,
    footer: null,
    from_invoice: null,
    // The sandbox renders no hosted pages or PDFs.
    hosted_invoice_url: null,
    invoice_pdf: null,
    issuer: { type: "self" },
    last_finalization_error: null,
    latest_revision: null,
    lines: {
      object: "list",
      data: lineObjects,
      has_more: false,
      url: input.preview ? "/v1/invoices/upcoming/lines" : `/v1/invoices/${input.id}/lines`,
    },
    livemode: false,
    metadata: {},
    next_payment_attempt: paid ? null : input.created + 3600,
    number: input.number,
    on_behalf_of: null,
    parent: sub
      ? {
          type: "subscription_details",
          quote_details: null,
          subscription_details: {
            metadata: sub.metadata,
            subscription: sub.id,
            ...(input.prorationDate !== undefined
              ? { subscription_proration_date: input.prorationDate }
              : {}),
          },
        }
      : null,
    payment_settings: {
      default_mandate: null,
      payment_method_options: null,
      payment_method_types: null,
    },
    period_end: input.period.end,
    period_start: input.period.start,
    post_payment_credit_notes_amount: 0,
    pre_payment_credit_notes_amount: 0,
    receipt_number: null,
    rendering: null,
    shipping_cost: null,
    shipping_details: null,
    starting_balance: startingBalance,
    statement_descriptor: null,
    status: input.status,
    status_transitions: {
      finalized_at: paid ? input.created : null,
      marked_uncollectible_at: null,
      paid_at: paid ? input.created : null,
      voided_at: null,
    },
    subtotal,
    subtotal_excluding_tax: subtotal,
    test_clock: null,
    total,
    total_discount_amounts: [],
    total_excluding_tax: total,
    total_pretax_credit_amounts:
      credits > 0
        ? [
            {
              amount: credits,
              credit_balance_transaction: null,
              type: "credit_balance_transaction",
            },
          ]
        : [],
    total_taxes: [],
    webhooks_delivered_at: paid ? input.created : null,
  };
}

/** Create, settle and store a real invoice (the sandbox has no payment failures), consuming the
 * customer's next invoice number and any pending invoice items billed on it. */
export function issueInvoice(
  ctx: Ctx,
  sub: SubscriptionObject,
  lines: LineSpec[],
  period: Period,
  billingReason: InvoiceInput["billingReason"],
): InvoiceObject {
  const customer = getCustomer(ctx, customerIdOf(sub), "customer");
  const { id, seq } = ctx.store.newId("in");
  const seqNo = customer.next_invoice_sequence ?? 1;
  const invoice = buildInvoice(ctx, {
    id,
    customer,
    subscription: sub,
    lines,
    created: ctx.now,
    period,
    billingReason,
    status: "paid",
    number: `${customer.invoice_prefix ?? "SANDBOX"}-${String(seqNo).padStart(4, "0")}`,
    preview: false,
  });
  customer.next_invoice_sequence = seqNo + 1;
  ctx.store.update(customer, customer.id);
  for (const l of lines) {
    if (l.invoiceItem === null) continue;
    const ii = ctx.store.get<InvoiceItemObject>(l.invoiceItem, "invoiceitem");
    if (ii) {
      ii.invoice = id;
      ctx.store.update(ii, customer.id);
    }
  }
  ctx.store.insert(invoice, seq, customer.id);
  return invoice;
}

/** The period after `period` on the same cadence as the subscription's items. */
export function nextPeriod(sub: SubscriptionObject, period: Period): Period {
  const price = sub.items.data[0]?.price;
  const { interval, count } = price ? intervalOf(price) : { interval: "month" as const, count: 1 };
  // From the anchor, not from `period.end`: an anchor on the 31st comes back after February.
  return periodAt(sub.billing_cycle_anchor, sub.start_date, interval, count, period.end);
}
