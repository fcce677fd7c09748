/**
 * Semantics through the SDK: pagination, search, meter event dedup and time window, idempotent
 * replay, event summaries, proration previews (against an independent calculation), credit
 * grants, billing periods across the clock, determinism.
 */
import Database from "better-sqlite3";
import Stripe from "stripe";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { SandboxClock } from "../core/clock";
import { StripeEmulator } from "./index";
import { rejection, startStripeSandbox, T0, type StripeSandbox } from "./test-support";

let sb: StripeSandbox;
let stripe: Stripe;

beforeEach(async () => {
  sb = await startStripeSandbox();
  stripe = sb.stripe;
});
afterEach(async () => {
  await sb.close();
});

const HOUR = 3600;
const DAY = 86_400;
const nowSec = () => Math.floor(sb.clock.now() / 1000);

async function ok<T>(p: Promise<{ status: number; body: unknown }>): Promise<T> {
  const r = await p;
  if (r.status !== 200) throw new Error(`call failed: ${JSON.stringify(r.body)}`);
  return r.body as T;
}

describe("list pagination", () => {
  it("auto-paginates over 230 customers newest first, and pages back with ending_before", async () => {
    const created: string[] = [];
    for (let i = 0; i < 230; i++) {
      const c = await ok<{ id: string }>(
        sb.emulator.call("POST", "/v1/customers", { name: `bulk ${i}` }),
      );
      created.push(c.id);
    }
    const all = await stripe.customers.list({ limit: 100 }).autoPagingToArray({ limit: 1000 });
    expect(all.map((c) => c.id)).toEqual([...created].reverse());

    const first = await stripe.customers.list({ limit: 100 });
    expect(first.has_more).toBe(true);
    const second = await stripe.customers.list({
      limit: 100,
      starting_after: first.data.at(-1)?.id,
    });
    const third = await stripe.customers.list({
      limit: 100,
      starting_after: second.data.at(-1)?.id,
    });
    expect([first.data.length, second.data.length, third.data.length]).toEqual([100, 100, 30]);
    expect(third.has_more).toBe(false);
    const back = await stripe.customers.list({ limit: 100, ending_before: second.data[0]?.id });
    expect(back.data.map((c) => c.id)).toEqual(first.data.map((c) => c.id));
    expect(back.has_more).toBe(false);

    const found = await stripe.customers
      .search({ query: 'name~"bulk"', limit: 100 })
      .autoPagingToArray({ limit: 1000 });
    expect(new Set(found.map((c) => c.id)).size).toBe(230);
    const counted = await stripe.customers.search({
      query: 'name~"bulk"',
      expand: ["total_count"],
    });
    expect(counted.total_count).toBe(230);
    expect(counted.next_page).toEqual(expect.any(String));

    const err = await rejection(() => stripe.customers.list({ starting_after: "cus_unknown" }));
    expect(err).toMatchObject({ code: "resource_missing", param: "starting_after" });
  });
});

