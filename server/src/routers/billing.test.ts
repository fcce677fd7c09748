import { TRPCError } from "@trpc/server";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { AppDeps } from "../context";
import { sdkClients } from "../sandbox/testing/clients";
import { anonymousCaller, callerAs } from "../testing/harness";
import {
  depsFor,
  startTestSandbox,
  type Sandbox,
  storedMeterUsage,
  stripeCall,
} from "../testing/sandbox";
import { runFullSync } from "../services/directory/index";
import { meteredAmount } from "../services/billing";

let sandbox: Sandbox;
let deps: AppDeps;
let closeDeps: () => Promise<void>;

// Pinned so acme-corp's period is known: its anchor is the 31st, so mid-March 2026 it is in the
// period that started on Feb 28 (the 31st clamped) and ends on Mar 31.
const START = "2026-03-15T12:00:00.000Z";
const DAY = 86_400;

beforeAll(async () => {
  sandbox = await startTestSandbox({ startAt: START });
  ({ deps, close: closeDeps } = await depsFor(sandbox));
});
afterEach(() => {
  sandbox.faults.stripe.clear();
  sandbox.faults.unkey.clear();
});
afterAll(async () => {
  await closeDeps();
  await sandbox.close();
});

const stripe = <T>(method: string, path: string, params: Record<string, unknown> = {}) =>
  stripeCall<T>(sandbox, method, path, params);
const storedUsage = (customer: string, from: number, to: number) =>
  storedMeterUsage(sandbox, customer, from, to);

const seconds = (isoString: string) => Date.parse(isoString) / 1000;

describe("billing.subscription", () => {
  it("shows acme-corp's Stripe customer, its two items, prices and the clamped current period", async () => {
    const caller = await callerAs(deps, "account_manager");
    const s = await caller.billing.subscription({ externalId: "acme-corp" });
    const world = sandbox.db
      .prepare(
        "SELECT stripe_customer_id, subscription_id FROM sandbox_world_customers WHERE external_id = 'acme-corp'",
      )
      .get() as { stripe_customer_id: string; subscription_id: string };
    expect(s.stripeCustomerId).toBe(world.stripe_customer_id);
    expect(s.customer).toEqual({
      id: world.stripe_customer_id,
      name: "Acme Corp",
      email: expect.any(String),
      // Sandbox mode: no dashboard link.
      dashboardUrl: null,
    });
    expect(s.subscription?.id).toBe(world.subscription_id);
    expect(s.subscription?.status).toBe("active");
    const items = s.subscription!.items;
    expect(items).toHaveLength(2);
    const base = items.find((i) => i.usageType === "licensed")!;
    const overage = items.find((i) => i.usageType === "metered")!;
    expect(base).toMatchObject({
      lookupKey: "growth_base_monthly",
      productName: "Growth plan",
      unitAmount: 49900,
      currency: "usd",
      interval: "month",
      quantity: 1,
    });
    expect(overage).toMatchObject({
      lookupKey: "growth_overage_credit",
      nickname: "Growth overage credits",
      unitAmountDecimal: "0.15",
      interval: "month",
    });
    for (const it of items) {
      expect(it.currentPeriodStart).toBe("2026-02-28T00:00:00.000Z");
      expect(it.currentPeriodEnd).toBe("2026-03-31T00:00:00.000Z");
    }
    // Nothing raw from Stripe leaks: only the contract's fields.
    expect(Object.keys(s).sort()).toEqual(["customer", "stripeCustomerId", "subscription"]);
    expect(Object.keys(base)).not.toContain("price");
  });

  it("a customer with no Stripe match gets nulls, not errors", async () => {
    const caller = await callerAs(deps, "support");
    const noStripe = sandbox.db
      .prepare(
        "SELECT external_id FROM sandbox_world_customers WHERE anomaly = 'identity_without_stripe' LIMIT 1",
      )
      .get() as { external_id: string } | undefined;
    for (const externalId of [noStripe?.external_id ?? "no-such-customer", "no-such-customer"]) {
      await expect(caller.billing.subscription({ externalId })).resolves.toEqual({
        stripeCustomerId: null,
        customer: null,
        subscription: null,
      });
      await expect(caller.billing.usage({ externalId })).resolves.toBeNull();
      await expect(caller.billing.upcomingInvoice({ externalId })).resolves.toBeNull();
    }
  });

  it("falls back to the Stripe customer search, quoting the externalId safely", async () => {
    // A Stripe customer with no Unkey identity; the id has both a quote and a backslash.
    const externalId = 'o\'brien "ltd" \\ co';
    const decoy = await stripe<{ id: string }>("POST", "/v1/customers", {
      name: "Decoy",
      metadata: { unkey_external_id: "o'brien" },
    });
    const target = await stripe<{ id: string }>("POST", "/v1/customers", {
      name: "O'Brien",
      metadata: { unkey_external_id: externalId },
    });
    const caller = await callerAs(deps, "support");
    const s = await caller.billing.subscription({ externalId });
    expect(s.stripeCustomerId).toBe(target.id);
    expect(s.stripeCustomerId).not.toBe(decoy.id);
    expect(s.customer?.name).toBe("O'Brien");
    expect(s.subscription).toBeNull();
    await expect(caller.billing.usage({ externalId })).resolves.toBeNull();
    await expect(caller.billing.upcomingInvoice({ externalId })).resolves.toBeNull();
  });
});

