/**
 * The demo world as data: who the customers are, their plans, keys, billing anchors, usage levels
 * and what state their credits are in "now". Pure and deterministic from (seed, options, now), so
 * it can be tested without emulators and two loads with the same inputs describe the same world.
 * `seed-world.ts` turns it into emulator state; `history.ts` turns it into verifications.
 */
import type { Plan, PlanCatalog, Pool } from "../../plans/catalog";
import {
  DAY_MS,
  HOUR_MS,
  lastMonthlyInstant,
  lastRefillAt,
  startOfUtcDay,
  type RefillSchedule,
} from "./calendar";
import { companyName, contactEmail } from "./names";
import { Rng } from "./random";

export interface WorldOptions {
  seed: number;
  /** Identities to create, fixtures and deliberate orphans included (at least 12). */
  customers: number;
  /** Days of verification history before "now". */
  historyDays: number;
}

export const defaultWorldOptions: WorldOptions = { seed: 42, customers: 300, historyDays: 90 };

/** The credit state a customer is in at "now"; drives its current period and the console status. */
export type CustomerStatus =
  /** On pace, well above 20 % left. */
  | "healthy"
  /** The main key is under ~15 % left. */
  | "low"
  /** Every limited key is at 0 and callers get USAGE_EXCEEDED. */
  | "exhausted"
  /** Ran out this period and bought billable overage credits (meter events in Stripe). */
  | "overage"
  /** Every key is unlimited (remaining null). */
  | "unlimited"
  /** One key is unlimited (an internal CI key), the others limited. */
  | "mixed_unlimited";

/** Deliberate inconsistencies the console must show marked rather than drop. */
export type Anomaly = "identity_without_keys" | "identity_without_stripe";

export const fixtureIds = ["acme-corp", "globex", "initech"] as const;
export type FixtureId = (typeof fixtureIds)[number];

export interface KeyBlueprint {
  name: string;
  prefix: string;
  /** No credits at all (remaining null). */
  unlimited: boolean;
  /** When set the key is disabled and was switched off at this instant. */
  disabledAt: number | null;
  /** Share of the customer's usage level this key carries (production 1, staging ~0.1). */
  factor: number;
  refill: RefillSchedule | null;
  /** Credits per refill (the plan's allowance); null when unlimited. */
  amount: number | null;
  ratelimits: Pool[];
}

export interface GrantBlueprint {
  /** Unix ms when support granted the billable overage. */
  at: number;
  amount: number;
  /** Index into the customer's keys (the main key). */
  keyIndex: number;
}

export interface CustomerBlueprint {
  externalId: string;
  name: string;
  email: string;
  planId: string;
  status: CustomerStatus;
  fixture: FixtureId | null;
  anomaly: Anomaly | null;
  /** Day of month of the Stripe billing cycle anchor (1-31; clamps in short months). */
  anchorDay: number;
  /** Local-time offset of the customer's working day, for the daily rhythm. */
  tzHours: number;
  /** Typical share of the allowance used per period by the main key (0..1). */
  usageLevel: number;
  /** Share of calls that hit a ratelimit. */
  rateLimitedShare: number;
  /** When the customer's traffic starts (sign-up, or the start of the history window). */
  since: number;
  keys: KeyBlueprint[];
  grants: GrantBlueprint[];
  identityRatelimits: Pool[];
}

/** A Stripe customer with no Unkey identity: sold in Stripe but never (or no longer) provisioned. */
export interface StripeOnlyBlueprint {
  name: string;
  email: string;
  /** `unkey_external_id` pointing nowhere (churned) or absent (created by hand in Stripe). */
  danglingExternalId: string | null;
  planId: string;
  anchorDay: number;
  subscribed: boolean;
}

/** A key with no identity (legacy keys created before identities existed). */
export interface LooseKeyBlueprint extends KeyBlueprint {
  tzHours: number;
  usageLevel: number;
  since: number;
}

export interface WorldBlueprint {
  options: WorldOptions;
  /** "Now" when the world was built: history ends here, current periods contain it. */
  now: number;
  customers: CustomerBlueprint[];
  stripeOnly: StripeOnlyBlueprint[];
  looseKeys: LooseKeyBlueprint[];
}