describe("customer search query language", () => {
  let amy: Stripe.Customer;
  let bob: Stripe.Customer;
  let carol: Stripe.Customer;
  beforeEach(async () => {
    amy = await stripe.customers.create({
      email: "amy@acme.test",
      name: "Amy Acme",
      metadata: { plan: "growth" },
    });
    sb.clock.advance(1000);
    bob = await stripe.customers.create({
      email: "bob@globex.test",
      name: "Bob Globex",
      metadata: { plan: "scale" },
    });
    sb.clock.advance(1000);
    carol = await stripe.customers.create({
      email: "carol@initech.test",
      name: "Carol",
      phone: "+1555",
    });
  });
  const ids = async (query: string) =>
    (await stripe.customers.search({ query })).data.map((c) => c.id).sort();

  it("matches exact, substring, metadata, negation, null and numeric clauses", async () => {
    expect(await ids('email:"AMY@acme.test"')).toEqual([amy.id]);
    expect(await ids('name~"glob"')).toEqual([bob.id]);
    expect(await ids('metadata["plan"]:"growth"')).toEqual([amy.id]);
    expect(await ids('metadata["plan"]:"Growth"')).toEqual([]);
    expect(await ids('-metadata["plan"]:"growth"')).toEqual([bob.id, carol.id].sort());
    expect(await ids('metadata["plan"]:null')).toEqual([carol.id]);
    expect(await ids(`created>${amy.created}`)).toEqual([bob.id, carol.id].sort());
    expect(await ids(`created<=${bob.created}`)).toEqual([amy.id, bob.id].sort());
    expect(await ids('phone:"+1555"')).toEqual([carol.id]);
  });

  it("combines clauses with AND (explicit or by whitespace) or OR, never both", async () => {
    expect(await ids('name~"acme" metadata["plan"]:"growth"')).toEqual([amy.id]);
    expect(await ids('name~"acme" AND metadata["plan"]:"scale"')).toEqual([]);
    expect(await ids('email:"bob@globex.test" or email:"carol@initech.test"')).toEqual(
      [bob.id, carol.id].sort(),
    );
    const mixed = await rejection(() => ids('name:"a" AND name:"b" OR name:"c"'));
    expect(mixed).toMatchObject({ statusCode: 400, param: "query" });
  });

  it("rejects what Stripe rejects", async () => {
    for (const bad of [
      'name~"ac"',
      'foo:"x"',
      "email:amy@acme.test",
      '(name:"a")',
      'metadata:"x"',
      'name>"a"',
      "",
    ]) {
      const err = await rejection(() => ids(bad));
      expect(err, bad).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
      expect(err.param, bad).toBe("query");
    }
    const unsupported = await rejection(() => ids('foo:"x"'));
    expect(unsupported.message).toMatch(
      /^Field `foo` is an unsupported search field for resource `customers`/,
    );
  });
});

async function meterSetup(formula: "sum" | "count" | "last" = "sum") {
  const meter = await stripe.billing.meters.create({
    display_name: "Overage",
    event_name: `overage_${formula}`,
    default_aggregation: { formula },
  });
  const customer = await stripe.customers.create({ name: "Metered" });
  return { meter, customer };
}

describe("meter events", () => {
  it("rejects an identifier seen in the last 24 hours, accepts it after", async () => {
    const { customer } = await meterSetup();
    const event = {
      event_name: "overage_sum",
      payload: { stripe_customer_id: customer.id, value: "5" },
      identifier: "usage-2026-01-15",
    };
    const first = await stripe.billing.meterEvents.create(event);
    expect(first.identifier).toBe("usage-2026-01-15");
    sb.clock.advance(23 * HOUR * 1000);
    const dup = await rejection(() => stripe.billing.meterEvents.create(event));
    expect(dup).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
    expect(dup.message).toBe("An event already exists with identifier usage-2026-01-15.");
    expect(dup).toMatchObject({ statusCode: 400, param: "identifier" });
    sb.clock.advance(HOUR * 1000 + 1000);
    await expect(stripe.billing.meterEvents.create(event)).resolves.toMatchObject({
      identifier: event.identifier,
    });
  });

  it("enforces the 35-day past and 5-minute future window", async () => {
    const { customer } = await meterSetup();
    const at = (timestamp: number) =>
      stripe.billing.meterEvents.create({
        event_name: "overage_sum",
        payload: { stripe_customer_id: customer.id, value: "1" },
        timestamp,
      });
    const now = nowSec();
    await expect(at(now - 35 * DAY)).resolves.toMatchObject({ timestamp: now - 35 * DAY });
    await expect(at(now + 300)).resolves.toMatchObject({ timestamp: now + 300 });
    const past = await rejection(() => at(now - 35 * DAY - 1));
    expect(past).toMatchObject({ statusCode: 400, param: "timestamp" });
    expect(past.message).toBe(
      `The event timestamp cannot be more than 35 days in past. Expected a timestamp greater than or equal to ${now - 35 * DAY}.`,
    );
    const future = await rejection(() => at(now + 301));
    expect(future).toMatchObject({ statusCode: 400, param: "timestamp" });
    const noValue = await rejection(() =>
      stripe.billing.meterEvents.create({
        event_name: "overage_sum",
        payload: { stripe_customer_id: customer.id },
      }),
    );
    expect(noValue).toMatchObject({ code: "parameter_missing", param: "payload[value]" });
    const notNumber = await rejection(() =>
      stripe.billing.meterEvents.create({
        event_name: "overage_sum",
        payload: { stripe_customer_id: customer.id, value: "ten" },
      }),
    );
    expect(notNumber).toMatchObject({ param: "payload[value]" });
  });
});