describe("billing.usage", () => {
  it("equals the sum of the emulator's meter events for an overage customer this period", async () => {
    const overage = sandbox.db
      .prepare(
        `SELECT c.external_id, c.stripe_customer_id FROM sandbox_world_customers c
         WHERE c.status = 'overage' AND c.stripe_customer_id IS NOT NULL AND c.identity_id IS NOT NULL`,
      )
      .all() as { external_id: string; stripe_customer_id: string }[];
    expect(overage.length).toBeGreaterThan(0);
    const caller = await callerAs(deps, "finance");
    for (const c of overage.slice(0, 3)) {
      const u = (await caller.billing.usage({ externalId: c.external_id }))!;
      const from = seconds(u.periodStart);
      const to = seconds(u.periodEnd);
      const expected = storedUsage(c.stripe_customer_id, from, to);
      expect(expected).toBeGreaterThan(0);
      expect(u.units).toBe(expected);
      expect(u.daily.reduce((s, d) => s + d.units, 0)).toBe(expected);
      expect(u.meter?.eventName).toBe("api_overage_credits");
      expect(u.amount).toBe(meteredAmount(expected, u.unitPriceDecimal!));
    }
  });

  it("counts known meter events on a fresh customer: in-period only, bucketed by UTC day", async () => {
    const now = Math.floor(sandbox.clock.now() / 1000);
    const anchor = Math.floor(now / DAY) * DAY - 5 * DAY; // 00:00 UTC, five days ago
    const acme = await (
      await callerAs(deps, "admin")
    ).billing.subscription({
      externalId: "acme-corp",
    });
    const prices = acme.subscription!.items.map((i) => ({ id: i.priceId, type: i.usageType }));
    const externalId = `usage-probe-${now}`;
    const customer = await stripe<{ id: string }>("POST", "/v1/customers", {
      name: "Usage probe",
      metadata: { unkey_external_id: externalId },
    });
    await sandbox.unkey.call("identities.createIdentity", {
      externalId,
      meta: { name: "Usage probe", stripeCustomerId: customer.id },
    });
    await stripe("POST", "/v1/subscriptions", {
      customer: customer.id,
      items: prices.map((p) =>
        p.type === "licensed" ? { price: p.id, quantity: "1" } : { price: p.id },
      ),
      backdate_start_date: String(anchor),
    });
    const events: [number, number][] = [
      [anchor - 3_600, 1_000], // before the period: not counted
      [anchor + 60, 7],
      [anchor + 2 * DAY + 5 * 3_600, 30],
      [anchor + 2 * DAY + 23 * 3_600, 5],
      [anchor + 4 * DAY, 11],
    ];
    for (const [i, [ts, value]] of events.entries()) {
      await stripe("POST", "/v1/billing/meter_events", {
        event_name: sandbox.catalog.meter.eventName,
        payload: { stripe_customer_id: customer.id, value: String(value) },
        identifier: `${externalId}-${i}`,
        timestamp: String(ts),
      });
    }
    const caller = await callerAs(deps, "finance");
    const u = (await caller.billing.usage({ externalId }))!;
    expect(u.periodStart).toBe(new Date(anchor * 1000).toISOString());
    expect(u.units).toBe(53);
    expect(u.unitPriceDecimal).toBe("0.15");
    expect(u.amount).toBe(8); // 53 × 0.15 = 7.95 → 8 cents
    const day = (n: number) => new Date((anchor + n * DAY) * 1000).toISOString().slice(0, 10);
    expect(u.daily.slice(0, 5)).toEqual([
      { date: day(0), units: 7 },
      { date: day(1), units: 0 },
      { date: day(2), units: 35 },
      { date: day(3), units: 0 },
      { date: day(4), units: 11 },
    ]);
    // Every UTC day of the period, once.
    expect(u.daily.at(-1)?.date).toBe(
      new Date(Date.parse(u.periodEnd) - DAY * 1000).toISOString().slice(0, 10),
    );

    // The upcoming invoice: next month's base fee plus this period's metered usage.
    const inv = (await caller.billing.upcomingInvoice({ externalId }))!;
    expect(inv.total).toBe(49_900 + 8);
    expect(inv.lines.map((l) => l.amount).sort((a, b) => a - b)).toEqual([8, 49_900]);
    expect(inv.lines.every((l) => !l.proration)).toBe(true);
  });

  it("rounds the metered amount half away from zero, exactly", () => {
    expect(meteredAmount(10, "0.15")).toBe(2); // 1.5
    expect(meteredAmount(30, "0.15")).toBe(5); // 4.5 (float arithmetic says 4.499…)
    expect(meteredAmount(3, "0.2")).toBe(1);
    expect(meteredAmount(0, "0.1")).toBe(0);
    expect(meteredAmount(1_000_001, "0.000000000001")).toBe(0);
  });
});

