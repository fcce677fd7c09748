/**
 * Invoices: `create_preview` (the upcoming invoice of a subscription, optionally with proposed
 * item changes, `proration_behavior` and `proration_date`), plus retrieve and list for the
 * invoices the sandbox issues (first invoice of a subscription, `always_invoice` updates).
 *
 * A preview with `create_prorations` (the default) or `none` is the next renewal invoice: pending
 * proration items, the prorations of the proposed change, the next period's licensed charges at
 * the new prices, and the current period's metered usage (less credit grants). With
 * `always_invoice` it is the invoice the change would issue right away: the prorations only.
 */
import { z } from "zod";
import {
  applyCredits,
  applyItemChanges,
  buildInvoice,
  currentPeriod,
  nextPeriod,
  pendingItemLines,
  periodLines,
  renderSubscription,
  usageLines,
  type ItemChange,
  type LineSpec,
} from "../billing";
import { expanded, type Ctx, type Route } from "../context";
import { invalidParam, missingParam, noSuch, StripeError } from "../errors";
import { listPage } from "../pagination";
import {
  bool,
  expand,
  int,
  metadata,
  pagination,
  parseParams,
  range,
  str,
  unsupported,
  inRange,
} from "../params";
import { hashId } from "../store";
import type { InvoiceObject, SubscriptionObject } from "../wire";
import { getCustomer } from "./customers";
import { checkProrationDate, getSubscription, itemChangeSchema } from "./subscriptions";

const previewSchema = z.strictObject({
  customer: str().optional(),
  subscription: str().optional(),
  subscription_details: z
    .strictObject({
      items: z.array(itemChangeSchema()).optional(),
      proration_behavior: z.enum(["always_invoice", "create_prorations", "none"]).optional(),
      proration_date: int().optional(),
      cancel_at_period_end: bool().optional(),
      metadata: metadata().optional(),
      billing_cycle_anchor: unsupported(),
      billing_mode: unsupported(),
      billing_schedules: unsupported(),
      cancel_at: unsupported(),
      cancel_now: unsupported(),
      default_tax_rates: unsupported(),
      pause: unsupported(),
      resume_at: unsupported(),
      start_date: unsupported(),
      trial_end: unsupported(),
    })
    .optional(),
  currency: str().optional(),
  expand: expand(),
  preview_mode: z.enum(["next", "recurring"]).optional(),
  automatic_tax: z.strictObject({ enabled: z.enum(["false"]) }).optional(),
  customer_account: unsupported(),
  customer_details: unsupported(),
  discounts: unsupported(),
  invoice_items: unsupported(),
  issuer: unsupported(),
  on_behalf_of: unsupported(),
  schedule: unsupported(),
  schedule_details: unsupported(),
});
const retrieveSchema = z.strictObject({ expand: expand() });
const listSchema = z.strictObject({
  ...pagination,
  collection_method: z.enum(["charge_automatically", "send_invoice"]).optional(),
  created: range().optional(),
  customer: str().optional(),
  expand: expand(),
  status: z.enum(["draft", "open", "paid", "uncollectible", "void"]).optional(),
  subscription: str().optional(),
  customer_account: unsupported(),
  due_date: unsupported(),
});

const customerIdOf = (s: SubscriptionObject): string =>
  typeof s.customer === "string" ? s.customer : s.customer.id;