describe("meter event summaries", () => {
  const day0 = Math.floor(Date.UTC(2026, 0, 13) / 1000);
  async function record(customer: string, event_name: string, entries: [number, number][]) {
    for (const [timestamp, value] of entries) {
      await stripe.billing.meterEvents.create({
        event_name,
        payload: { stripe_customer_id: customer, value: String(value) },
        timestamp,
      });
    }
  }

  it("groups by hour and by UTC day, newest first, skipping empty windows", async () => {
    const { meter, customer } = await meterSetup();
    const other = await stripe.customers.create({ name: "Other" });
    await record(customer.id, "overage_sum", [
      [day0 + 1 * HOUR + 5, 10],
      [day0 + 1 * HOUR + 3599, 5],
      [day0 + 3 * HOUR, 7],
      [day0 + DAY + 2 * HOUR, 100],
      [day0 + 2 * DAY + 10 * HOUR, 1000],
    ]);
    await record(other.id, "overage_sum", [[day0 + HOUR, 99_999]]);
    const hourly = await stripe.billing.meters.listEventSummaries(meter.id, {
      customer: customer.id,
      start_time: day0,
      end_time: day0 + DAY,
      value_grouping_window: "hour",
    });
    expect(
      hourly.data.map((s) => [s.start_time - day0, s.end_time - day0, s.aggregated_value]),
    ).toEqual([
      [3 * HOUR, 4 * HOUR, 7],
      [HOUR, 2 * HOUR, 15],
    ]);
    const daily = await stripe.billing.meters.listEventSummaries(meter.id, {
      customer: customer.id,
      start_time: day0,
      end_time: day0 + 3 * DAY,
      value_grouping_window: "day",
    });
    expect(daily.data.map((s) => [s.start_time - day0, s.aggregated_value])).toEqual([
      [2 * DAY, 1000],
      [DAY, 100],
      [0, 22],
    ]);
    const total = await stripe.billing.meters.listEventSummaries(meter.id, {
      customer: customer.id,
      start_time: day0,
      end_time: day0 + 3 * DAY,
    });
    expect(total.data.map((s) => s.aggregated_value)).toEqual([1122]);
    const paged = await stripe.billing.meters
      .listEventSummaries(meter.id, {
        customer: customer.id,
        start_time: day0,
        end_time: day0 + 3 * DAY,
        value_grouping_window: "hour",
        limit: 1,
      })
      .autoPagingToArray({ limit: 10 });
    expect(paged.map((s) => s.aggregated_value)).toEqual([1000, 100, 7, 15]);
  });

  it("aggregates with count and last formulas", async () => {
    const counted = await meterSetup("count");
    await record(counted.customer.id, "overage_count", [
      [day0 + 10, 4],
      [day0 + 20, 9],
    ]);
    const c = await stripe.billing.meters.listEventSummaries(counted.meter.id, {
      customer: counted.customer.id,
      start_time: day0,
      end_time: day0 + DAY,
    });
    expect(c.data[0]?.aggregated_value).toBe(2);
    const last = await meterSetup("last");
    await record(last.customer.id, "overage_last", [
      [day0 + 20, 9],
      [day0 + 10, 4],
    ]);
    const l = await stripe.billing.meters.listEventSummaries(last.meter.id, {
      customer: last.customer.id,
      start_time: day0,
      end_time: day0 + DAY,
    });
    expect(l.data[0]?.aggregated_value).toBe(9);
  });

  it("requires minute, hour or day alignment for the grouping window", async () => {
    const { meter, customer } = await meterSetup();
    const call = (start_time: number, end_time: number, value_grouping_window?: "hour" | "day") =>
      rejection(() =>
        stripe.billing.meters.listEventSummaries(meter.id, {
          customer: customer.id,
          start_time,
          end_time,
          ...(value_grouping_window ? { value_grouping_window } : {}),
        }),
      );
    expect(await call(day0 + 30, day0 + HOUR)).toMatchObject({
      statusCode: 400,
      param: "start_time",
    });
    const hour = await call(day0 + 60, day0 + HOUR, "hour");
    expect(hour).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
    expect(hour).toMatchObject({ param: "start_time" });
    expect(hour.message).toMatch(/aligned with hour boundaries/);
    const dayErr = await call(day0, day0 + HOUR, "day");
    expect(dayErr).toMatchObject({ param: "end_time" });
    expect(dayErr.message).toMatch(/UTC day boundaries/);
    expect(await call(day0 + HOUR, day0)).toMatchObject({ param: "start_time" });
    await expect(
      stripe.billing.meters.listEventSummaries(meter.id, {
        customer: customer.id,
        start_time: day0 + 60,
        end_time: day0 + 120,
      }),
    ).resolves.toMatchObject({ data: [{ aggregated_value: 0 }] });
  });
});