/** Verification rows per key per day at full use of the allowance (calibrates ~1M rows / 300 customers). */
export const rowsPerDayAtFullUse: Record<string, number> = { starter: 30, growth: 50, scale: 75 };

const keyNamePool: readonly (readonly [string, number])[] = [
  ["staging", 0.12],
  ["development", 0.06],
  ["ci", 0.25],
  ["analytics", 0.4],
  ["backfill", 0.3],
];

const timezones: readonly (readonly [number, number])[] = [
  [-8, 0.2],
  [-5, 0.3],
  [0, 0.15],
  [1, 0.2],
  [5.5, 0.05],
  [8, 0.05],
  [9, 0.05],
];

export function planSchedule(plan: Plan, anchorDay: number): RefillSchedule {
  const r = plan.refill;
  if (r.interval === "daily") return { interval: "daily" };
  return { interval: "monthly", refillDay: r.dayPolicy === "fixed" ? r.day : anchorDay };
}

function planOf(catalog: PlanCatalog, id: string): Plan {
  const plan = catalog.plans.find((p) => p.id === id);
  if (!plan)
    throw new Error(
      `plan catalog has no plan "${id}" (the demo world needs starter, growth, scale)`,
    );
  return plan;
}

function keysFor(
  rng: Rng,
  plan: Plan,
  anchorDay: number,
  count: number,
  opts: { unlimited: "none" | "all" | "one"; disableChance: number; now: number; since: number },
): KeyBlueprint[] {
  const extra = rng.shuffle([...keyNamePool]).slice(0, count - 1);
  const named: (readonly [string, number])[] = [["production", 1], ...extra];
  const schedule = planSchedule(plan, anchorDay);
  const keyPools = plan.pools.filter((p) => p.scope === "key");
  return named.map(([name, factor], i) => {
    const unlimited = opts.unlimited === "all" || (opts.unlimited === "one" && i === 1);
    // Only secondary keys get switched off: a disabled production key would be a support incident.
    const earliest = Math.max(opts.since + 2 * DAY_MS, opts.now - 60 * DAY_MS);
    const latest = opts.now - 2 * DAY_MS;
    const disabledAt =
      i > 0 && earliest < latest && rng.chance(opts.disableChance)
        ? Math.floor(rng.float(earliest, latest))
        : null;
    return {
      name,
      prefix: i === 0 ? "sk_live" : "sk_test",
      unlimited,
      disabledAt,
      factor,
      refill: unlimited ? null : schedule,
      amount: unlimited ? null : plan.credits,
      ratelimits: keyPools,
    };
  });
}

/** Quotas rather than independent draws, so even a 12-customer test world has every status. */
function statusList(rng: Rng, n: number): CustomerStatus[] {
  const quota = (share: number) => (n >= 10 ? Math.max(1, Math.round(n * share)) : 0);
  const list: CustomerStatus[] = [
    ...Array<CustomerStatus>(quota(0.06)).fill("exhausted"),
    ...Array<CustomerStatus>(quota(0.12)).fill("low"),
    ...Array<CustomerStatus>(quota(0.1)).fill("overage"),
    ...Array<CustomerStatus>(quota(0.03)).fill("unlimited"),
    ...Array<CustomerStatus>(quota(0.06)).fill("mixed_unlimited"),
  ];
  while (list.length < n) list.push("healthy");
  return rng.shuffle(list.slice(0, n));
}

function roundTo(x: number, step: number): number {
  return Math.max(step, Math.round(x / step) * step);
}