function preview(ctx: Ctx): InvoiceObject {
  const p = parseParams(previewSchema, ctx.params);
  let sub: SubscriptionObject;
  if (p.subscription !== undefined) {
    sub = getSubscription(ctx, p.subscription, "subscription");
    if (p.customer !== undefined && p.customer !== customerIdOf(sub)) {
      throw invalidParam(
        "customer",
        `The subscription ${sub.id} does not belong to customer ${p.customer}.`,
      );
    }
  } else if (p.customer !== undefined) {
    const customer = getCustomer(ctx, p.customer, "customer");
    if (p.subscription_details?.items !== undefined) {
      throw invalidParam(
        "subscription",
        "The Stripe sandbox previews changes to existing subscriptions only; pass `subscription`.",
      );
    }
    const active = ctx.store
      .list<SubscriptionObject>("subscription", customer.id)
      .map((s) => renderSubscription(ctx, s))
      .filter((s) => s.status !== "canceled");
    const only = active[0];
    if (!only) {
      throw new StripeError(404, {
        code: "invoice_upcoming_none",
        message: `No upcoming invoices for customer: ${customer.id}`,
      });
    }
    sub = only;
  } else {
    throw missingParam("customer");
  }
  if (sub.status === "canceled") {
    throw new StripeError(404, {
      code: "invoice_upcoming_none",
      message: `No upcoming invoices for customer: ${customerIdOf(sub)}`,
    });
  }
  if (p.currency !== undefined && p.currency.toLowerCase() !== sub.currency) {
    throw invalidParam("currency", "The currency must match the subscription's currency.");
  }
  const details = p.subscription_details;
  const behavior = details?.proration_behavior ?? "create_prorations";
  const prorationDate = checkProrationDate(
    details?.proration_date,
    sub,
    ctx.now,
    "subscription_details[proration_date]",
  );
  const changes: ItemChange[] = (details?.items ?? []).map((it) => ({
    id: it.id,
    price: it.price ?? it.plan,
    quantity: it.quantity,
    deleted: it.deleted,
    metadata: it.metadata,
  }));
  const { items, prorations } = applyItemChanges(
    ctx,
    sub,
    changes,
    prorationDate,
    "subscription_details[items]",
  );
  const customer = getCustomer(ctx, customerIdOf(sub), "customer");
  const period = currentPeriod(sub);
  const pending = pendingItemLines(ctx, sub);
  const id = hashId("upcoming_in", `${sub.id}:${ctx.now}:${ctx.store.nextSeq()}`, 24);

  let lines: LineSpec[];
  let invoicePeriod = period;
  let created = period.end;
  let billingReason: "upcoming" | "subscription_update" = "upcoming";
  if (behavior === "always_invoice") {
    lines = [...pending, ...prorations];
    invoicePeriod = { start: prorationDate, end: prorationDate };
    created = ctx.now;
    billingReason = "subscription_update";
  } else {
    const willCancel = details?.cancel_at_period_end ?? sub.cancel_at_period_end;
    const renewal = willCancel ? [] : periodLines(ctx, items, nextPeriod(sub, period));
    lines = [
      ...pending,
      ...(behavior === "create_prorations" ? prorations : []),
      ...renewal,
      ...usageLines(ctx, customer.id, items, period),
    ];
    applyCredits(ctx, customer.id, lines, period.end);
  }
  const previewSub: SubscriptionObject = {
    ...sub,
    metadata: details?.metadata === undefined ? sub.metadata : (details.metadata ?? {}),
  };
  const invoice = buildInvoice(ctx, {
    id,
    customer,
    subscription: previewSub,
    lines,
    created,
    period: invoicePeriod,
    billingReason,
    status: "draft",
    number: null,
    preview: true,
    prorationDate: changes.length > 0 ? prorationDate : undefined,
  });
  return expanded(invoice, p.expand, ctx.store);
}

function retrieve(ctx: Ctx): InvoiceObject {
  const p = parseParams(retrieveSchema, ctx.params);
  const id = ctx.pathParams.id ?? "";
  const inv = ctx.store.get<InvoiceObject>(id, "invoice");
  if (!inv) throw noSuch("invoice", id, "id", 404);
  return expanded(inv, p.expand, ctx.store);
}

function list(ctx: Ctx) {
  const p = parseParams(listSchema, ctx.params);
  if (p.customer !== undefined) getCustomer(ctx, p.customer, "customer");
  const all = ctx.store.list<InvoiceObject>("invoice", p.customer).filter((inv) => {
    const subId = inv.parent?.subscription_details?.subscription;
    const subscription = typeof subId === "string" ? subId : subId?.id;
    return (
      (p.subscription === undefined || subscription === p.subscription) &&
      (p.status === undefined || inv.status === p.status) &&
      (p.collection_method === undefined || inv.collection_method === p.collection_method) &&
      inRange(inv.created, p.created)
    );
  });
  return expanded(listPage(all, p, "/v1/invoices", "invoice"), p.expand, ctx.store);
}

export const invoiceRoutes: Route[] = [
  { method: "POST", path: "/v1/invoices/create_preview", handler: preview },
  { method: "GET", path: "/v1/invoices", handler: list },
  { method: "GET", path: "/v1/invoices/:id", handler: retrieve },
];