describe("idempotency", () => {
  it("replays the first answer for the same key and body, rejects a different body", async () => {
    const a = await stripe.customers.create({ name: "Once" }, { idempotencyKey: "op-1" });
    const b = await stripe.customers.create({ name: "Once" }, { idempotencyKey: "op-1" });
    expect(b).toEqual(a);
    expect(b.lastResponse.headers["idempotent-replayed"]).toBe("true");
    expect(a.lastResponse.headers["idempotent-replayed"]).toBeUndefined();
    expect((await stripe.customers.search({ query: 'name:"Once"' })).data).toHaveLength(1);
    const conflict = await rejection(() =>
      stripe.customers.create({ name: "Twice" }, { idempotencyKey: "op-1" }),
    );
    expect(conflict).toBeInstanceOf(Stripe.errors.StripeIdempotencyError);
    expect(conflict).toMatchObject({ statusCode: 400, type: "StripeIdempotencyError" });
    const otherEndpoint = await rejection(() =>
      stripe.products.create({ name: "Once" }, { idempotencyKey: "op-1" }),
    );
    expect(otherEndpoint).toBeInstanceOf(Stripe.errors.StripeIdempotencyError);
  });

  it("does not keep validation failures, and survives an answer lost after the effect", async () => {
    const bad = await rejection(() =>
      stripe.customers.create({ nmae: "x" } as Stripe.CustomerCreateParams, {
        idempotencyKey: "op-2",
      }),
    );
    expect(bad).toMatchObject({ code: "parameter_unknown" });
    const fixed = await stripe.customers.create({ name: "Fixed" }, { idempotencyKey: "op-2" });
    expect(fixed.name).toBe("Fixed");

    sb.faults.add({
      endpoint: "POST /v1/billing/meter_events",
      kind: "status",
      status: 500,
      after: true,
      times: 1,
    });
    const { meter, customer } = await meterSetup();
    const params = {
      event_name: "overage_sum",
      payload: { stripe_customer_id: customer.id, value: "3" },
      identifier: "lost-1",
    };
    const lost = await rejection(() =>
      stripe.billing.meterEvents.create(params, { idempotencyKey: "op-3" }),
    );
    expect(lost).toBeInstanceOf(Stripe.errors.StripeAPIError);
    const retried = await stripe.billing.meterEvents.create(params, { idempotencyKey: "op-3" });
    expect(retried.lastResponse.headers["idempotent-replayed"]).toBe("true");
    const sum = await stripe.billing.meters.listEventSummaries(meter.id, {
      customer: customer.id,
      start_time: nowSec() - (nowSec() % 60) - HOUR,
      end_time: nowSec() - (nowSec() % 60) + HOUR,
    });
    expect(sum.data[0]?.aggregated_value).toBe(3);
  });

  it("forgets keys after 24 hours", async () => {
    const a = await stripe.customers.create({ name: "Day one" }, { idempotencyKey: "op-4" });
    sb.clock.advance(24 * HOUR * 1000 + 1000);
    const b = await stripe.customers.create({ name: "Day one" }, { idempotencyKey: "op-4" });
    expect(b.id).not.toBe(a.id);
  });
});