/** Overage grants this billing period for the main key: it ran out, support sold more credits. */
function overageGrants(
  rng: Rng,
  plan: Plan,
  anchorDay: number,
  since: number,
  now: number,
): GrantBlueprint[] {
  const schedule = planSchedule(plan, anchorDay);
  // Stripe accepts meter events up to 35 days old; they must also fall in this billing period.
  const billingStart = lastMonthlyInstant(now, anchorDay);
  const from = Math.max(billingStart, since, now - 30 * DAY_MS);
  const step = plan.credits >= 1_000_000 ? 10_000 : plan.credits >= 100_000 ? 1_000 : 100;
  const amount = () => roundTo(plan.credits * rng.float(0.1, 0.5), step);
  if (schedule.interval === "daily") {
    // Daily keys: grants on a few days of the billing period, always including today.
    const today = startOfUtcDay(now);
    const days = [today];
    const pastDays = Math.floor((today - startOfUtcDay(from)) / DAY_MS);
    const extraDays = pastDays > 0 ? rng.int(0, 2) : 0;
    for (let k = 0; k < extraDays; k++) {
      const d = today - rng.int(1, pastDays) * DAY_MS;
      if (d >= startOfUtcDay(from) && !days.includes(d)) days.push(d);
    }
    days.sort((a, b) => a - b);
    return days.map((d) => {
      const end = Math.min(d + DAY_MS, now);
      const start = Math.max(d, from);
      return {
        at: Math.floor(start + (end - start) * rng.float(0.55, 0.8)),
        amount: amount(),
        keyIndex: 0,
      };
    });
  }
  const periodStart = Math.max(from, lastRefillAt(schedule, now));
  const span = now - periodStart;
  const count = rng.int(1, 3);
  const grants: GrantBlueprint[] = [];
  for (let i = 0; i < count; i++) {
    // Spread after the first exhaustion, which happens in the first third of the period.
    const at = periodStart + span * (0.35 + (0.55 * (i + rng.float(0.2, 0.8))) / count);
    grants.push({ at: Math.floor(at), amount: amount(), keyIndex: 0 });
  }
  return grants;
}

