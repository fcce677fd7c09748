/**
 * The Stripe panels' request plan: one Stripe round trip per panel (the guesses made in parallel
 * with the subscription lookup), the exact request whenever a guess does not fit, and the shared
 * subscription read never outliving one of the console's own writes.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AppDeps } from "../context";
import { callerAs, createTestDeps } from "../testing/harness";
import {
  depsFor,
  sandboxUpstream,
  startTestSandbox,
  type Sandbox,
  storedMeterUsage,
  stripeCall,
} from "../testing/sandbox";
import { UpstreamError } from "../upstream/index";
import type { StripeClient } from "../upstream/stripe";

let sandbox: Sandbox;

// Pinned like routers/billing.test.ts: acme-corp's period is Feb 28 – Mar 31 (day-aligned).
const START = "2026-03-15T12:00:00.000Z";
const DAY = 86_400;

beforeAll(async () => {
  sandbox = await startTestSandbox({ startAt: START });
});
afterAll(async () => {
  await sandbox.close();
});

const stripe = <T>(method: string, path: string, params: Record<string, unknown> = {}) =>
  stripeCall<T>(sandbox, method, path, params);
const storedUsage = (customer: string, from: number, to: number) =>
  storedMeterUsage(sandbox, customer, from, to);

interface Call {
  name: string;
  args: unknown[];
  start: number;
  end: number;
}

type Override = Partial<Record<keyof StripeClient, (...args: never[]) => unknown>>;

/**
 * Replaces deps' Stripe client with a recording copy (same SDK, same write epoch). `override`
 * can stand in for a method; it gets the real one as its first argument.
 */
function recordStripe(deps: AppDeps, override: Override = {}) {
  const calls: Call[] = [];
  const real = deps.upstream.stripe;
  const copy: Record<string, unknown> = { ...real };
  for (const [name, fn] of Object.entries(real)) {
    if (typeof fn !== "function" || name === "writeEpoch") continue;
    const impl = (override as Record<string, (...a: unknown[]) => Promise<unknown>>)[name];
    copy[name] = async (...args: unknown[]) => {
      const call: Call = { name, args, start: performance.now(), end: Number.NaN };
      calls.push(call);
      try {
        return impl
          ? await impl(fn, ...args)
          : await (fn as (...a: unknown[]) => Promise<unknown>)(...args);
      } finally {
        call.end = performance.now();
      }
    };
  }
  deps.upstream = { ...deps.upstream, stripe: copy as StripeClient };
  const count = (name: string) => calls.filter((c) => c.name === name).length;
  return { calls, count };
}

async function freshDeps(opts: { skewDays?: number } = {}) {
  const skew = (opts.skewDays ?? 0) * DAY * 1000;
  return createTestDeps({
    upstream: sandboxUpstream(sandbox),
    now: () => sandbox.clock.now() + skew,
  });
}

async function acme(deps: AppDeps) {
  const caller = await callerAs(deps, "finance");
  const sub = await caller.billing.subscription({ externalId: "acme-corp" });
  return { caller, customerId: sub.stripeCustomerId!, subscription: sub.subscription! };
}

describe("one page view, one Stripe round trip per panel", () => {
  it("the three panels read the subscription once and send every request in parallel", async () => {
    const { deps, close } = await depsFor(sandbox);
    try {
      const rec = recordStripe(deps);
      const caller = await callerAs(deps, "support");
      // A running console has looked up the billing meter (account configuration) already.
      await expect(caller.billing.usage({ externalId: "initech" })).resolves.not.toBeNull();
      rec.calls.length = 0;

      // Latency far above the time the console needs to send its requests.
      sandbox.faults.stripe.add({ endpoint: "*", kind: "latency", latencyMs: 200 });
      try {
        const input = { externalId: "acme-corp" };
        await Promise.all([
          caller.billing.subscription(input),
          caller.billing.usage(input),
          caller.billing.upcomingInvoice(input),
        ]);
      } finally {
        sandbox.faults.stripe.clear();
      }
      expect(rec.calls.map((c) => c.name).sort()).toEqual([
        "listSubscriptions",
        "meterEventSummaries",
        "previewUpcomingInvoice",
        "retrieveCustomer",
      ]);
      const firstAnswer = Math.min(...rec.calls.map((c) => c.end));
      for (const c of rec.calls) expect(c.start).toBeLessThan(firstAnswer);
    } finally {
      await close();
    }
  });
});

