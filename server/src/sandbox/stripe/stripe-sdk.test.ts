/**
 * Conformance: every emulated endpoint through the real stripe SDK over HTTP, answers checked
 * against the shapes of Stripe's example objects, failures against the SDK's error classes.
 */
import Stripe from "stripe";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  fixture,
  NOT_IN_PINNED_VERSION,
  rejection,
  shapeMismatches,
  startStripeSandbox,
  type StripeSandbox,
} from "./test-support";

let sb: StripeSandbox;
let stripe: Stripe;

beforeAll(async () => {
  sb = await startStripeSandbox();
  stripe = sb.stripe;
});
afterAll(async () => {
  await sb.close();
});

const expectShape = (obj: unknown, resource: string) =>
  expect(shapeMismatches(obj, fixture(resource), "$", NOT_IN_PINNED_VERSION[resource])).toEqual([]);

describe("shape helper", () => {
  it("reports missing keys and wrong kinds (so the shape checks can fail)", () => {
    const f = fixture("customer");
    const broken: Record<string, unknown> = { ...f, balance: "0" };
    delete broken.email;
    expect(shapeMismatches(broken, f)).toEqual([
      "$.balance: expected number, got string",
      "$.email: missing",
    ]);
  });
});

describe("catalog and customers through the SDK", () => {
  let meter: Stripe.Billing.Meter;
  let product: Stripe.Product;
  let base: Stripe.Price;
  let upgrade: Stripe.Price;
  let overage: Stripe.Price;
  let customer: Stripe.Customer;
  let sub: Stripe.Subscription;

  it("creates, retrieves, updates and lists billing meters", async () => {
    meter = await stripe.billing.meters.create({
      display_name: "API overage",
      event_name: "api_overage",
      default_aggregation: { formula: "sum" },
    });
    expectShape(meter, "billing.meter");
    expect(meter.customer_mapping).toEqual({
      event_payload_key: "stripe_customer_id",
      type: "by_id",
    });
    expect(meter.value_settings).toEqual({ event_payload_key: "value" });
    expect((await stripe.billing.meters.retrieve(meter.id)).id).toBe(meter.id);
    const renamed = await stripe.billing.meters.update(meter.id, { display_name: "Overage" });
    expect(renamed.display_name).toBe("Overage");
    const list = await stripe.billing.meters.list({ status: "active" });
    expect(list.object).toBe("list");
    expect(list.data.map((m) => m.id)).toEqual([meter.id]);
    expect(list.url).toBe("/v1/billing/meters");
  });

  it("creates products (with a default price), retrieves and lists them", async () => {
    product = await stripe.products.create({
      name: "Growth",
      metadata: { plan: "growth" },
      default_price_data: { currency: "usd", unit_amount: 4900, recurring: { interval: "month" } },
    });
    expectShape(product, "product");
    expect(typeof product.default_price).toBe("string");
    const withPrice = await stripe.products.retrieve(product.id, { expand: ["default_price"] });
    expect((withPrice.default_price as Stripe.Price).unit_amount).toBe(4900);
    const other = await stripe.products.create({ name: "Scale", active: false });
    expect((await stripe.products.list({ active: true })).data.map((p) => p.id)).toEqual([
      product.id,
    ]);
    expect((await stripe.products.list({ ids: [other.id] })).data).toHaveLength(1);
  });

  it("creates licensed and metered prices, retrieves and lists them", async () => {
    base = await stripe.prices.create({
      product: product.id,
      currency: "usd",
      unit_amount: 9900,
      recurring: { interval: "month" },
      lookup_key: "growth_monthly",
    });
    expectShape(base, "price");
    expect(base.unit_amount_decimal?.toString()).toBe("9900");
    upgrade = await stripe.prices.create({
      product: product.id,
      currency: "usd",
      unit_amount: 29900,
      recurring: { interval: "month" },
      lookup_key: "scale_monthly",
    });
    overage = await stripe.prices.create({
      product_data: { name: "API overage" },
      currency: "usd",
      unit_amount_decimal: "0.25" as unknown as Stripe.Decimal,
      recurring: { interval: "month", usage_type: "metered", meter: meter.id },
    });
    expectShape(overage, "price");
    expect(overage.recurring).toMatchObject({ usage_type: "metered", meter: meter.id });
    expect(overage.unit_amount).toBeNull();
    expect(overage.unit_amount_decimal?.toString()).toBe("0.25");
    expect((await stripe.prices.retrieve(base.id, { expand: ["product"] })).product).toMatchObject({
      id: product.id,
    });
    const byKey = await stripe.prices.list({ lookup_keys: ["scale_monthly", "growth_monthly"] });
    expect(byKey.data.map((p) => p.id).sort()).toEqual([base.id, upgrade.id].sort());
    expect((await stripe.prices.list({ product: product.id, active: true })).data).toHaveLength(3);
  });

  it("creates, retrieves, updates, lists and searches customers", async () => {
    customer = await stripe.customers.create({
      email: "ops@acme.test",
      name: "Acme Corp",
      metadata: { unkey_external_id: "acme-corp", tier: "growth" },
    });
    expectShape(customer, "customer");
    expect(customer.id).toMatch(/^cus_[A-Za-z0-9]{14}$/);
    const got = await stripe.customers.retrieve(customer.id);
    expect(got).toEqual(customer);
    const updated = await stripe.customers.update(customer.id, {
      metadata: { tier: "", region: "eu" },
      description: "key account",
    });
    expect(updated.metadata).toEqual({ unkey_external_id: "acme-corp", region: "eu" });
    expect(updated.description).toBe("key account");
    const cleared = await stripe.customers.update(customer.id, {
      metadata: "" as unknown as Stripe.MetadataParam,
    });
    expect(cleared.metadata).toEqual({});
    await stripe.customers.update(customer.id, { metadata: { unkey_external_id: "acme-corp" } });
    const list = await stripe.customers.list({ email: "ops@acme.test" });
    expect(list.data.map((c) => c.id)).toEqual([customer.id]);
    const found = await stripe.customers.search({
      query: 'metadata["unkey_external_id"]:"acme-corp"',
    });
    expect(found.object).toBe("search_result");
    expect(found.data.map((c) => c.id)).toEqual([customer.id]);
    expect(found.next_page).toBeNull();
  });

  it("creates subscriptions with periods on items, retrieves, lists and expands them", async () => {
    sub = await stripe.subscriptions.create({
      customer: customer.id,
      items: [{ price: base.id }, { price: overage.id }],
      metadata: { plan: "growth" },
      expand: ["latest_invoice", "customer"],
    });
    expectShape(sub, "subscription");
    expectShape(sub.items.data[0], "subscription_item");
    expect(sub.status).toBe("active");
    expect((sub.customer as Stripe.Customer).id).toBe(customer.id);
    const first = sub.latest_invoice as Stripe.Invoice;
    expectShape(first, "invoice");
    expectShape(first.lines.data[0], "line_item");
    expect(first.total).toBe(9900);
    const [licensed, metered] = sub.items.data;
    expect(licensed?.quantity).toBe(1);
    expect(metered && "quantity" in metered).toBe(false);
    expect(licensed?.current_period_start).toBe(Date.UTC(2026, 0, 15, 12) / 1000);
    expect(licensed?.current_period_end).toBe(Date.UTC(2026, 1, 15, 12) / 1000);
    const again = await stripe.subscriptions.retrieve(sub.id, {
      expand: ["items.data.price.product"],
    });
    expect((again.items.data[0]?.price.product as Stripe.Product).name).toBe("Growth");
    expect(
      (await stripe.subscriptions.list({ customer: customer.id })).data.map((s) => s.id),
    ).toEqual([sub.id]);
    expect((await stripe.subscriptions.list({ price: upgrade.id })).data).toHaveLength(0);
    expect((await stripe.subscriptions.list({ status: "canceled" })).data).toHaveLength(0);
    const items = await stripe.subscriptionItems.list({ subscription: sub.id });
    expect(items.data).toHaveLength(2);
    expectShape(await stripe.subscriptionItems.retrieve(licensed?.id ?? ""), "subscription_item");
    const invoice = await stripe.invoices.retrieve(first.id);
    expect(invoice.status).toBe("paid");
    expect((await stripe.invoices.list({ subscription: sub.id })).data.map((i) => i.id)).toEqual([
      first.id,
    ]);
  });

  it("records meter events and lists event summaries", async () => {
    const now = Math.floor(sb.clock.now() / 1000);
    const ev = await stripe.billing.meterEvents.create({
      event_name: "api_overage",
      payload: { stripe_customer_id: customer.id, value: "40" },
      identifier: "conf-1",
      timestamp: now - 60,
    });
    expectShape(ev, "billing.meter_event");
    const summaries = await stripe.billing.meters.listEventSummaries(meter.id, {
      customer: customer.id,
      start_time: now - 3600 * 12,
      end_time: now + 3600 * 12,
    });
    expect(summaries.data).toHaveLength(1);
    expectShape(summaries.data[0], "billing.meter_event_summary");
    expect(summaries.data[0]?.aggregated_value).toBe(40);
  });

  it("creates, retrieves, lists and voids credit grants", async () => {
    const grant = await stripe.billing.creditGrants.create({
      customer: customer.id,
      amount: { type: "monetary", monetary: { currency: "usd", value: 500 } },
      applicability_config: { scope: { price_type: "metered" } },
      category: "promotional",
      name: "Goodwill",
      metadata: { reason: "outage" },
    });
    expectShape(grant, "billing.credit_grant");
    expect(grant.customer).toBe(customer.id);
    expect((await stripe.billing.creditGrants.retrieve(grant.id)).name).toBe("Goodwill");
    const list = await stripe.billing.creditGrants.list({ customer: customer.id });
    expect(list.data.map((g) => g.id)).toEqual([grant.id]);
    const voided = await stripe.billing.creditGrants.voidGrant(grant.id);
    expect(voided.voided_at).not.toBeNull();
  });

  it("previews an invoice and updates a subscription's price", async () => {
    const licensed = sub.items.data[0];
    const preview = await stripe.invoices.createPreview({
      customer: customer.id,
      subscription: sub.id,
      subscription_details: {
        items: [{ id: licensed?.id, price: upgrade.id }],
        proration_behavior: "create_prorations",
      },
    });
    expectShape(preview, "invoice");
    expectShape(preview.lines.data[0], "line_item");
    expect(preview.lines.data.some((l) => l.parent?.subscription_item_details?.proration)).toBe(
      true,
    );
    const updated = await stripe.subscriptions.update(sub.id, {
      items: [{ id: licensed?.id, price: upgrade.id }],
      proration_behavior: "none",
    });
    expect(updated.items.data[0]?.id).toBe(licensed?.id);
    expect(updated.items.data[0]?.price.id).toBe(upgrade.id);
    const canceled = await stripe.subscriptions.cancel(sub.id);
    expect(canceled.status).toBe("canceled");
    expect((await stripe.subscriptions.list({ customer: customer.id })).data).toHaveLength(0);
    expect(
      (await stripe.subscriptions.list({ customer: customer.id, status: "all" })).data,
    ).toHaveLength(1);
  });
});

