/**
 * The emulator's objects, typed by the stripe SDK's own declarations (the authority on shapes for
 * the API version the SDK pins), so a builder that forgets a field or gets one wrong fails to
 * compile. The one difference is on the wire: the SDK turns `*_decimal` strings into its Decimal
 * class after parsing, so here those fields are strings.
 */
import type { Stripe } from "stripe";

export type Wire<T> = T extends string | number | boolean | bigint | symbol | null | undefined
  ? T
  : T extends Stripe.Decimal
    ? string
    : T extends readonly (infer U)[]
      ? Wire<U>[]
      : T extends object
        ? { [K in keyof T]: Wire<T[K]> }
        : T;

export type CustomerObject = Wire<Stripe.Customer>;
export type ProductObject = Wire<Stripe.Product>;
export type PriceObject = Wire<Stripe.Price>;
export type SubscriptionObject = Wire<Stripe.Subscription>;
export type SubscriptionItemObject = Wire<Stripe.SubscriptionItem>;
export type InvoiceObject = Wire<Stripe.Invoice>;
export type InvoiceLineItemObject = Wire<Stripe.InvoiceLineItem>;
export type MeterObject = Wire<Stripe.Billing.Meter>;
export type MeterEventObject = Wire<Stripe.Billing.MeterEvent>;
export type MeterEventSummaryObject = Wire<Stripe.Billing.MeterEventSummary>;
export type CreditGrantObject = Wire<Stripe.Billing.CreditGrant>;
export type PlanObject = Wire<Stripe.Plan>;
export type InvoiceItemObject = Wire<Stripe.InvoiceItem>;