describe("billing.upcomingInvoice: the customer's next invoice, checked", () => {
  it("keeps Stripe's pick when it is the console's subscription: the same invoice, one request", async () => {
    const { deps, close } = await freshDeps();
    try {
      const { caller, customerId, subscription } = await acme(deps);
      const rec = recordStripe(deps);
      const inv = await caller.billing.upcomingInvoice({ externalId: "acme-corp" });
      expect(rec.count("previewUpcomingInvoice")).toBe(1);
      const exact = await deps.upstream.stripe.previewUpcomingInvoice(customerId, subscription.id);
      expect(exact?.subscriptionId).toBe(subscription.id);
      expect(inv).toMatchObject({ total: exact!.total, lines: exact!.lines });
    } finally {
      await close();
    }
  });

  it("asks again for the console's subscription when Stripe previewed another one", async () => {
    const { deps, close } = await freshDeps();
    try {
      const { caller, customerId, subscription } = await acme(deps);
      const rec = recordStripe(deps, {
        previewUpcomingInvoice: async (
          real: StripeClient["previewUpcomingInvoice"],
          customer: string,
          sub?: string,
        ) => {
          const inv = await real(customer, sub);
          // Stripe's pick among several subscriptions: another one, with another total.
          return sub ? inv : inv && { ...inv, total: 1, subscriptionId: "sub_other" };
        },
      });
      const inv = await caller.billing.upcomingInvoice({ externalId: "acme-corp" });
      const previews = rec.calls.filter((c) => c.name === "previewUpcomingInvoice");
      expect(previews.map((c) => c.args[1])).toEqual([undefined, subscription.id]);
      const exact = await deps.upstream.stripe.previewUpcomingInvoice(customerId, subscription.id);
      expect(inv?.total).toBe(exact!.total);
      expect(inv?.total).not.toBe(1);
    } finally {
      await close();
    }
  });

  it("asks again when Stripe refuses the guess, but reports an outage at once", async () => {
    for (const [kind, status, retried] of [
      ["invalid", 400, true],
      ["unavailable", 503, false],
      ["rate_limited", 429, false],
    ] as const) {
      const { deps, close } = await freshDeps();
      try {
        const { caller } = await acme(deps);
        const rec = recordStripe(deps, {
          previewUpcomingInvoice: (
            real: StripeClient["previewUpcomingInvoice"],
            customer: string,
            sub?: string,
          ) =>
            sub
              ? real(customer, sub)
              : Promise.reject(new UpstreamError("stripe", kind, "guess failed", status)),
        });
        const result = caller.billing.upcomingInvoice({ externalId: "acme-corp" });
        if (retried) await expect(result).resolves.toMatchObject({ total: 49_900 });
        else
          await expect(result).rejects.toMatchObject({
            message: expect.stringContaining(`(${status})`),
          });
        expect(rec.count("previewUpcomingInvoice")).toBe(retried ? 2 : 1);
      } finally {
        await close();
      }
    }
  });

  it("a customer without a subscription still gets null (the guess is ignored)", async () => {
    const { deps, close } = await freshDeps();
    try {
      const externalId = "invoice-guess-no-sub";
      const customer = await stripe<{ id: string }>("POST", "/v1/customers", {
        name: "No subscription",
        metadata: { unkey_external_id: externalId },
      });
      await stripe("POST", "/v1/invoiceitems", {
        customer: customer.id,
        amount: "500",
        currency: "usd",
      }).catch(() => undefined); // pending items, where the emulator supports them
      const caller = await callerAs(deps, "support");
      await expect(caller.billing.upcomingInvoice({ externalId })).resolves.toBeNull();
    } finally {
      await close();
    }
  });
});

