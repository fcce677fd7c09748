/**
 * Builds the demo world into the emulators through their own API (`call`), so every object is
 * exactly what the SDKs would have created, plus bulk verification history. The caller runs it
 * with the emulators' clock frozen at `now`, so timestamps (created, meter events) do not drift
 * while seeding and two builds from the same seed at the same instant are identical.
 */
import type Database from "better-sqlite3";
import type { Plan, PlanCatalog } from "../../plans/catalog";
import type { StripeEmulatorApi, UnkeyEmulatorApi } from "../core/contracts";
import type { EmulatorResponse } from "../core/http";
import {
  buildBlueprint,
  rowsPerDayAtFullUse,
  type CustomerBlueprint,
  type KeyBlueprint,
  type WorldOptions,
} from "./blueprint";
import { DAY_MS } from "./calendar";
import { planKeyHistory, rowsFor, type KeyHistoryPlan } from "./history";
import { Rng } from "./random";
import { migrateSandboxTables, setMeta, WORLD_SCHEMA_VERSION } from "./sandbox-tables";

export interface SeedDeps {
  db: Database.Database;
  unkey: UnkeyEmulatorApi;
  stripe: StripeEmulatorApi;
  catalog: PlanCatalog;
}

export interface WorldStats {
  identities: number;
  keys: number;
  stripeCustomers: number;
  subscriptions: number;
  meterEvents: number;
  verifications: number;
  /** Wall-clock milliseconds: Unkey + Stripe objects, history rows. */
  timings: { objectsMs: number; historyMs: number; totalMs: number };
}

export class SeedError extends Error {
  constructor(what: string, res: EmulatorResponse) {
    super(`seeding the demo world: ${what} failed with ${res.status}: ${JSON.stringify(res.body)}`);
    this.name = "SeedError";
  }
}

async function unkeyCall<T>(unkey: UnkeyEmulatorApi, endpoint: string, body: unknown): Promise<T> {
  const res = await unkey.call(endpoint, body);
  if (res.status >= 300) throw new SeedError(endpoint, res);
  return (res.body as { data: T }).data;
}

async function stripeCall<T>(
  stripe: StripeEmulatorApi,
  path: string,
  params: Record<string, unknown>,
): Promise<T> {
  const res = await stripe.call("POST", path, params);
  if (res.status >= 300) throw new SeedError(`POST ${path}`, res);
  return res.body as T;
}

/** Form-encoded Stripe params arrive as strings; the in-process call gets the same. */
const s = (n: number) => String(n);

interface StripeCatalog {
  meterId: string;
  basePrice: Map<string, string>;
  overagePrice: Map<string, string>;
}

async function seedStripeCatalog(
  stripe: StripeEmulatorApi,
  catalog: PlanCatalog,
): Promise<StripeCatalog> {
  const meter = await stripeCall<{ id: string }>(stripe, "/v1/billing/meters", {
    display_name: catalog.meter.displayName,
    event_name: catalog.meter.eventName,
    default_aggregation: { formula: "sum" },
    customer_mapping: { event_payload_key: catalog.meter.customerPayloadKey, type: "by_id" },
    value_settings: { event_payload_key: catalog.meter.valuePayloadKey },
  });
  const basePrice = new Map<string, string>();
  const overagePrice = new Map<string, string>();
  for (const plan of catalog.plans) {
    const product = await stripeCall<{ id: string }>(stripe, "/v1/products", {
      name: `${plan.name} plan`,
      description: `${plan.credits.toLocaleString("en-US")} credits per key, refilled ${plan.refill.interval}`,
      metadata: { plan_id: plan.id },
    });
    const base = await stripeCall<{ id: string }>(stripe, "/v1/prices", {
      product: product.id,
      currency: plan.basePrice.currency,
      unit_amount: s(plan.basePrice.unitAmount),
      recurring: { interval: "month", usage_type: "licensed" },
      lookup_key: plan.stripe.basePriceLookupKey,
      nickname: `${plan.name} monthly`,
      metadata: { plan_id: plan.id, kind: "base" },
    });
    const overage = await stripeCall<{ id: string }>(stripe, "/v1/prices", {
      product: product.id,
      currency: plan.basePrice.currency,
      unit_amount_decimal: plan.overageUnitPrice,
      billing_scheme: "per_unit",
      recurring: { interval: "month", usage_type: "metered", meter: meter.id },
      lookup_key: plan.stripe.overagePriceLookupKey,
      nickname: `${plan.name} overage credits`,
      metadata: { plan_id: plan.id, kind: "overage" },
    });
    basePrice.set(plan.id, base.id);
    overagePrice.set(plan.id, overage.id);
  }
  return { meterId: meter.id, basePrice, overagePrice };
}

