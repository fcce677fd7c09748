/**
 * The customer page's Stripe panels, one procedure each so the client renders a panel per query
 * and a failing Stripe read degrades only that panel. Outputs are validated: nothing of Stripe's
 * raw objects reaches the browser.
 */
import { z } from "zod";
import { billingSubscription, billingUpcomingInvoice, billingUsage } from "../services/billing";
import { router, staffProcedure } from "../trpc";

const input = z.object({ externalId: z.string().trim().min(1, "required").max(256) });
const isoInstant = z.iso.datetime();

const subscriptionItem = z.object({
  id: z.string(),
  priceId: z.string(),
  lookupKey: z.string().nullable(),
  productName: z.string().nullable(),
  nickname: z.string().nullable(),
  usageType: z.enum(["licensed", "metered"]),
  /** Cents. */
  unitAmount: z.number().int().nullable(),
  /** Cents as a decimal string (sub-cent prices). */
  unitAmountDecimal: z.string().nullable(),
  currency: z.string(),
  interval: z.string().nullable(),
  quantity: z.number().nullable(),
  currentPeriodStart: isoInstant,
  currentPeriodEnd: isoInstant,
});

export const billingSubscriptionOutput = z.object({
  stripeCustomerId: z.string().nullable(),
  customer: z
    .object({
      id: z.string(),
      name: z.string().nullable(),
      email: z.string().nullable(),
      dashboardUrl: z.string().nullable(),
    })
    .nullable(),
  subscription: z
    .object({ id: z.string(), status: z.string(), items: z.array(subscriptionItem) })
    .nullable(),
});

export const billingUsageOutput = z
  .object({
    meter: z.object({ id: z.string(), eventName: z.string(), displayName: z.string() }).nullable(),
    periodStart: isoInstant,
    periodEnd: isoInstant,
    units: z.number(),
    unitPriceDecimal: z.string().nullable(),
    amount: z.number().int().nullable(),
    daily: z.array(z.object({ date: z.iso.date(), units: z.number() })),
  })
  .nullable();

export const billingUpcomingInvoiceOutput = z
  .object({
    total: z.number().int(),
    amountDue: z.number().int(),
    currency: z.string(),
    periodStart: isoInstant,
    periodEnd: isoInstant,
    lines: z.array(
      z.object({
        description: z.string().nullable(),
        amount: z.number().int(),
        proration: z.boolean(),
      }),
    ),
    hasMoreLines: z.boolean(),
  })
  .nullable();

export const billingRouter = router({
  /** The Stripe customer and its current subscription's items, prices and periods. */
  subscription: staffProcedure
    .input(input)
    .output(billingSubscriptionOutput)
    .query(({ ctx, input }) => billingSubscription(ctx.deps, input.externalId)),

  /** This period's metered usage (meter event summaries); null without a Stripe subscription. */
  usage: staffProcedure
    .input(input)
    .output(billingUsageOutput)
    .query(({ ctx, input }) => billingUsage(ctx.deps, input.externalId)),

  /** The subscription's upcoming invoice (invoices.createPreview); null without a subscription. */
  upcomingInvoice: staffProcedure
    .input(input)
    .output(billingUpcomingInvoiceOutput)
    .query(({ ctx, input }) => billingUpcomingInvoice(ctx.deps, input.externalId)),
});
