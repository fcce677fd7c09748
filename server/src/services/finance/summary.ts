/**
 * finance.summary: usage, overage and plan revenue for a month or a range, overall, by plan and by
 * customer, with the change against the previous period of equal length (for a month: the
 * previous calendar month).
 *
 * Sources, read in parallel:
 * - usage per customer from the finance read model (usage-periods.ts; store/usage-periods.ts):
 *   Unkey analytics' grouped answer for the period, fetched in the background and stored with
 *   per-plan sums, so a page view reads a few rows and two index walks — never 100k rows. A
 *   period is fetched on the page view only the first time anyone asks for it; an open period
 *   older than 5 minutes is served labelled with its age while a fresh copy is fetched. Usage is
 *   attributed to the plan each customer had when the figures were fetched (for a closed month:
 *   soon after it ended).
 * - the directory read model, by SQL (store/finance-read.ts): customers and active subscriptions
 *   per plan, customers flagged in overage;
 * - overage units, first from the console's OWN operations ledger (billable grants whose meter
 *   event Stripe recorded — exact, one local scan, see store/operations-read.ts), then, as a bounded
 *   reconciliation, Stripe meter summaries (overage.ts) only for overage candidates the ledger does
 *   not explain (flagged in overage or spent past the allowance, no billable grant in the period).
 *   What this can miss: meter events that other systems sent for a customer who ALSO has console
 *   grants in the period (the ledger figure wins for them), and overage of customers who are
 *   neither flagged nor past their allowance. The ledger part is exact for what the console billed.
 *
 * Money, in integer cents (domain/money.ts): overage revenue per customer = units × the plan's
 * metered price (`overageUnitPrice` in the catalog, which is the Stripe price's
 * `unit_amount_decimal`), rounded once per customer half away from zero, then summed. Plan revenue
 * = customers with an *active* subscription (as the read model last saw it) × the plan's monthly
 * base price; for a month exactly one price each, for a custom range pro rata by length over an
 * average Gregorian month (2,629,746 s), rounded per plan. It uses today's subscriptions for past
 * periods: an estimate, not an invoice total.
 */
import type { AppDeps } from "../../context";
import { change, lineAmountCents, prorateCents, type Change } from "../../domain/money";
import { billableGrantUnits } from "../../store/operations-read";
import type { PeriodCustomer } from "../../store/usage-periods";
import type { Staleness } from "../usage/stale";
import { MAX_CANDIDATES, overageUnits, type OverageResult } from "./overage";
import { periodSpec, readPeriod } from "./usage-periods";

const AVG_MONTH_S = 2_629_746;
/** How long before a period a grant may have been created and still be billed in it (approval). */
const LEDGER_LOOKBACK_MS = 35 * 86_400_000;
const LEDGER_OPEN_TTL_MS = 15_000;

export type PeriodInput = { month: string } | { from: number; to: number };

export interface Period {
  from: number;
  to: number;
  prevFrom: number;
  /** Whole calendar month(s) (plan revenue = 1 × base) or a custom range (pro rata). */
  months: number | null;
}

export function resolvePeriod(p: PeriodInput): Period {
  if ("month" in p) {
    const [y, m] = p.month.split("-").map(Number) as [number, number];
    const from = Date.UTC(y, m - 1, 1);
    return { from, to: Date.UTC(y, m, 1), prevFrom: Date.UTC(y, m - 2, 1), months: 1 };
  }
  return { from: p.from, to: p.to, prevFrom: p.from - (p.to - p.from), months: null };
}

export interface CustomerFigures {
  externalId: string;
  name: string | null;
  plan: string | null;
  verifications: number;
  creditsSpent: number;
  overageUnits: number;
  overageRevenueCents: number;
}

export interface PlanFigures {
  plan: string;
  planName: string;
  customers: number;
  activeSubscriptions: number;
  verifications: number;
  creditsSpent: number;
  overageUnits: number;
  overageRevenueCents: number;
  planRevenueCents: number;
  basePriceCents: number | null;
  overageUnitPriceDecimal: string | null;
}

export interface FinanceSummary {
  currency: "usd";
  from: string;
  to: string;
  previous: { from: string; to: string };
  totals: {
    verifications: number;
    validVerifications: number;
    creditsSpent: number;
    overageUnits: number;
    overageRevenueCents: number;
    planRevenueCents: number;
    activeSubscriptions: number;
    customersWithUsage: number;
  };
  /** Overage: same sources for the previous period (ledger, then Stripe for the same candidates
   * and for those past their allowance then), priced at today's plans. */
  change: {
    verifications: Change;
    creditsSpent: Change;
    overageUnits: Change;
    overageRevenueCents: Change;
  };
  byPlan: PlanFigures[];
  topByUsage: CustomerFigures[];
  topByOverage: CustomerFigures[];
  overageCoverage: OverageResult["coverage"] & { method: string; fromLedger: number };
  /** When the usage figures (both periods) were fetched from Unkey: the older of the two. */
  usageAsOf: string;
  /** Set when they are older than the freshness window (a fresh copy is being fetched). */
  stale: Staleness;
}