describe("subscriptions, periods and proration previews", () => {
  async function plans() {
    const meter = await stripe.billing.meters.create({
      display_name: "Overage",
      event_name: "api_overage",
      default_aggregation: { formula: "sum" },
    });
    const growth = await stripe.products.create({ name: "Growth" });
    const scale = await stripe.products.create({ name: "Scale" });
    const overageProduct = await stripe.products.create({ name: "API overage" });
    const growthPrice = await stripe.prices.create({
      product: growth.id,
      currency: "usd",
      unit_amount: 9900,
      recurring: { interval: "month" },
    });
    const scalePrice = await stripe.prices.create({
      product: scale.id,
      currency: "usd",
      unit_amount: 29900,
      recurring: { interval: "month" },
    });
    const overage = await stripe.prices.create({
      product: overageProduct.id,
      currency: "usd",
      unit_amount_decimal: "0.5" as unknown as Stripe.Decimal,
      recurring: { interval: "month", usage_type: "metered", meter: meter.id },
    });
    const customer = await stripe.customers.create({ name: "Acme Corp" });
    const sub = await stripe.subscriptions.create({
      customer: customer.id,
      items: [{ price: growthPrice.id }, { price: overage.id }],
    });
    return { meter, growthPrice, scalePrice, overage, customer, sub };
  }

  it("previews an upgrade: unused-time credit, remaining-time charge, next period, metered usage", async () => {
    const { growthPrice, scalePrice, customer, sub } = await plans();
    sb.clock.advance(10 * DAY * 1000);
    await stripe.billing.meterEvents.create({
      event_name: "api_overage",
      payload: { stripe_customer_id: customer.id, value: "1234" },
    });
    const item = sub.items.data.find((i) => i.price.id === growthPrice.id);
    if (!item) throw new Error("no licensed item");
    const t = nowSec();
    const preview = await stripe.invoices.createPreview({
      customer: customer.id,
      subscription: sub.id,
      subscription_details: {
        items: [{ id: item.id, price: scalePrice.id }],
        proration_behavior: "create_prorations",
        proration_date: t,
      },
    });
    // Independent calculation: fraction of the period left, per-second, rounded half away from zero.
    const { current_period_start: s, current_period_end: e } = item;
    expect(e - s).toBe(31 * DAY);
    const left = (e - t) / (e - s);
    const credit = -Math.round(9900 * left);
    const charge = Math.round(29900 * left);
    expect([credit, charge]).toEqual([-6706, 20255]);
    const usage = Math.round(1234 * 0.5);
    expect(
      preview.lines.data.map((l) => [l.amount, l.parent?.subscription_item_details?.proration]),
    ).toEqual([
      [credit, true],
      [charge, true],
      [29900, false],
      [usage, false],
    ]);
    expect(preview.lines.data[0]?.description).toBe("Unused time on Growth after 25 Jan 2026");
    expect(preview.lines.data[1]?.description).toBe("Remaining time on Scale after 25 Jan 2026");
    expect(preview.lines.data[2]?.period).toEqual({
      start: e,
      end: Date.UTC(2026, 2, 15, 12) / 1000,
    });
    expect(preview.lines.data[3]?.period).toEqual({ start: s, end: e });
    expect(preview.lines.data[3]?.quantity).toBe(1234);
    expect(preview.total).toBe(credit + charge + 29900 + usage);
    expect(preview.amount_due).toBe(preview.total);
    expect(preview.subtotal).toBe(preview.total);
    expect(preview.parent?.subscription_details?.subscription).toBe(sub.id);
    expect(preview.id).toMatch(/^upcoming_in_/);

    const immediate = await stripe.invoices.createPreview({
      subscription: sub.id,
      subscription_details: {
        items: [{ id: item.id, price: scalePrice.id }],
        proration_behavior: "always_invoice",
        proration_date: t,
      },
    });
    expect(immediate.lines.data.map((l) => l.amount)).toEqual([credit, charge]);
    expect(immediate.total).toBe(credit + charge);
    const none = await stripe.invoices.createPreview({
      subscription: sub.id,
      subscription_details: {
        items: [{ id: item.id, price: scalePrice.id }],
        proration_behavior: "none",
      },
    });
    expect(none.lines.data.map((l) => l.amount)).toEqual([29900, usage]);
    // Nothing was changed by previewing.
    expect(
      (await stripe.subscriptions.retrieve(sub.id)).items.data.map((i) => i.price.id),
    ).toContain(growthPrice.id);
  });

  it("keeps prorations from an update pending for the next invoice, or invoices them at once", async () => {
    const { growthPrice, scalePrice, customer, sub } = await plans();
    sb.clock.advance(10 * DAY * 1000);
    const item = sub.items.data.find((i) => i.price.id === growthPrice.id);
    const updated = await stripe.subscriptions.update(sub.id, {
      items: [{ id: item?.id, price: scalePrice.id }],
      proration_behavior: "create_prorations",
    });
    expect(updated.items.data.find((i) => i.id === item?.id)?.price.id).toBe(scalePrice.id);
    const next = await stripe.invoices.createPreview({ customer: customer.id });
    expect(next.lines.data.map((l) => l.amount)).toEqual([-6706, 20255, 29900, 0]);

    const back = await stripe.subscriptions.update(sub.id, {
      items: [{ id: item?.id, price: growthPrice.id }],
      proration_behavior: "always_invoice",
      expand: ["latest_invoice"],
    });
    const invoice = back.latest_invoice as Stripe.Invoice;
    // The pending pair plus the reverse pair, all billed now.
    expect(invoice.lines.data.map((l) => l.amount)).toEqual([-6706, 20255, -20255, 6706]);
    expect(invoice).toMatchObject({
      status: "paid",
      billing_reason: "subscription_update",
      total: 0,
    });
    const after = await stripe.invoices.createPreview({ subscription: sub.id });
    expect(after.lines.data.map((l) => l.amount)).toEqual([9900, 0]);
  });

  it("applies active credit grants to metered usage in the preview", async () => {
    const { customer, sub, overage } = await plans();
    await stripe.billing.meterEvents.create({
      event_name: "api_overage",
      payload: { stripe_customer_id: customer.id, value: "2000" },
    });
    const grant = await stripe.billing.creditGrants.create({
      customer: customer.id,
      amount: { type: "monetary", monetary: { currency: "usd", value: 300 } },
      applicability_config: { scope: { prices: [{ id: overage.id }] } },
      category: "promotional",
    });
    const preview = await stripe.invoices.createPreview({ subscription: sub.id });
    expect(preview.subtotal).toBe(9900 + 1000);
    expect(preview.total_pretax_credit_amounts?.[0]?.amount).toBe(300);
    expect(preview.total).toBe(9900 + 1000 - 300);
    await stripe.billing.creditGrants.expire(grant.id);
    expect((await stripe.invoices.createPreview({ subscription: sub.id })).total).toBe(10_900);
  });

  it("validates credit grants", async () => {
    const customer = await stripe.customers.create({ name: "G" });
    const both = await rejection(() =>
      stripe.billing.creditGrants.create({
        customer: customer.id,
        amount: { type: "monetary", monetary: { currency: "usd", value: 1 } },
        applicability_config: { scope: { price_type: "metered", prices: [{ id: "price_x" }] } },
      }),
    );
    expect(both).toMatchObject({ statusCode: 400, param: "applicability_config[scope]" });
    const noCustomer = await rejection(() =>
      stripe.billing.creditGrants.create({
        customer: "cus_missing",
        amount: { type: "monetary", monetary: { currency: "usd", value: 1 } },
        applicability_config: { scope: { price_type: "metered" } },
      }),
    );
    expect(noCustomer).toMatchObject({ code: "resource_missing", param: "customer" });
    const other = await stripe.customers.create({ name: "H" });
    await stripe.billing.creditGrants.create({
      customer: other.id,
      amount: { type: "monetary", monetary: { currency: "usd", value: 1 } },
      applicability_config: { scope: { price_type: "metered" } },
    });
    expect((await stripe.billing.creditGrants.list({ customer: customer.id })).data).toHaveLength(
      0,
    );
    expect((await stripe.billing.creditGrants.list({ customer: other.id })).data).toHaveLength(1);
  });

  it("moves items into the next period when the clock crosses the period end", async () => {
    const { sub } = await plans();
    sb.clock.advanceTo(Date.UTC(2026, 1, 15, 12, 0, 1));
    const later = await stripe.subscriptions.retrieve(sub.id);
    expect(later.items.data[0]?.current_period_start).toBe(Date.UTC(2026, 1, 15, 12) / 1000);
    expect(later.items.data[0]?.current_period_end).toBe(Date.UTC(2026, 2, 15, 12) / 1000);
    const ended = await stripe.subscriptions.update(sub.id, { cancel_at_period_end: true });
    expect(ended.cancel_at).toBe(Date.UTC(2026, 2, 15, 12) / 1000);
    sb.clock.advanceTo(Date.UTC(2026, 2, 15, 12, 0, 0));
    expect((await stripe.subscriptions.retrieve(sub.id)).status).toBe("canceled");
  });

  it("supports backdated starts and rejects mismatched or one-time prices", async () => {
    const { growthPrice, customer } = await plans();
    const start = nowSec() - 40 * DAY;
    const backdated = await stripe.subscriptions.create({
      customer: customer.id,
      items: [{ price: growthPrice.id }],
      backdate_start_date: start,
    });
    expect(backdated.start_date).toBe(start);
    // Anchored on the backdated start (6 Dec 2025 12:00), so the current period began 6 Jan.
    expect(backdated.items.data[0]?.current_period_start).toBe(Date.UTC(2026, 0, 6, 12) / 1000);
    const yearly = await stripe.prices.create({
      product_data: { name: "Y" },
      currency: "usd",
      unit_amount: 1,
      recurring: { interval: "year" },
    });
    const mixed = await rejection(() =>
      stripe.subscriptions.create({
        customer: customer.id,
        items: [{ price: growthPrice.id }, { price: yearly.id }],
      }),
    );
    expect(mixed).toMatchObject({ statusCode: 400, param: "items[1][price]" });
    const once = await stripe.prices.create({
      product_data: { name: "O" },
      currency: "usd",
      unit_amount: 1,
    });
    const oneTime = await rejection(() =>
      stripe.subscriptions.create({ customer: customer.id, items: [{ price: once.id }] }),
    );
    expect(oneTime).toMatchObject({ param: "items[0][price]" });
  });
});