/** The billing anchor as the last instant (00:00 UTC) the anchor day itself occurred, unclamped,
 * so periods keep rolling on that day (an anchor on the 31st comes back every 31st). */
export function anchorInstant(now: number, anchorDay: number): number {
  const d = new Date(now);
  for (let back = 0; back < 24; back++) {
    const y = d.getUTCFullYear();
    const m = d.getUTCMonth() - back;
    const t = Date.UTC(y, m, anchorDay);
    // Date.UTC overflows into the next month when the day does not exist in this one.
    if (new Date(t).getUTCDate() === anchorDay && t <= now) return t;
  }
  throw new RangeError(`no month with day ${anchorDay}`);
}

async function subscribe(
  stripe: StripeEmulatorApi,
  stripeCatalog: StripeCatalog,
  plan: Plan,
  customerId: string,
  anchorDay: number,
  now: number,
): Promise<string> {
  const anchor = anchorInstant(now, anchorDay);
  const sub = await stripeCall<{ id: string }>(stripe, "/v1/subscriptions", {
    customer: customerId,
    items: [
      { price: stripeCatalog.basePrice.get(plan.id), quantity: "1" },
      { price: stripeCatalog.overagePrice.get(plan.id) },
    ],
    // Backdated to the anchor day itself: periods then roll on that day, clamped in short months
    // (an anchor on the 31st bills on 30 April and back on 31 May), matching the Unkey refill day.
    backdate_start_date: s(Math.floor(anchor / 1000)),
    metadata: { plan_id: plan.id },
  });
  return sub.id;
}

function keyCreateBody(
  apiId: string,
  key: KeyBlueprint,
  remaining: number | null,
  externalId: string | null,
) {
  const body: Record<string, unknown> = {
    apiId,
    prefix: key.prefix,
    name: key.name,
    enabled: key.disabledAt === null,
  };
  if (externalId !== null) body.externalId = externalId;
  if (key.amount !== null && key.refill !== null && remaining !== null) {
    body.credits = {
      remaining,
      refill:
        key.refill.interval === "daily"
          ? { interval: "daily", amount: key.amount }
          : { interval: "monthly", amount: key.amount, refillDay: key.refill.refillDay },
    };
  }
  if (key.ratelimits.length > 0) {
    body.ratelimits = key.ratelimits.map((p) => ({
      name: p.name,
      limit: p.limit,
      duration: p.durationMs,
      autoApply: p.autoApply,
    }));
  }
  return body;
}

/**
 * Seed the world at `now` (the caller freezes the clock there). The database must hold empty
 * emulator tables. Everything runs in one transaction: thousands of small writes otherwise
 * dominate the load time.
 */