interface LedgerEntry {
  at: number;
  ttl: number;
  value: Promise<{ cur: Map<string, number>; prev: Map<string, number> }>;
}
const ledgerCache = new WeakMap<AppDeps, Map<string, LedgerEntry>>();

/** Billable units per customer from the operations ledger (both periods), cached per period. */
function ledgerUnits(
  deps: AppDeps,
  period: Period,
): Promise<{ cur: Map<string, number>; prev: Map<string, number> }> {
  let cache = ledgerCache.get(deps);
  if (!cache) ledgerCache.set(deps, (cache = new Map<string, LedgerEntry>()));
  const key = `${period.prevFrom}:${period.from}:${period.to}`;
  const now = deps.now();
  const hit = cache.get(key);
  if (hit && now - hit.at < hit.ttl) return hit.value;
  const value = billableGrantUnits(
    deps.repos.operations,
    [period, { from: period.prevFrom, to: period.from }],
    LEDGER_LOOKBACK_MS,
  ).then((r) => ({
    cur: r.periods[0] ?? new Map<string, number>(),
    prev: r.periods[1] ?? new Map<string, number>(),
  }));
  // A grant approved late can still land in a closed period: closed periods are kept longer, not
  // forever.
  cache.set(key, { at: now, ttl: period.to <= now ? 10 * 60_000 : LEDGER_OPEN_TTL_MS, value });
  value.catch(() => cache.delete(key));
  return value;
}

/** Forget cached ledger sums (tests; after an operation completes). */
export function forgetFinanceLedger(deps: AppDeps): void {
  ledgerCache.delete(deps);
}