describe("errors through the SDK", () => {
  it("rejects a wrong or missing API key with StripeAuthenticationError", async () => {
    const err = await rejection(() => sb.client("sk_test_wrong_key_1234").customers.list());
    expect(err).toBeInstanceOf(Stripe.errors.StripeAuthenticationError);
    expect(err.statusCode).toBe(401);
    expect(err.message).toMatch(/^Invalid API Key provided: sk_test_\*+1234$/);
    const raw = await fetch(`${sb.server.url}/v1/customers`);
    expect(raw.status).toBe(401);
    expect(((await raw.json()) as { error: { type: string } }).error.type).toBe(
      "invalid_request_error",
    );
  });

  it("accepts Basic auth with the key as user name", async () => {
    const basic = Buffer.from(`${sb.emulator.secretKey}:`).toString("base64");
    const res = await fetch(`${sb.server.url}/v1/customers?limit=1`, {
      headers: { authorization: `Basic ${basic}` },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get("request-id")).toMatch(/^req_/);
  });

  it("names unknown, missing and invalid params", async () => {
    const unknown = await rejection(() =>
      stripe.customers.create({ nickname: "x" } as Stripe.CustomerCreateParams),
    );
    expect(unknown).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
    expect(unknown).toMatchObject({
      code: "parameter_unknown",
      param: "nickname",
      statusCode: 400,
    });
    const nested = await rejection(() =>
      stripe.prices.create({
        currency: "usd",
        product_data: { name: "x" },
        unit_amount: 1,
        recurring: {
          interval: "month",
          aggregate_usage: "sum",
        } as Stripe.PriceCreateParams.Recurring,
      }),
    );
    expect(nested).toMatchObject({
      code: "parameter_unknown",
      param: "recurring[aggregate_usage]",
    });
    const missing = await rejection(() => stripe.subscriptions.create({ items: [] }));
    expect(missing).toMatchObject({ code: "parameter_missing", param: "customer" });
    const badInt = await rejection(() =>
      stripe.customers.list({ limit: "ten" as unknown as number }),
    );
    expect(badInt).toMatchObject({ code: "parameter_invalid_integer", param: "limit" });
    const range = await rejection(() => stripe.customers.list({ limit: 101 }));
    expect(range).toMatchObject({ param: "limit", statusCode: 400 });
    const enumErr = await rejection(() =>
      stripe.prices.create({
        currency: "usd",
        product_data: { name: "x" },
        unit_amount: 1,
        recurring: { interval: "fortnight" as "month" },
      }),
    );
    expect(enumErr).toMatchObject({ param: "recurring[interval]" });
    expect(enumErr.message).toBe(
      "Invalid recurring[interval]: must be one of day, week, month, or year",
    );
    const metered = await rejection(() =>
      stripe.prices.create({
        currency: "usd",
        product_data: { name: "x" },
        unit_amount: 1,
        recurring: { interval: "month", usage_type: "metered" },
      }),
    );
    expect(metered).toMatchObject({ code: "parameter_missing", param: "recurring[meter]" });
  });

  it("answers resource_missing with 404 for path ids and 400 for ids in params", async () => {
    const notFound = await rejection(() => stripe.customers.retrieve("cus_doesnotexist"));
    expect(notFound).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
    expect(notFound).toMatchObject({ statusCode: 404, code: "resource_missing", param: "id" });
    expect(notFound.message).toBe("No such customer: 'cus_doesnotexist'");
    const inParams = await rejection(() =>
      stripe.subscriptions.create({ customer: "cus_nope", items: [{ price: "price_x" }] }),
    );
    expect(inParams).toMatchObject({
      statusCode: 400,
      code: "resource_missing",
      param: "customer",
    });
    const url = await rejection(() => stripe.rawRequest("GET", "/v1/charges"));
    expect(url).toMatchObject({ statusCode: 404 });
    expect(url.message).toMatch(/^Unrecognized request URL \(GET: \/v1\/charges\)/);
  });

  it("maps injected faults to StripeRateLimitError and StripeAPIError in Stripe's envelope", async () => {
    sb.faults.add({ endpoint: "GET /v1/customers", kind: "status", status: 429, times: 1 });
    const limited = await rejection(() => stripe.customers.list());
    expect(limited).toBeInstanceOf(Stripe.errors.StripeRateLimitError);
    expect(limited).toMatchObject({ statusCode: 429, code: "rate_limit" });
    sb.faults.add({ endpoint: "POST /v1/customers/*", kind: "status", status: 503, times: 1 });
    const c = await stripe.customers.create({ name: "Fault target" });
    const down = await rejection(() => stripe.customers.update(c.id, { name: "x" }));
    expect(down).toBeInstanceOf(Stripe.errors.StripeAPIError);
    expect(down).toMatchObject({ statusCode: 503, type: "StripeAPIError" });
    expect(down.raw).toMatchObject({ type: "api_error" });
    // The fault fired once: the next call goes through.
    expect((await stripe.customers.update(c.id, { name: "x" })).name).toBe("x");
  });

  it("names endpoints for fault rules with ids as *", () => {
    const e = sb.emulator;
    expect(e.endpointOf({ method: "POST", path: "/v1/customers/cus_123abcDEF456" })).toBe(
      "POST /v1/customers/*",
    );
    expect(e.endpointOf({ method: "POST", path: "/v1/billing/meter_events" })).toBe(
      "POST /v1/billing/meter_events",
    );
    expect(e.endpointOf({ method: "GET", path: "/v1/customers/search" })).toBe(
      "GET /v1/customers/search",
    );
    expect(e.endpointOf({ method: "GET", path: "/v1/billing/meters/mtr_1/event_summaries" })).toBe(
      "GET /v1/billing/meters/*/event_summaries",
    );
    expect(e.endpointOf({ method: "GET", path: "/v1/charges/ch_3PabcDEF12345" })).toBe(
      "GET /v1/charges/*",
    );
  });
});