describe("billing.usage: the guessed window of days", () => {
  it("gives the same answer whether the window fits (one request) or not (exact request)", async () => {
    const fits = await freshDeps();
    const misses = await freshDeps({ skewDays: 200 });
    try {
      const a = recordStripe(fits.deps);
      const b = recordStripe(misses.deps);
      const overage = sandbox.db
        .prepare(
          `SELECT external_id FROM sandbox_world_customers
           WHERE status = 'overage' AND stripe_customer_id IS NOT NULL AND identity_id IS NOT NULL`,
        )
        .all() as { external_id: string }[];
      expect(overage.length).toBeGreaterThan(0);
      for (const { external_id: externalId } of [
        ...overage.slice(0, 2),
        { external_id: "acme-corp" },
      ]) {
        const [x, y] = await Promise.all([
          (await callerAs(fits.deps, "finance")).billing.usage({ externalId }),
          (await callerAs(misses.deps, "finance")).billing.usage({ externalId }),
        ]);
        expect(y).toEqual(x);
      }
      expect(a.count("meterEventSummaries")).toBe(3); // the guess, used
      expect(b.count("meterEventSummaries")).toBe(6); // the guess, unused, then the exact one
      for (const c of a.calls.filter((c) => c.name === "meterEventSummaries")) {
        const p = c.args[0] as { start: number; end: number };
        expect((p.end - p.start) / DAY).toBe(65);
      }
    } finally {
      await fits.close();
      await misses.close();
    }
  });

  it("a period not aligned to UTC days: daily buckets from the guess, the exact total asked", async () => {
    const { deps, close } = await freshDeps();
    try {
      const now = Math.floor(sandbox.clock.now() / 1000);
      // 5 days ago at 03:17:05 UTC: the period starts and ends mid-day.
      const anchor = Math.floor(now / DAY) * DAY - 5 * DAY + 3 * 3_600 + 17 * 60 + 5;
      const { subscription } = await acme(deps);
      const externalId = `unaligned-${now}`;
      const customer = await stripe<{ id: string }>("POST", "/v1/customers", {
        name: "Unaligned",
        metadata: { unkey_external_id: externalId },
      });
      await stripe("POST", "/v1/subscriptions", {
        customer: customer.id,
        items: subscription.items.map((i) =>
          i.usageType === "licensed" ? { price: i.priceId, quantity: "1" } : { price: i.priceId },
        ),
        backdate_start_date: String(anchor),
      });
      const events: [number, number][] = [
        [anchor - 3_600, 1_000], // same UTC day, before the period: in the day bucket only
        [anchor + 3_600, 7],
        [anchor + 2 * DAY, 30],
      ];
      for (const [i, [ts, value]] of events.entries()) {
        await stripe("POST", "/v1/billing/meter_events", {
          event_name: sandbox.catalog.meter.eventName,
          payload: { stripe_customer_id: customer.id, value: String(value) },
          identifier: `${externalId}-${i}`,
          timestamp: String(ts),
        });
      }
      const rec = recordStripe(deps);
      const u = (await (await callerAs(deps, "finance")).billing.usage({ externalId }))!;
      expect(u.periodStart).toBe(new Date(anchor * 1000).toISOString());
      expect(u.units).toBe(37);
      expect(u.units).toBe(storedUsage(customer.id, anchor, Date.parse(u.periodEnd) / 1000));
      // The chart shows whole UTC days: the first day holds the event before the period too.
      expect(u.daily[0]).toEqual({
        date: new Date((anchor - (anchor % DAY)) * 1000).toISOString().slice(0, 10),
        units: 1_007,
      });
      const summaries = rec.calls.filter((c) => c.name === "meterEventSummaries");
      expect(summaries.map((c) => (c.args[0] as { grouping?: string }).grouping)).toEqual([
        "day",
        undefined,
      ]);
    } finally {
      await close();
    }
  });

  it("a failing guess fails the panel at once on an outage, and is retried exactly when refused", async () => {
    for (const [kind, status, retried] of [
      ["invalid", 400, true],
      ["unavailable", 503, false],
    ] as const) {
      const { deps, close } = await freshDeps();
      try {
        const caller = await callerAs(deps, "finance");
        let guessed = false;
        const rec = recordStripe(deps, {
          meterEventSummaries: (
            real: StripeClient["meterEventSummaries"],
            p: Parameters<StripeClient["meterEventSummaries"]>[0],
          ) => {
            if (guessed) return real(p);
            guessed = true;
            return Promise.reject(new UpstreamError("stripe", kind, "guess failed", status));
          },
        });
        const result = caller.billing.usage({ externalId: "acme-corp" });
        if (retried) await expect(result).resolves.toMatchObject({ units: 0 });
        else await expect(result).rejects.toMatchObject({ code: "SERVICE_UNAVAILABLE" });
        expect(rec.count("meterEventSummaries")).toBe(retried ? 2 : 1);
      } finally {
        await close();
      }
    }
  });
});