export async function financeSummary(
  deps: AppDeps,
  input: PeriodInput & { top: number },
): Promise<FinanceSummary> {
  const period = resolvePeriod(input);
  const cur = periodSpec(period.from, period.to);
  const prev = periodSpec(period.prevFrom, period.from);
  const repo = deps.repos.usagePeriods;
  const ledgerP = ledgerUnits(deps, period);
  // Customers flagged in overage need no usage figures to be candidates: reconcile them with
  // Stripe while the usage figures are read (or, the first time, fetched).
  const stripePeriod = { fromMs: period.from, toMs: period.to, prevFromMs: period.prevFrom };
  const flaggedP = Promise.all([deps.repos.financeRead.flaggedInOverage(), ledgerP]).then(
    ([rows, { cur: ledger }]) =>
      overageUnits(
        deps,
        rows.flatMap((d) =>
          d.stripe_customer_id && !ledger.has(d.external_id)
            ? [{ externalId: d.external_id, stripeCustomerId: d.stripe_customer_id, excess: 0 }]
            : [],
        ),
        stripePeriod,
      ),
  );
  const [curRead, prevRead] = await Promise.all([readPeriod(deps, cur), readPeriod(deps, prev)]);
  const [planSums, planCounts, topUsage, pastAllowance, ledgerBoth, flagged] = await Promise.all([
    repo.planSums(cur.key),
    deps.repos.financeRead.planCounts(),
    repo.topBySpent(cur.key, input.top),
    repo.pastAllowance(cur.key, prev.key),
    ledgerP,
    flaggedP,
  ]);
  const ledger = ledgerBoth.cur;
  const rest = await overageUnits(
    deps,
    pastAllowance.filter((c) => !ledger.has(c.externalId)),
    stripePeriod,
    Math.max(0, MAX_CANDIDATES - flagged.coverage.candidates),
  );
  const overage: OverageResult = {
    units: new Map([...flagged.units, ...rest.units, ...ledger]),
    // A customer the current ledger explains was not asked of Stripe: its previous period is the
    // ledger's alone.
    prevUnits: new Map([
      ...flagged.prevUnits,
      ...rest.prevUnits,
      ...[...ledger.keys()].map((id): [string, number] => [id, 0]),
      ...ledgerBoth.prev,
    ]),
    coverage: {
      candidates: flagged.coverage.candidates + rest.coverage.candidates,
      fetched: flagged.coverage.fetched + rest.coverage.fetched,
      capped: flagged.coverage.capped || rest.coverage.capped,
      failed: flagged.coverage.failed + rest.coverage.failed,
    },
  };

  // Names, plans and usage of every customer with overage in either period (a few hundred at
  // most): their revenue is priced at their plan's metered price.
  const known = await repo.customers(cur.key, [
    ...overage.units.keys(),
    ...overage.prevUnits.keys(),
  ]);
  const plans = new Map(deps.catalog.plans.map((p) => [p.id, p]));
  const priceOf = (plan: string | null) =>
    plan === null ? null : (plans.get(plan)?.overageUnitPrice ?? null);
  const figures = (c: PeriodCustomer): CustomerFigures => {
    const units = overage.units.get(c.externalId) ?? 0;
    const price = priceOf(c.plan);
    return {
      externalId: c.externalId,
      name: c.name,
      plan: c.plan,
      verifications: c.verifications,
      creditsSpent: c.spent,
      overageUnits: units,
      overageRevenueCents: price === null || units === 0 ? 0 : lineAmountCents(units, price),
    };
  };
  const unknown = (externalId: string): PeriodCustomer => ({
    externalId,
    name: null,
    plan: null,
    verifications: 0,
    spent: 0,
  });
  const withOverage = [...overage.units.keys()].map((id) => figures(known.get(id) ?? unknown(id)));

  const planRow = (id: string): PlanFigures => {
    const p = plans.get(id);
    return {
      plan: id,
      planName: p?.name ?? (id === "none" ? "No plan" : id),
      customers: 0,
      activeSubscriptions: 0,
      verifications: 0,
      creditsSpent: 0,
      overageUnits: 0,
      overageRevenueCents: 0,
      planRevenueCents: 0,
      basePriceCents: p?.basePrice.unitAmount ?? null,
      overageUnitPriceDecimal: p?.overageUnitPrice ?? null,
    };
  };
  const byPlan = new Map<string, PlanFigures>(deps.catalog.plans.map((p) => [p.id, planRow(p.id)]));
  const planOf = (id: string | null) => {
    const key = id ?? "none";
    let row = byPlan.get(key);
    if (!row) byPlan.set(key, (row = planRow(key)));
    return row;
  };
  for (const c of planCounts) {
    const row = planOf(c.plan);
    row.customers += c.customers;
    row.activeSubscriptions += c.active;
  }
  for (const u of planSums) {
    const row = planOf(u.plan);
    row.verifications += Number(u.verifications);
    row.creditsSpent += Number(u.spent);
  }
  for (const c of withOverage) {
    const row = planOf(c.plan);
    row.overageUnits += c.overageUnits;
    row.overageRevenueCents += c.overageRevenueCents;
  }
  const periodSeconds = Math.round((period.to - period.from) / 1000);
  for (const row of byPlan.values()) {
    if (row.basePriceCents === null) continue;
    row.planRevenueCents =
      period.months !== null
        ? row.basePriceCents * row.activeSubscriptions * period.months
        : prorateCents(row.basePriceCents * row.activeSubscriptions, periodSeconds, AVG_MONTH_S);
  }

  // Previous period's overage at each customer's plan price now (an estimate if plans changed).
  let prevOverageUnits = 0;
  let prevOverageCents = 0;
  for (const [id, units] of overage.prevUnits) {
    if (units === 0) continue;
    const price = priceOf(known.get(id)?.plan ?? null);
    prevOverageUnits += units;
    prevOverageCents += price === null ? 0 : lineAmountCents(units, price);
  }
  const c = curRead.period;
  const p = prevRead.period;
  const overageUnitsTotal = withOverage.reduce((a, x) => a + x.overageUnits, 0);
  const overageCents = withOverage.reduce((a, x) => a + x.overageRevenueCents, 0);
  const plansOut = [...byPlan.values()];
  const byUnits = (a: CustomerFigures, b: CustomerFigures) =>
    b.overageUnits - a.overageUnits || a.externalId.localeCompare(b.externalId);
  const staleMs = Math.max(curRead.staleMs ?? -1, prevRead.staleMs ?? -1);
  return {
    currency: "usd",
    from: new Date(period.from).toISOString(),
    to: new Date(period.to).toISOString(),
    previous: {
      from: new Date(period.prevFrom).toISOString(),
      to: new Date(period.from).toISOString(),
    },
    totals: {
      verifications: c.verifications,
      validVerifications: c.valid,
      creditsSpent: c.spent,
      overageUnits: overageUnitsTotal,
      overageRevenueCents: overageCents,
      planRevenueCents: plansOut.reduce((a, x) => a + x.planRevenueCents, 0),
      activeSubscriptions: plansOut.reduce((a, x) => a + x.activeSubscriptions, 0),
      customersWithUsage: c.customers_with_usage,
    },
    change: {
      verifications: change(c.verifications, p.verifications),
      creditsSpent: change(c.spent, p.spent),
      overageUnits: change(overageUnitsTotal, prevOverageUnits),
      overageRevenueCents: change(overageCents, prevOverageCents),
    },
    byPlan: plansOut,
    topByUsage: topUsage.map(figures),
    topByOverage: withOverage
      .filter((x) => x.overageUnits > 0)
      .sort(byUnits)
      .slice(0, input.top),
    overageCoverage: {
      ...overage.coverage,
      fromLedger: ledger.size,
      method:
        "The console's operations ledger (billable grants recorded in Stripe) for customers with grants in the period; Stripe meter summaries for other customers flagged in overage or past their allowance (capped, cached)",
    },
    usageAsOf: new Date(Math.min(c.refreshed_at, p.refreshed_at)).toISOString(),
    stale: staleMs < 0 ? null : { ageSeconds: Math.round(staleMs / 1000) },
  };
}