export function buildBlueprint(
  catalog: PlanCatalog,
  options: WorldOptions,
  now: number,
): WorldBlueprint {
  const root = new Rng(options.seed);
  const n = Math.max(12, Math.floor(options.customers));
  const historyStart = now - options.historyDays * DAY_MS;
  const taken = new Set<string>(fixtureIds);
  const customers: CustomerBlueprint[] = [];
  const starter = planOf(catalog, "starter");
  const growth = planOf(catalog, "growth");
  const scale = planOf(catalog, "scale");
  const identityPools = (plan: Plan) => plan.pools.filter((p) => p.scope === "identity");

  // Fixtures first, drawn from their own streams: tests rely on their exact shape.
  {
    const rng = root.fork("fixture:acme-corp");
    customers.push({
      externalId: "acme-corp",
      name: "Acme Corp",
      email: "billing@acme.example",
      planId: growth.id,
      status: "healthy",
      fixture: "acme-corp",
      anomaly: null,
      anchorDay: 31,
      tzHours: -5,
      usageLevel: 0.55,
      rateLimitedShare: 0.01,
      since: historyStart,
      keys: keysFor(rng, growth, 31, 2, {
        unlimited: "none",
        disableChance: 0,
        now,
        since: historyStart,
      }),
      grants: [],
      identityRatelimits: identityPools(growth),
    });
  }
  {
    const rng = root.fork("fixture:globex");
    customers.push({
      externalId: "globex",
      name: "Globex",
      email: "accounts@globex.example",
      planId: scale.id,
      status: "exhausted",
      fixture: "globex",
      anomaly: null,
      anchorDay: 12,
      tzHours: -8,
      usageLevel: 0.95,
      rateLimitedShare: 0.03,
      since: historyStart,
      keys: keysFor(rng, scale, 12, 3, {
        unlimited: "none",
        disableChance: 0,
        now,
        since: historyStart,
      }),
      grants: [],
      identityRatelimits: identityPools(scale),
    });
  }
  {
    const rng = root.fork("fixture:initech");
    customers.push({
      externalId: "initech",
      name: "Initech",
      email: "bill.lumbergh@initech.example",
      planId: starter.id,
      status: "low",
      fixture: "initech",
      anomaly: null,
      anchorDay: 7,
      tzHours: 0,
      usageLevel: 0.97,
      rateLimitedShare: 0.04,
      since: historyStart,
      keys: keysFor(rng, starter, 7, 2, {
        unlimited: "none",
        disableChance: 0,
        now,
        since: historyStart,
      }),
      grants: [],
      identityRatelimits: identityPools(starter),
    });
  }

  const anomalyQuota = Math.max(1, Math.round(n / 100));
  const anomalies: Anomaly[] = [
    ...Array<Anomaly>(anomalyQuota).fill("identity_without_keys"),
    ...Array<Anomaly>(anomalyQuota).fill("identity_without_stripe"),
  ];
  const regular = n - customers.length - anomalies.length;
  const statuses = statusList(root.fork("statuses"), regular);

  const specs: { status: CustomerStatus; anomaly: Anomaly | null }[] = [
    ...statuses.map((status) => ({ status, anomaly: null })),
    ...anomalies.map((anomaly) => ({ status: "healthy" as const, anomaly })),
  ];
  root.fork("order").shuffle(specs);

  specs.forEach((spec, i) => {
    const rng = root.fork(`customer:${i}`);
    const company = companyName(rng, taken);
    const plan =
      spec.status === "unlimited"
        ? scale
        : spec.anomaly === "identity_without_stripe"
          ? starter
          : rng.weighted<Plan>([
              [starter, 0.45],
              [growth, 0.35],
              [scale, 0.2],
            ]);
    // Most customers predate the history window; some signed up during it.
    const since = rng.chance(0.15)
      ? startOfUtcDay(now - rng.int(5, Math.max(6, options.historyDays - 1)) * DAY_MS) +
        rng.int(8, 18) * HOUR_MS
      : historyStart;
    // Billing starts on sign-up day for new customers; older ones are spread over the month.
    const anchorDay =
      since > historyStart
        ? new Date(since).getUTCDate()
        : rng.chance(0.08)
          ? rng.int(29, 31)
          : rng.int(1, 28);
    const keyCount =
      spec.anomaly === "identity_without_keys"
        ? 0
        : spec.status === "mixed_unlimited"
          ? rng.int(2, 4)
          : rng.weighted([
              [1, 0.2],
              [2, 0.35],
              [3, 0.25],
              [4, 0.12],
              [5, 0.08],
            ]);
    const usageLevel =
      spec.status === "healthy" || spec.status === "unlimited" || spec.status === "mixed_unlimited"
        ? rng.float(0.12, 0.8)
        : rng.float(0.75, 0.98);
    const keys =
      keyCount === 0
        ? []
        : keysFor(rng, plan, anchorDay, keyCount, {
            unlimited:
              spec.status === "unlimited"
                ? "all"
                : spec.status === "mixed_unlimited"
                  ? "one"
                  : "none",
            disableChance: spec.status === "healthy" ? 0.08 : 0,
            now,
            since,
          });
    customers.push({
      externalId: company.slug,
      name: company.name,
      email: contactEmail(rng, company.domain),
      planId: plan.id,
      status: spec.status,
      fixture: null,
      anomaly: spec.anomaly,
      anchorDay,
      tzHours: rng.weighted(timezones),
      usageLevel,
      rateLimitedShare: rng.float(0.002, 0.03),
      since,
      keys,
      grants: spec.status === "overage" ? overageGrants(rng, plan, anchorDay, since, now) : [],
      identityRatelimits: identityPools(plan),
    });
  });

  const stripeOnly: StripeOnlyBlueprint[] = [];
  const soRng = root.fork("stripe-only");
  for (let i = 0; i < anomalyQuota; i++) {
    const company = companyName(soRng, taken);
    stripeOnly.push({
      name: company.name,
      email: contactEmail(soRng, company.domain),
      // The first was created by hand in Stripe; the others churned and their identity is gone.
      danglingExternalId: i === 0 ? null : company.slug,
      planId: soRng.pick([starter.id, growth.id]),
      anchorDay: soRng.int(1, 28),
      subscribed: i !== 0,
    });
  }

  const looseKeys: LooseKeyBlueprint[] = [];
  const lkRng = root.fork("loose-keys");
  const looseNames = [
    "legacy-import",
    "partner-sandbox",
    "status-page-probe",
    "migration-bot",
    "old-mobile-app",
  ];
  for (let i = 0; i < Math.max(2, anomalyQuota + 1); i++) {
    const unlimited = i % 2 === 1;
    looseKeys.push({
      name: `${looseNames[i % looseNames.length] ?? "legacy"}${i >= looseNames.length ? `-${i}` : ""}`,
      prefix: "sk_legacy",
      unlimited,
      disabledAt: null,
      factor: 1,
      refill: unlimited ? null : { interval: "monthly", refillDay: 1 },
      amount: unlimited ? null : 5_000,
      ratelimits: [],
      tzHours: lkRng.weighted(timezones),
      usageLevel: lkRng.float(0.05, 0.4),
      since: historyStart,
    });
  }

  return { options: { ...options, customers: n }, now, customers, stripeOnly, looseKeys };
}
