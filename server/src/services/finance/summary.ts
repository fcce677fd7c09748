/**
 * finance.summary: usage, overage and plan revenue for a month or a range, overall, by plan and by
 * customer, with the change against the previous period of equal length (for a month: the
 * previous calendar month).
 *
 * Sources, fetched in parallel:
 * - ONE grouped analytics question (`GROUP BY external_id`, both periods as conditional
 *   aggregates, paged by 20k customers) through the gateway (budget + cache). For periods bounded
 *   by UTC midnights (every month) it reads the per-day rollup (analytics/finance-daily-query.ts), ~100× fewer rows
 *   than raw events; a period that has ended is cached for a day (it does not change), a running
 *   one for 5 minutes.
 * - the directory read model (plans, names, Stripe links, subscriptions), snapshotted;
 * - overage units, first from the console's OWN operations ledger (billable grants whose meter
 *   event Stripe recorded — exact, one local scan, see store/operations-read.ts), then, as a bounded
 *   reconciliation, Stripe meter summaries (overage.ts) only for overage candidates the ledger does
 *   not explain (flagged in overage or spent past the allowance, no billable grant in the period).
 *   Flagged candidates are fetched while the analytics query runs. What this can miss: meter events
 *   that other systems sent for a customer who ALSO has console grants in the period (the ledger
 *   figure wins for them), and overage of customers who are neither flagged nor past their
 *   allowance. The ledger part is exact for what the console billed.
 *
 * Money, in integer cents (domain/money.ts): overage revenue per customer = units × the plan's
 * metered price (`overageUnitPrice` in the catalog, which is the Stripe price's
 * `unit_amount_decimal`), rounded once per customer half away from zero, then summed. Plan revenue
 * = customers with an *active* subscription (as the read model last saw it) × the plan's monthly
 * base price; for a month exactly one price each, for a custom range pro rata by length over an
 * average Gregorian month (2,629,746 s), rounded per plan. It uses today's subscriptions for past
 * periods: an estimate, not an invoice total.
 */
import { financeUsageQuery, FINANCE_PAGE } from "../../analytics/queries";
import type { AnalyticsResult } from "../../analytics/gateway";
import type { AppDeps } from "../../context";
import { change, lineAmountCents, prorateCents, type Change } from "../../domain/money";
import { num, staleness, type Staleness } from "../usage/stale";
import { directorySnapshot } from "./directory-snapshot";
import { MAX_CANDIDATES, overageUnits, type OverageResult } from "./overage";
import { financeUsageDailyQuery, isDayAligned } from "../../analytics/finance-daily-query";
import { billableGrantUnits } from "../../store/operations-read";

const AVG_MONTH_S = 2_629_746;
/** A period that ended is final; a running one moves with traffic. */
const OPEN_TTL_MS = 5 * 60_000;
const CLOSED_TTL_MS = 24 * 60 * 60_000;
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
  stale: Staleness;
}

interface UsageRow {
  n: number;
  valid: number;
  spent: number;
  prevN: number;
  prevSpent: number;
}