describe("the shared subscription read and the console's own writes", () => {
  async function planPrices(deps: AppDeps, plan: "starter" | "growth") {
    const keys = [`${plan}_base_monthly`, `${plan}_overage_credit`];
    const byKey = await deps.upstream.stripe.pricesByLookupKeys(keys);
    return { base: byKey.get(keys[0]!)!, overage: byKey.get(keys[1]!)! };
  }

  /** Moves a subscription to `plan`'s prices through the console's own Stripe client. */
  async function switchPlan(deps: AppDeps, subId: string, plan: "starter" | "growth") {
    const prices = await planPrices(deps, plan);
    const sub = await deps.upstream.stripe.retrieveSubscription(subId);
    await deps.upstream.stripe.updateSubscriptionPrices({
      subscriptionId: subId,
      items: sub.items.map((i) => ({
        id: i.id,
        price: i.usageType === "licensed" ? prices.base : prices.overage,
      })),
      idempotencyKey: `coalesce-test-${subId}-${plan}-${sandbox.clock.now()}`,
    });
  }

  const basePrice = (s: {
    subscription: { items: { usageType: string; priceId: string }[] } | null;
  }) => s.subscription?.items.find((i) => i.usageType === "licensed")?.priceId;

  /** A growth customer other than acme-corp (whose invoice other tests check). */
  function growthCustomer(offset: number): string {
    const row = sandbox.db
      .prepare(
        `SELECT external_id FROM sandbox_world_customers
         WHERE plan = 'growth' AND anomaly IS NULL AND subscription_id IS NOT NULL
           AND identity_id IS NOT NULL AND external_id <> 'acme-corp'
         ORDER BY external_id LIMIT 1 OFFSET ?`,
      )
      .get(offset) as { external_id: string } | undefined;
    if (!row) throw new Error("the test world has too few growth customers");
    return row.external_id;
  }

  it("a subscription kept for a few seconds is dropped by a plan change at once", async () => {
    const { deps, close } = await freshDeps();
    try {
      const externalId = growthCustomer(0);
      const caller = await callerAs(deps, "support");
      const growth = await planPrices(deps, "growth");
      const starter = await planPrices(deps, "starter");
      const rec = recordStripe(deps);
      const first = await caller.billing.subscription({ externalId });
      expect(basePrice(first)).toBe(growth.base);
      await caller.billing.subscription({ externalId });
      expect(rec.count("listSubscriptions")).toBe(1); // the second view reused it

      await switchPlan(deps, first.subscription!.id, "starter");
      const after = await caller.billing.subscription({ externalId });
      expect(basePrice(after)).toBe(starter.base);
      expect(rec.count("listSubscriptions")).toBe(2);
    } finally {
      await close();
    }
  });

  it("a panel asked after a plan change never joins a read sent before it", async () => {
    const { deps, close } = await freshDeps();
    try {
      const externalId = growthCustomer(1);
      const caller = await callerAs(deps, "support");
      const growth = await planPrices(deps, "growth");
      const starter = await planPrices(deps, "starter");
      const subId = (
        await deps.upstream.stripe.listSubscriptions(
          (await caller.billing.subscription({ externalId })).stripeCustomerId!,
        )
      )[0]!.id;
      // A fresh cache: nothing kept from the look-up above.
      const { deps: view, close: closeView } = await freshDeps();
      try {
        const viewer = await callerAs(view, "support");
        const rec = recordStripe(view);
        // The list is answered at once (the state before the change) but delivered 300 ms later.
        const fault = sandbox.faults.stripe.add({
          endpoint: "GET /v1/subscriptions",
          kind: "latency",
          latencyMs: 300,
          after: true,
          times: 1,
        });
        const before = viewer.billing.subscription({ externalId });
        // The rule disappears when it fires, i.e. once the emulator has answered the list.
        while (sandbox.faults.stripe.list().some((f) => f.id === fault.id)) {
          await new Promise((r) => setTimeout(r, 5));
        }
        // The change goes through the viewer's client, as a plan change in this console would.
        await switchPlan(view, subId, "starter");
        const after = await viewer.billing.subscription({ externalId });
        expect(basePrice(after)).toBe(starter.base);
        expect(basePrice(await before)).toBe(growth.base);
        // What stays shared is the newer read.
        expect(basePrice(await viewer.billing.subscription({ externalId }))).toBe(starter.base);
        expect(rec.count("listSubscriptions")).toBe(2);
      } finally {
        sandbox.faults.stripe.clear();
        await closeView();
      }
    } finally {
      await close();
    }
  });
});