describe("billing.upcomingInvoice", () => {
  it("matches invoices.createPreview called directly, and an independent total", async () => {
    const caller = await callerAs(deps, "finance");
    const sub = await caller.billing.subscription({ externalId: "acme-corp" });
    const inv = (await caller.billing.upcomingInvoice({ externalId: "acme-corp" }))!;
    const direct = await sdkClients(sandbox).stripe.invoices.createPreview({
      customer: sub.stripeCustomerId!,
      subscription: sub.subscription!.id,
    });
    expect(inv.total).toBe(direct.total);
    expect(inv.amountDue).toBe(direct.amount_due);
    expect(inv.currency).toBe("usd");
    expect(inv.lines).toHaveLength(direct.lines.data.length);
    // acme-corp has no overage yet: the next invoice is the Growth base fee alone.
    const usage = (await caller.billing.usage({ externalId: "acme-corp" }))!;
    expect(usage.units).toBe(0);
    expect(inv.total).toBe(49_900);
  });
});

describe("failures degrade one panel only", () => {
  it("a Stripe 503 on the invoice preview fails only billing.upcomingInvoice", async () => {
    const caller = await callerAs(deps, "support");
    sandbox.faults.stripe.add({
      endpoint: "POST /v1/invoices/create_preview",
      kind: "status",
      status: 503,
    });
    const input = { externalId: "acme-corp" };
    const [customer, sub, usage, invoice] = await Promise.allSettled([
      caller.customers.byId(input),
      caller.billing.subscription(input),
      caller.billing.usage(input),
      caller.billing.upcomingInvoice(input),
    ]);
    expect(customer.status).toBe("fulfilled");
    expect(sub.status).toBe("fulfilled");
    expect(usage.status).toBe("fulfilled");
    expect(invoice.status).toBe("rejected");
    const err = (invoice as PromiseRejectedResult).reason as TRPCError;
    expect(err).toBeInstanceOf(TRPCError);
    expect(err.code).toBe("SERVICE_UNAVAILABLE");
    expect(err.message).toBe("Stripe is unavailable (503), try again");
  });

  it("a Stripe 503 on meter event summaries fails only billing.usage", async () => {
    const caller = await callerAs(deps, "support");
    sandbox.faults.stripe.add({
      endpoint: "GET /v1/billing/meters/*/event_summaries",
      kind: "status",
      status: 503,
    });
    const input = { externalId: "acme-corp" };
    const [sub, usage, invoice] = await Promise.allSettled([
      caller.billing.subscription(input),
      caller.billing.usage(input),
      caller.billing.upcomingInvoice(input),
    ]);
    expect(sub.status).toBe("fulfilled");
    expect(invoice.status).toBe("fulfilled");
    expect(usage).toMatchObject({
      status: "rejected",
      reason: { code: "SERVICE_UNAVAILABLE", message: "Stripe is unavailable (503), try again" },
    });
  });

  it("a Stripe read that hangs times out quickly as GATEWAY_TIMEOUT, not a hung panel", async () => {
    const fresh = await depsFor(sandbox, { timeoutMs: 300 });
    try {
      const caller = await callerAs(fresh.deps, "support");
      sandbox.faults.stripe.add({ endpoint: "POST /v1/invoices/create_preview", kind: "timeout" });
      const started = performance.now();
      await expect(
        caller.billing.upcomingInvoice({ externalId: "acme-corp" }),
      ).rejects.toMatchObject({
        code: "GATEWAY_TIMEOUT",
        message: "Stripe did not answer in time, try again",
      });
      expect(performance.now() - started).toBeLessThan(3_000);
    } finally {
      await fresh.close();
    }
  });

  it("when Unkey is down the Stripe panels still answer (customer found by Stripe search)", async () => {
    // A fresh deps object: its own, empty customer-id cache.
    const fresh = await depsFor(sandbox);
    try {
      const caller = await callerAs(fresh.deps, "support");
      sandbox.faults.unkey.add({ endpoint: "identities.getIdentity", kind: "status", status: 503 });
      const s = await caller.billing.subscription({ externalId: "acme-corp" });
      expect(s.customer?.name).toBe("Acme Corp");
      await expect(caller.customers.byId({ externalId: "acme-corp" })).rejects.toMatchObject({
        code: "SERVICE_UNAVAILABLE",
      });
    } finally {
      await fresh.close();
    }
  });

  it("three panels of one page view resolve the customer once", async () => {
    const fresh = await depsFor(sandbox);
    try {
      let identityLookups = 0;
      const unkey = fresh.deps.upstream.unkey;
      fresh.deps.upstream = {
        ...fresh.deps.upstream,
        unkey: {
          ...unkey,
          getIdentity: (arg: Parameters<typeof unkey.getIdentity>[0]) => {
            identityLookups++;
            return unkey.getIdentity(arg);
          },
        },
      };
      const caller = await callerAs(fresh.deps, "support");
      const input = { externalId: "acme-corp" };
      await Promise.all([
        caller.billing.subscription(input),
        caller.billing.usage(input),
        caller.billing.upcomingInvoice(input),
      ]);
      expect(identityLookups).toBe(1);
    } finally {
      await fresh.close();
    }
  });
});