export async function seedWorld(
  deps: SeedDeps,
  options: WorldOptions,
  now: number,
): Promise<WorldStats> {
  const { db, unkey, stripe, catalog } = deps;
  migrateSandboxTables(db);
  const started = performance.now();
  const blueprint = buildBlueprint(catalog, options, now);
  const root = new Rng(options.seed).fork("history");
  const historyStart = now - options.historyDays * DAY_MS;
  const stats: WorldStats = {
    identities: 0,
    keys: 0,
    stripeCustomers: 0,
    subscriptions: 0,
    meterEvents: 0,
    verifications: 0,
    timings: { objectsMs: 0, historyMs: 0, totalMs: 0 },
  };
  let historyMs: number;

  const insertTraffic = db.prepare(
    "INSERT INTO sandbox_traffic_keys (key_id, plaintext, external_id, weight, fixture) VALUES (?, ?, ?, ?, ?)",
  );
  const insertCustomer = db.prepare(
    `INSERT INTO sandbox_world_customers (external_id, name, plan, status, anomaly, fixture, identity_id, stripe_customer_id, subscription_id)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const insertKey = db.prepare(
    "INSERT INTO sandbox_world_keys (key_id, external_id, name, seeded_remaining, spent_this_period) VALUES (?, ?, ?, ?, ?)",
  );
  const insertGrant = db.prepare(
    "INSERT INTO sandbox_world_grants (key_id, external_id, at, amount, meter_event_identifier) VALUES (?, ?, ?, ?, ?)",
  );

  // Unlimited keys: record spent credits the way the emulator's keys.verifyKey does.
  const unlimitedSpends = false;

  // History is written in one insertVerifications call after all keys exist: one bulk insert
  // instead of a savepoint per key (measured ~10 % faster for a million rows).
  const pending: {
    plan: KeyHistoryPlan;
    keyId: string;
    tzHours: number;
    poolNames: string[];
    rng: Rng;
  }[] = [];
  const writeHistory = (
    plan: KeyHistoryPlan,
    keyId: string,
    tzHours: number,
    poolNames: string[],
    rng: Rng,
  ) => {
    pending.push({ plan, keyId, tzHours, poolNames, rng });
  };
  const lastUsed = new Map<string, number>();
  function* allRows() {
    for (const p of pending) {
      let last = 0;
      for (const row of rowsFor(
        p.plan,
        { keyId: p.keyId, tzHours: p.tzHours, poolNames: p.poolNames },
        p.rng,
      )) {
        if (row.time > last) last = row.time;
        yield row;
      }
      if (last > 0) lastUsed.set(p.keyId, last);
    }
  }

  const createKeys = async (c: CustomerBlueprint, plan: Plan): Promise<string[]> => {
    const poolNames = plan.pools.map((p) => p.name);
    const ids: string[] = [];
    for (const [i, key] of c.keys.entries()) {
      const rng = root.fork(`${c.externalId}:${i}`);
      const history = planKeyHistory(
        {
          key,
          owner: c,
          keyIndex: i,
          rowsPerDayAtFullUse: rowsPerDayAtFullUse[plan.id] ?? 40,
          now,
          historyStart,
          unlimitedSpends,
        },
        rng,
      );
      const created = await unkeyCall<{ keyId: string; key: string }>(
        unkey,
        "keys.createKey",
        keyCreateBody(unkey.apiId, key, history.remaining, c.externalId),
      );
      stats.keys++;
      ids.push(created.keyId);
      const weight =
        (rowsPerDayAtFullUse[plan.id] ?? 40) * Math.max(0.02, c.usageLevel * key.factor);
      insertTraffic.run(created.keyId, created.key, c.externalId, weight, c.fixture ? 1 : 0);
      insertKey.run(
        created.keyId,
        c.externalId,
        key.name,
        history.remaining,
        history.spentThisPeriod,
      );
      writeHistory(history, created.keyId, c.tzHours, poolNames, rng);
    }
    return ids;
  };

  db.exec("BEGIN");
  try {
    const stripeCatalog = await seedStripeCatalog(stripe, catalog);
    const meterEvent = async (
      stripeCustomerId: string,
      externalId: string,
      at: number,
      amount: number,
      n: number,
    ) => {
      const identifier = `seed-${options.seed}-${externalId}-${n}`;
      await stripeCall(stripe, "/v1/billing/meter_events", {
        event_name: catalog.meter.eventName,
        payload: {
          [catalog.meter.customerPayloadKey]: stripeCustomerId,
          [catalog.meter.valuePayloadKey]: s(amount),
        },
        identifier,
        timestamp: s(Math.floor(at / 1000)),
      });
      stats.meterEvents++;
      return identifier;
    };

    for (const c of blueprint.customers) {
      const plan = catalog.plans.find((p) => p.id === c.planId);
      if (!plan) throw new Error(`unknown plan ${c.planId}`);
      let stripeCustomerId: string | null = null;
      if (c.anomaly !== "identity_without_stripe") {
        const customer = await stripeCall<{ id: string }>(stripe, "/v1/customers", {
          name: c.name,
          email: c.email,
          metadata: { unkey_external_id: c.externalId, plan: plan.id },
        });
        stripeCustomerId = customer.id;
        stats.stripeCustomers++;
      }
      const meta: Record<string, unknown> = { name: c.name, email: c.email, plan: plan.id };
      if (stripeCustomerId) meta.stripeCustomerId = stripeCustomerId;
      const identity = await unkeyCall<{ identityId: string }>(unkey, "identities.createIdentity", {
        externalId: c.externalId,
        meta,
        ratelimits: c.identityRatelimits.map((p) => ({
          name: p.name,
          limit: p.limit,
          duration: p.durationMs,
          autoApply: p.autoApply,
        })),
      });
      stats.identities++;
      const keyIds = await createKeys(c, plan);
      let subscriptionId: string | null = null;
      if (stripeCustomerId) {
        subscriptionId = await subscribe(
          stripe,
          stripeCatalog,
          plan,
          stripeCustomerId,
          c.anchorDay,
          now,
        );
        stats.subscriptions++;
        for (const [n, g] of c.grants.entries()) {
          const id = await meterEvent(stripeCustomerId, c.externalId, g.at, g.amount, n + 1);
          insertGrant.run(keyIds[g.keyIndex] ?? "", c.externalId, g.at, g.amount, id);
        }
      }
      insertCustomer.run(
        c.externalId,
        c.name,
        plan.id,
        c.status,
        c.anomaly,
        c.fixture,
        identity.identityId,
        stripeCustomerId,
        subscriptionId,
      );
    }

    for (const so of blueprint.stripeOnly) {
      const plan = catalog.plans.find((p) => p.id === so.planId);
      if (!plan) throw new Error(`unknown plan ${so.planId}`);
      const metadata: Record<string, string> = { plan: plan.id };
      if (so.danglingExternalId) metadata.unkey_external_id = so.danglingExternalId;
      const customer = await stripeCall<{ id: string }>(stripe, "/v1/customers", {
        name: so.name,
        email: so.email,
        metadata,
      });
      stats.stripeCustomers++;
      let subscriptionId: string | null = null;
      if (so.subscribed) {
        subscriptionId = await subscribe(
          stripe,
          stripeCatalog,
          plan,
          customer.id,
          so.anchorDay,
          now,
        );
        stats.subscriptions++;
      }
      insertCustomer.run(
        so.danglingExternalId,
        so.name,
        plan.id,
        "healthy",
        "stripe_without_identity",
        null,
        null,
        customer.id,
        subscriptionId,
      );
    }

    for (const [i, lk] of blueprint.looseKeys.entries()) {
      const rng = root.fork(`loose:${i}`);
      const history = planKeyHistory(
        {
          key: lk,
          owner: { ...lk, status: "healthy", fixture: null, rateLimitedShare: 0.005, grants: [] },
          keyIndex: 0,
          rowsPerDayAtFullUse: 20,
          now,
          historyStart,
          unlimitedSpends,
        },
        rng,
      );
      const created = await unkeyCall<{ keyId: string; key: string }>(
        unkey,
        "keys.createKey",
        keyCreateBody(unkey.apiId, lk, history.remaining, null),
      );
      stats.keys++;
      insertTraffic.run(created.keyId, created.key, null, 20 * lk.usageLevel, 0);
      insertKey.run(created.keyId, null, lk.name, history.remaining, history.spentThisPeriod);
      insertCustomer.run(
        null,
        lk.name,
        "none",
        "healthy",
        "key_without_identity",
        null,
        null,
        null,
        null,
      );
      writeHistory(history, created.keyId, lk.tzHours, [], rng);
    }

    const historyStarted = performance.now();
    stats.verifications = unkey.insertVerifications(allRows());
    // Unkey stamps lastUsedAt on every verification, but bulk history bypasses keys.verifyKey and
    // no API sets it, so the world sets it here: the directory's "last used" must match history.
    const touch = db.prepare("UPDATE unkey_keys SET last_used_at = ? WHERE id = ?");
    for (const [keyId, at] of lastUsed) touch.run(at, keyId);
    historyMs = performance.now() - historyStarted;

    setMeta(db, "schema_version", String(WORLD_SCHEMA_VERSION));
    setMeta(db, "seed", String(options.seed));
    setMeta(db, "world_options", JSON.stringify(blueprint.options));
    setMeta(db, "world_now", String(now));
    stats.timings = {
      objectsMs: Math.round(performance.now() - started - historyMs),
      historyMs: Math.round(historyMs),
      totalMs: Math.round(performance.now() - started),
    };
    setMeta(db, "world_stats", JSON.stringify(stats));
    db.exec("COMMIT");
  } catch (err) {
    if (db.inTransaction) db.exec("ROLLBACK");
    throw err;
  }
  stats.timings.totalMs = Math.round(performance.now() - started);
  return stats;
}