describe("state", () => {
  it("gives the same ids and bodies for the same sequence of operations", async () => {
    const run = async () => {
      const db = new Database(":memory:");
      const clock = new SandboxClock();
      clock.freeze(T0);
      const e = new StripeEmulator({ db, clock });
      const out: unknown[] = [];
      out.push(
        (await e.call("POST", "/v1/customers", { email: "a@b.c", metadata: { k: "v" } })).body,
      );
      out.push(
        (
          await e.call("POST", "/v1/products", {
            name: "P",
            default_price_data: {
              currency: "usd",
              unit_amount: 100,
              recurring: { interval: "month" },
            },
          })
        ).body,
      );
      out.push((await e.call("GET", "/v1/prices", { limit: 5 })).body);
      db.close();
      return out;
    };
    expect(await run()).toEqual(await run());
  });

  it("reset() empties the state and restarts ids", async () => {
    const before = await stripe.customers.create({ name: "R" });
    sb.emulator.reset();
    expect((await stripe.customers.list()).data).toHaveLength(0);
    const after = await stripe.customers.create({ name: "R" });
    expect(after.id).toBe(before.id);
  });

  it("creates 1000 customers in-process in well under a few seconds", async () => {
    const started = performance.now();
    for (let i = 0; i < 1000; i++) {
      await sb.emulator.call("POST", "/v1/customers", {
        email: `c${i}@x.test`,
        metadata: { unkey_external_id: `ext-${i}` },
      });
    }
    const ms = performance.now() - started;
    console.info(`[stripe-emulator] 1000 in-process customer creates: ${ms.toFixed(0)} ms`);
    expect(ms).toBeLessThan(5000);
  });
});
