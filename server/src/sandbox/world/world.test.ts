/**
 * The seeded demo world as the console will see it: read through the real `@unkey/api` and
 * `stripe` SDKs from the running emulators.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSandbox, type Sandbox } from "../index";
import { allIdentities, allKeys, sdkClients, type KeyData } from "../testing/clients";
import { DAY_MS, HOUR_MS, lastRefillAt, startOfUtcDay, type RefillSchedule } from "./calendar";

const START = "2026-03-18T15:20:00Z";

function schedule(k: KeyData): RefillSchedule | null {
  const r = k.credits?.refill;
  if (!r) return null;
  return r.interval === "daily"
    ? { interval: "daily" }
    : { interval: "monthly", refillDay: r.refillDay ?? 1 };
}

describe("demo world through the SDKs", () => {
  let sb: Sandbox;
  let clients: ReturnType<typeof sdkClients>;
  let keys: KeyData[];

  beforeAll(async () => {
    sb = await startSandbox({
      dataDir: null,
      traffic: false,
      startAt: START,
      world: { customers: 40, historyDays: 45 },
    });
    // Frozen so "now" in the assertions is the instant the emulators answer at.
    sb.clock.freeze();
    clients = sdkClients(sb);
    keys = await allKeys(clients.unkey, sb.credentials.unkeyApiId);
  });
  afterAll(() => sb.close());

  it("has acme-corp: Acme Corp, growth, exactly 2 keys refilling monthly on day 31", async () => {
    const { data: acme } = await clients.unkey.identities.getIdentity({ identity: "acme-corp" });
    expect(acme.meta).toMatchObject({
      name: "Acme Corp",
      plan: "growth",
      email: expect.any(String),
    });
    expect(acme.ratelimits?.map((r) => [r.name, r.limit, r.duration, r.autoApply])).toEqual([
      ["requests", 50, 1000, true],
    ]);
    const acmeKeys = await allKeys(clients.unkey, sb.credentials.unkeyApiId, "acme-corp");
    expect(acmeKeys).toHaveLength(2);
    for (const k of acmeKeys) {
      expect(k.credits?.refill).toEqual({ interval: "monthly", amount: 100_000, refillDay: 31 });
      expect(k.credits?.remaining).toBeGreaterThan(0);
      expect(k.ratelimits?.map((r) => r.name)).toEqual(["burst"]);
      expect(k.identity?.externalId).toBe("acme-corp");
    }
    const customer = await clients.stripe.customers.retrieve(String(acme.meta?.stripeCustomerId));
    expect(customer).toMatchObject({
      name: "Acme Corp",
      metadata: { unkey_external_id: "acme-corp" },
    });
    const subs = await clients.stripe.subscriptions.list({
      customer: customer.id,
      expand: ["data.items.data.price"],
    });
    expect(subs.data).toHaveLength(1);
    const items = subs.data[0]!.items.data;
    expect(items.map((i) => i.price.lookup_key).sort()).toEqual([
      "growth_base_monthly",
      "growth_overage_credit",
    ]);
    const metered = items.find((i) => i.price.recurring?.usage_type === "metered");
    expect(metered?.price.recurring?.meter).toMatch(/^mtr_|^meter_/);
    // Anchored on the 31st: on 18 March the period started on 28 February (clamped).
    expect(new Date(items[0]!.current_period_start * 1000).toISOString()).toBe(
      "2026-02-28T00:00:00.000Z",
    );
    expect(new Date(items[0]!.current_period_end * 1000).toISOString()).toBe(
      "2026-03-31T00:00:00.000Z",
    );
    // Acme starts with no overage so a grant test sees exactly its own meter event.
    const summaries = await clients.stripe.billing.meters.listEventSummaries(
      String(metered?.price.recurring?.meter),
      {
        customer: customer.id,
        start_time: items[0]!.current_period_start,
        end_time: items[0]!.current_period_end,
      },
    );
    expect(summaries.data.reduce((a, s) => a + s.aggregated_value, 0)).toBe(0);
  });

  it("has globex: Globex, scale, every key at 0 credits", async () => {
    const { data: globex } = await clients.unkey.identities.getIdentity({ identity: "globex" });
    expect(globex.meta).toMatchObject({ name: "Globex", plan: "scale" });
    const globexKeys = await allKeys(clients.unkey, sb.credentials.unkeyApiId, "globex");
    expect(globexKeys.length).toBeGreaterThan(0);
    for (const k of globexKeys) {
      expect(k.credits?.remaining).toBe(0);
      expect(k.credits?.refill).toEqual({ interval: "monthly", amount: 1_000_000, refillDay: 1 });
    }
  });

  it("has initech: Initech, starter, daily, under 10% left and out before midnight at its recent burn", async () => {
    const { data: initech } = await clients.unkey.identities.getIdentity({ identity: "initech" });
    expect(initech.meta).toMatchObject({ name: "Initech", plan: "starter" });
    const initechKeys = await allKeys(clients.unkey, sb.credentials.unkeyApiId, "initech");
    const remaining = initechKeys.reduce((a, k) => a + (k.credits?.remaining ?? 0), 0);
    const allowance = initechKeys.reduce((a, k) => a + (k.credits?.refill?.amount ?? 0), 0);
    for (const k of initechKeys)
      expect(k.credits?.refill).toEqual({ interval: "daily", amount: 1000 });
    expect(remaining).toBeGreaterThan(0);
    expect(remaining / allowance).toBeLessThan(0.1);
    // The burn rate as the console computes it: spent_credits over a trailing window, via analytics.
    const now = sb.clock.now();
    const midnight = startOfUtcDay(now) + DAY_MS;
    for (const windowMs of [HOUR_MS, 6 * HOUR_MS, DAY_MS]) {
      const res = await clients.unkey.analytics.getVerifications({
        query: `SELECT sum(spent_credits) AS spent FROM key_verifications_v1 WHERE external_id = 'initech' AND time >= ${now - windowMs}`,
      });
      const spent = Number((res.data[0] as { spent: number }).spent);
      expect(now + remaining / (spent / windowMs)).toBeLessThan(midnight);
    }
  });

  it("links every identity to a Stripe customer that points back, except the deliberate orphans", async () => {
    const identities = await allIdentities(clients.unkey);
    const customers = await clients.stripe.customers
      .list({ limit: 100 })
      .autoPagingToArray({ limit: 10_000 });
    const byId = new Map(customers.map((c) => [c.id, c]));
    const manifest = sb.db
      .prepare(
        "SELECT external_id, anomaly, stripe_customer_id FROM sandbox_world_customers WHERE anomaly IS NOT NULL",
      )
      .all() as {
      external_id: string | null;
      anomaly: string;
      stripe_customer_id: string | null;
    }[];
    const withoutStripe = new Set(
      manifest.filter((m) => m.anomaly === "identity_without_stripe").map((m) => m.external_id),
    );
    expect(withoutStripe.size).toBeGreaterThan(0);

    expect(identities).toHaveLength(40);
    for (const identity of identities) {
      const meta = identity.meta as {
        name: string;
        email: string;
        plan: string;
        stripeCustomerId?: string;
      };
      expect(["starter", "growth", "scale"]).toContain(meta.plan);
      if (withoutStripe.has(identity.externalId)) {
        expect(meta.stripeCustomerId).toBeUndefined();
        continue;
      }
      const customer = byId.get(meta.stripeCustomerId ?? "");
      expect(customer, identity.externalId).toBeDefined();
      expect(customer?.metadata.unkey_external_id).toBe(identity.externalId);
      expect(customer?.name).toBe(meta.name);
      expect(customer?.email).toBe(meta.email);
    }

    // Stripe customers with no identity: either no unkey_external_id or one that points nowhere.
    const externalIds = new Set(identities.map((i) => i.externalId));
    const orphans = customers.filter(
      (c) => !c.metadata.unkey_external_id || !externalIds.has(c.metadata.unkey_external_id),
    );
    expect(orphans.map((c) => c.id).sort()).toEqual(
      manifest
        .filter((m) => m.anomaly === "stripe_without_identity")
        .map((m) => m.stripe_customer_id)
        .sort(),
    );
    expect(orphans.length).toBeGreaterThan(0);

    // Keys with no identity, identities with no keys: present, and only the deliberate ones.
    const loose = keys.filter((k) => !k.identity);
    expect(loose.length).toBe(manifest.filter((m) => m.anomaly === "key_without_identity").length);
    expect(loose.length).toBeGreaterThan(0);
    const owners = new Set(keys.map((k) => k.identity?.externalId));
    const keyless = identities.filter((i) => !owners.has(i.externalId)).map((i) => i.externalId);
    expect(keyless.sort()).toEqual(
      manifest
        .filter((m) => m.anomaly === "identity_without_keys")
        .map((m) => m.external_id)
        .sort(),
    );
  });

  it("has 1-5 keys per customer, unlimited keys, a mix of states and a history", async () => {
    const perOwner = new Map<string, number>();
    for (const k of keys)
      if (k.identity)
        perOwner.set(k.identity.externalId, (perOwner.get(k.identity.externalId) ?? 0) + 1);
    expect(Math.min(...perOwner.values())).toBeGreaterThanOrEqual(1);
    expect(Math.max(...perOwner.values())).toBeLessThanOrEqual(5);
    expect(keys.some((k) => k.credits === undefined || k.credits.remaining === null)).toBe(true);
    for (const k of keys) expect(k.start).toMatch(/^sk_(live|test|legacy)_/);
    const outcomes = sb.db
      .prepare("SELECT outcome, count(*) AS n FROM unkey_verifications GROUP BY outcome")
      .all() as { outcome: string; n: number }[];
    const byOutcome = Object.fromEntries(outcomes.map((o) => [o.outcome, o.n]));
    expect(byOutcome.VALID).toBeGreaterThan(10_000);
    expect(byOutcome.RATE_LIMITED).toBeGreaterThan(0);
    expect(byOutcome.USAGE_EXCEEDED).toBeGreaterThan(0);
    expect(byOutcome.VALID! / Object.values(byOutcome).reduce((a, b) => a + b, 0)).toBeGreaterThan(
      0.9,
    );
  });

  it("keeps every limited key's balance equal to allowance + grants − credits spent since its last refill", async () => {
    const now = sb.clock.now();
    const grants = sb.db.prepare("SELECT key_id, at, amount FROM sandbox_world_grants").all() as {
      key_id: string;
      at: number;
      amount: number;
    }[];
    let checked = 0;
    for (const k of keys) {
      const s = schedule(k);
      const remaining = k.credits?.remaining;
      if (!s || remaining === null || remaining === undefined) continue;
      const since = lastRefillAt(s, now);
      const spent = sb.unkey
        .verifications({ keyId: k.keyId, fromMs: since, toMs: now })
        .reduce((a, v) => a + v.spentCredits, 0);
      const granted = grants
        .filter((g) => g.key_id === k.keyId && g.at >= since)
        .reduce((a, g) => a + g.amount, 0);
      expect(remaining, k.keyId).toBe((k.credits?.refill?.amount ?? 0) + granted - spent);
      checked++;
    }
    expect(checked).toBeGreaterThan(30);
    expect(grants.length).toBeGreaterThan(0);
  });

  it("stamps each key's lastUsedAt with its latest verification", () => {
    let withHistory = 0;
    for (const k of keys) {
      const history = sb.unkey.verifications({ keyId: k.keyId });
      if (history.length === 0) {
        expect(k.lastUsedAt).toBeUndefined();
        continue;
      }
      expect(k.lastUsedAt).toBe(Math.max(...history.map((v) => v.time)));
      withHistory++;
    }
    expect(withHistory).toBeGreaterThan(30);
  });

  it("records billable overage as meter events in this billing period, matching the grants", async () => {
    const rows = sb.db
      .prepare(
        `SELECT c.stripe_customer_id AS customer, sum(g.amount) AS granted, min(g.at) AS first
         FROM sandbox_world_grants g JOIN sandbox_world_customers c ON c.external_id = g.external_id
         GROUP BY c.stripe_customer_id`,
      )
      .all() as { customer: string; granted: number; first: number }[];
    expect(rows.length).toBeGreaterThan(0);
    const meters = await clients.stripe.billing.meters.list();
    expect(meters.data.map((m) => m.event_name)).toEqual(["api_overage_credits"]);
    const meterId = meters.data[0]!.id;
    for (const r of rows) {
      const [sub] = (await clients.stripe.subscriptions.list({ customer: r.customer })).data;
      const start = sub!.items.data[0]!.current_period_start;
      expect(r.first).toBeGreaterThanOrEqual(start * 1000);
      const summaries = await clients.stripe.billing.meters.listEventSummaries(meterId, {
        customer: r.customer,
        start_time: start,
        end_time: sub!.items.data[0]!.current_period_end,
      });
      expect(summaries.data.reduce((a, x) => a + x.aggregated_value, 0)).toBe(r.granted);
    }
  });

  it("seeds Stripe products and prices from the plan catalog", async () => {
    const prices = await clients.stripe.prices.list({ limit: 100, expand: ["data.product"] });
    const byLookup = new Map(prices.data.map((p) => [p.lookup_key, p]));
    for (const plan of sb.catalog.plans) {
      const base = byLookup.get(plan.stripe.basePriceLookupKey);
      expect(base).toMatchObject({
        unit_amount: plan.basePrice.unitAmount,
        currency: "usd",
        recurring: { interval: "month", usage_type: "licensed" },
      });
      const overage = byLookup.get(plan.stripe.overagePriceLookupKey);
      expect(overage?.recurring).toMatchObject({ interval: "month", usage_type: "metered" });
      expect(String(overage?.unit_amount_decimal)).toBe(plan.overageUnitPrice);
      expect((overage?.product as { name: string }).name).toBe(`${plan.name} plan`);
    }
  });
});

describe("world determinism", () => {
  async function snapshot(seed: number) {
    const sb = await startSandbox({
      dataDir: null,
      traffic: false,
      template: false,
      seed,
      startAt: START,
      world: { customers: 14, historyDays: 7 },
    });
    try {
      sb.clock.freeze();
      const { unkey, stripe } = sdkClients(sb);
      const identities = await allIdentities(unkey);
      const keys = await allKeys(unkey, sb.credentials.unkeyApiId);
      const customers = await stripe.customers
        .list({ limit: 100 })
        .autoPagingToArray({ limit: 1000 });
      const history = sb.db
        .prepare(
          "SELECT count(*) AS n, sum(spent_credits) AS spent, sum(time % 99991) AS t FROM unkey_verifications",
        )
        .get();
      return { identities, keys, customers, history };
    } finally {
      await sb.close();
    }
  }

  it("builds the same identities, keys, customers and history for the same seed, and another world for another", async () => {
    const a = await snapshot(5);
    const b = await snapshot(5);
    const c = await snapshot(6);
    expect(b.identities).toEqual(a.identities);
    expect(b.keys).toEqual(a.keys);
    expect(b.customers).toEqual(a.customers);
    expect(b.history).toEqual(a.history);
    const names = (s: typeof a) => s.identities.map((i) => i.externalId).sort();
    expect(names(c)).not.toEqual(names(a));
    expect(c.history).not.toEqual(a.history);
  });
});