async function usageByCustomer(deps: AppDeps, period: Period) {
  const results: AnalyticsResult[] = [];
  const rows = new Map<string, UsageRow>();
  const ttlMs = period.to <= deps.now() ? CLOSED_TTL_MS : OPEN_TTL_MS;
  const daily = isDayAligned(period.prevFrom, period.from, period.to);
  for (let offset = 0; ; offset += FINANCE_PAGE) {
    const q = { ...period, limit: FINANCE_PAGE, offset };
    const res = await deps.analytics.query({
      cacheKey: `finance.usage:${daily ? "d" : "r"}:${period.prevFrom}:${period.from}:${period.to}:p${offset}`,
      sql: daily ? financeUsageDailyQuery(q) : financeUsageQuery(q),
      ttlMs,
      priority: "interactive",
    });
    results.push(res);
    for (const r of res.rows) {
      rows.set(typeof r.external_id === "string" ? r.external_id : "", {
        n: num(r.n),
        valid: num(r.valid),
        spent: num(r.spent),
        prevN: num(r.prev_n),
        prevSpent: num(r.prev_spent),
      });
    }
    if (res.rows.length < FINANCE_PAGE) break;
  }
  return { rows, results };
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
  const directoryP = directorySnapshot(deps);
  const ledgerP = ledgerUnits(deps, period);
  // Customers flagged in overage need no usage figures to be candidates: reconcile them with
  // Stripe while the analytics query runs.
  const stripePeriod = { fromMs: period.from, toMs: period.to, prevFromMs: period.prevFrom };
  const flaggedP = Promise.all([directoryP, ledgerP]).then(([directory, { cur: ledger }]) => {
    const flagged = directory.flatMap((d) =>
      d.stripe_customer_id && d.in_overage === 1 && !ledger.has(d.external_id)
        ? [{ externalId: d.external_id, stripeCustomerId: d.stripe_customer_id, excess: 0 }]
        : [],
    );
    return overageUnits(deps, flagged, stripePeriod);
  });
  const [{ rows: usage, results }, directory, ledgerBoth, flagged] = await Promise.all([
    usageByCustomer(deps, period),
    directoryP,
    ledgerP,
    flaggedP,
  ]);
  const ledger = ledgerBoth.cur;
  const plans = new Map(deps.catalog.plans.map((p) => [p.id, p]));
  const byId = new Map(directory.map((d) => [d.external_id, d]));

  // Further candidates: spent past the allowance within the period (or the previous one, for the
  // month-over-month change), not flagged, not explained by the ledger.
  const candidates = directory.flatMap((d) => {
    if (!d.stripe_customer_id || d.in_overage === 1 || ledger.has(d.external_id)) return [];
    const u = usage.get(d.external_id);
    const spent = u?.spent ?? 0;
    const allowance = d.credits_allowance ?? null;
    const past = (n: number) => allowance !== null && allowance > 0 && n > allowance;
    const over = past(spent) || past(u?.prevSpent ?? 0);
    if (!over) return [];
    return [
      {
        externalId: d.external_id,
        stripeCustomerId: d.stripe_customer_id,
        excess: spent - (allowance ?? 0),
      },
    ];
  });
  const rest = await overageUnits(
    deps,
    candidates,
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

  const perCustomer: CustomerFigures[] = [];
  const ids = new Set([...usage.keys(), ...overage.units.keys()]);
  for (const id of ids) {
    const u = usage.get(id);
    const d = byId.get(id);
    const units = overage.units.get(id) ?? 0;
    const price = d?.plan ? (plans.get(d.plan)?.overageUnitPrice ?? null) : null;
    perCustomer.push({
      externalId: id,
      name: d?.name ?? null,
      plan: d?.plan ?? null,
      verifications: u?.n ?? 0,
      creditsSpent: u?.spent ?? 0,
      overageUnits: units,
      overageRevenueCents: price === null || units === 0 ? 0 : lineAmountCents(units, price),
    });
  }

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
  for (const d of directory) {
    const row = planOf(d.plan);
    row.customers += 1;
    if (d.subscription_status === "active") row.activeSubscriptions += 1;
  }
  for (const c of perCustomer) {
    const row = planOf(c.plan);
    row.verifications += c.verifications;
    row.creditsSpent += c.creditsSpent;
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

  // Previous period's overage at each customer's CURRENT plan price (an estimate if plans changed).
  let prevOverageUnits = 0;
  let prevOverageCents = 0;
  for (const [id, units] of overage.prevUnits) {
    if (units === 0) continue;
    const d = byId.get(id);
    const price = d?.plan ? (plans.get(d.plan)?.overageUnitPrice ?? null) : null;
    prevOverageUnits += units;
    prevOverageCents += price === null ? 0 : lineAmountCents(units, price);
  }
  let prevN = 0;
  let prevSpent = 0;
  let valid = 0;
  for (const u of usage.values()) {
    prevN += u.prevN;
    prevSpent += u.prevSpent;
    valid += u.valid;
  }
  const sum = (f: (c: CustomerFigures) => number) => perCustomer.reduce((s, c) => s + f(c), 0);
  const plansOut = [...byPlan.values()];
  const verifications = sum((c) => c.verifications);
  const overageUnitsTotal = sum((c) => c.overageUnits);
  const overageCents = sum((c) => c.overageRevenueCents);
  const creditsSpent = sum((c) => c.creditsSpent);
  const top = (f: (c: CustomerFigures) => number) =>
    perCustomer
      .filter((c) => f(c) > 0)
      .sort((a, b) => f(b) - f(a) || a.externalId.localeCompare(b.externalId))
      .slice(0, input.top);
  return {
    currency: "usd",
    from: new Date(period.from).toISOString(),
    to: new Date(period.to).toISOString(),
    previous: {
      from: new Date(period.prevFrom).toISOString(),
      to: new Date(period.from).toISOString(),
    },
    totals: {
      verifications,
      validVerifications: valid,
      creditsSpent,
      overageUnits: overageUnitsTotal,
      overageRevenueCents: overageCents,
      planRevenueCents: plansOut.reduce((s, p) => s + p.planRevenueCents, 0),
      activeSubscriptions: plansOut.reduce((s, p) => s + p.activeSubscriptions, 0),
      customersWithUsage: perCustomer.filter((c) => c.verifications > 0).length,
    },
    change: {
      verifications: change(verifications, prevN),
      creditsSpent: change(creditsSpent, prevSpent),
      overageUnits: change(overageUnitsTotal, prevOverageUnits),
      overageRevenueCents: change(overageCents, prevOverageCents),
    },
    byPlan: plansOut,
    topByUsage: top((c) => c.creditsSpent),
    topByOverage: top((c) => c.overageUnits),
    overageCoverage: {
      ...overage.coverage,
      fromLedger: ledger.size,
      method:
        "The console's operations ledger (billable grants recorded in Stripe) for customers with grants in the period; Stripe meter summaries for other customers flagged in overage or past their allowance (capped, cached)",
    },
    stale: staleness(results),
  };
}