describe("customer resolution from the directory", () => {
  it("after a sync the panels take the Stripe customer from the read model, not from Unkey", async () => {
    const fresh = await depsFor(sandbox);
    try {
      await runFullSync(fresh.deps);
      let identityLookups = 0;
      const unkey = fresh.deps.upstream.unkey;
      fresh.deps.upstream = {
        ...fresh.deps.upstream,
        unkey: {
          ...unkey,
          getIdentity: (arg: Parameters<typeof unkey.getIdentity>[0]) => {
            identityLookups++;
            return unkey.getIdentity(arg);
          },
        },
      };
      const caller = await callerAs(fresh.deps, "support");
      const s = await caller.billing.subscription({ externalId: "acme-corp" });
      expect(s.customer?.name).toBe("Acme Corp");
      expect(identityLookups).toBe(0);
    } finally {
      await fresh.close();
    }
  });
});

describe("access", () => {
  it("every staff role may read the Stripe panels", async () => {
    for (const role of ["admin", "account_manager", "support", "finance"] as const) {
      const caller = await callerAs(deps, role);
      await expect(caller.billing.subscription({ externalId: "acme-corp" })).resolves.toBeTruthy();
      await expect(caller.billing.usage({ externalId: "acme-corp" })).resolves.toBeTruthy();
      await expect(
        caller.billing.upcomingInvoice({ externalId: "acme-corp" }),
      ).resolves.toBeTruthy();
    }
  });

  it("no session is refused; bad input is BAD_REQUEST", async () => {
    const { caller } = anonymousCaller(deps);
    for (const call of [
      caller.billing.subscription,
      caller.billing.usage,
      caller.billing.upcomingInvoice,
    ]) {
      await expect(call({ externalId: "acme-corp" })).rejects.toMatchObject({
        code: "UNAUTHORIZED",
      });
    }
    const staff = await callerAs(deps, "support");
    await expect(staff.billing.usage({ externalId: "  " })).rejects.toMatchObject({
      code: "BAD_REQUEST",
    });
    await expect(staff.billing.usage({ externalId: "x".repeat(257) })).rejects.toMatchObject({
      code: "BAD_REQUEST",
    });
  });
});
