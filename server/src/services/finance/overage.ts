/**
 * Overage units per customer for a period, from Stripe meter event summaries.
 *
 * Stripe only summarises a meter per customer, so asking for every customer does not scale (100k
 * customers = 100k calls per view). Instead only *candidates* are asked: customers the read model
 * flags as in overage now, plus customers whose credits spent in the period (the grouped analytics
 * query) exceed their allowance — overage is billed for credits used beyond the allowance, so a
 * customer below it in the period has, as a rule, nothing metered. Candidates are ranked by spend
 * over allowance and capped (MAX_CANDIDATES), fetched with bounded concurrency, and each answer is
 * cached per (customer, period). Limits, reported in `coverage`: a customer who bought overage but
 * has not yet spent past its allowance in this period, or whose overage straddles a period
 * boundary, can be missed; the cap can leave the tail out. Since issue 6, summary.ts takes the
 * console's own ledger of the meter events it recorded first and asks this module only about
 * candidates the ledger does not explain (meter events other systems sent).
 */
import pLimit from "p-limit";
import type { AppDeps } from "../../context";
import type { StripeMeterSummary } from "../../upstream/stripe";

export const MAX_CANDIDATES = 500;
const CONCURRENCY = 8;
const SUMMARY_TTL_MS = 10 * 60_000;
/** A period that has ended no longer changes in Stripe (bar late events): keep its answers longer. */
const CLOSED_SUMMARY_TTL_MS = 6 * 60 * 60_000;
/**
 * Past its TTL (and within this), an answer is served at once and refreshed in the background
 * (stale-while-revalidate): after the first view, reconciliation never waits on Stripe.
 */
const SUMMARY_STALE_MS = 60 * 60_000;
const METER_TTL_MS = 10 * 60_000;

interface Caches {
  summaries: Map<string, { at: number; units: number; prevUnits: number }>;
  meter: { at: number; value: Promise<StripeMeterSummary | null> } | null;
}
const cachesByDeps = new WeakMap<AppDeps, Caches>();
function caches(deps: AppDeps): Caches {
  let c = cachesByDeps.get(deps);
  if (!c) {
    c = { summaries: new Map(), meter: null };
    cachesByDeps.set(deps, c);
  }
  return c;
}

function meter(deps: AppDeps): Promise<StripeMeterSummary | null> {
  const c = caches(deps);
  const now = deps.now();
  if (c.meter && now - c.meter.at < METER_TTL_MS) return c.meter.value;
  const value = deps.upstream.stripe.findActiveMeter(deps.catalog.meter.eventName);
  c.meter = { at: now, value };
  value.catch(() => {
    c.meter = null;
  });
  return value;
}

export interface OverageCandidate {
  externalId: string;
  stripeCustomerId: string;
  /** Ranking: credits spent beyond the allowance (flagged customers rank by it too). */
  excess: number;
}

export interface OverageResult {
  units: Map<string, number>;
  /** The same customers' units in the previous period [prevFrom, from). */
  prevUnits: Map<string, number>;
  coverage: { candidates: number; fetched: number; capped: boolean; failed: number };
}

const DAY_S = 86_400;

/**
 * Units in [from, to) and in [prevFrom, from) per candidate. Bounds in unix seconds, floored/ceiled
 * to minutes as Stripe requires. When all three are UTC midnights (every month) ONE summary call
 * per customer covers both periods, grouped by day (Stripe's day buckets are aligned to midnight
 * UTC) and split at `from`; otherwise two ungrouped calls.
 */
export async function overageUnits(
  deps: AppDeps,
  candidates: OverageCandidate[],
  period: { fromMs: number; toMs: number; prevFromMs: number },
  cap = MAX_CANDIDATES,
): Promise<OverageResult> {
  const ranked = [...candidates].sort((a, b) => b.excess - a.excess);
  const chosen = ranked.slice(0, cap);
  const units = new Map<string, number>();
  const prevUnits = new Map<string, number>();
  const out: OverageResult = {
    units,
    prevUnits,
    coverage: {
      candidates: candidates.length,
      fetched: 0,
      capped: ranked.length > chosen.length,
      failed: 0,
    },
  };
  if (chosen.length === 0) return out;
  const m = await meter(deps);
  if (!m) return out;
  const prevStart = Math.floor(period.prevFromMs / 60_000) * 60;
  const start = Math.floor(period.fromMs / 60_000) * 60;
  const end = Math.ceil(period.toMs / 60_000) * 60;
  const daily = [prevStart, start, end].every((t) => t % DAY_S === 0);
  const c = caches(deps).summaries;
  const limit = pLimit(CONCURRENCY);
  const ttl = period.toMs <= deps.now() ? CLOSED_SUMMARY_TTL_MS : SUMMARY_TTL_MS;
  const sum = (customerId: string, a: number, b: number, grouping?: "day") =>
    deps.upstream.stripe.meterEventSummaries({
      meterId: m.id,
      customerId,
      start: a,
      end: b,
      ...(grouping ? { grouping } : {}),
    });
  const fetchOne = async (cand: OverageCandidate, key: string) => {
    let cur = 0;
    let prev = 0;
    if (daily) {
      for (const b of await sum(cand.stripeCustomerId, prevStart, end, "day")) {
        if (b.start >= start) cur += b.value;
        else prev += b.value;
      }
    } else {
      const [a, b] = await Promise.all([
        sum(cand.stripeCustomerId, start, end),
        sum(cand.stripeCustomerId, prevStart, start),
      ]);
      cur = a.reduce((s, x) => s + x.value, 0);
      prev = b.reduce((s, x) => s + x.value, 0);
    }
    const entry = { at: deps.now(), units: cur, prevUnits: prev };
    c.set(key, entry);
    return entry;
  };
  const put = (id: string, e: { units: number; prevUnits: number }) => {
    units.set(id, e.units);
    prevUnits.set(id, e.prevUnits);
  };
  await Promise.all(
    chosen.map(async (cand) => {
      const key = `${cand.stripeCustomerId}:${prevStart}:${start}:${end}`;
      const hit = c.get(key);
      const age = hit ? deps.now() - hit.at : Infinity;
      if (hit && age < ttl) {
        put(cand.externalId, hit);
        return;
      }
      if (hit && age < ttl + SUMMARY_STALE_MS) {
        put(cand.externalId, hit);
        c.set(key, { ...hit, at: deps.now() - ttl + 60_000 }); // one refresh a minute at most
        void limit(() => fetchOne(cand, key)).catch((err: unknown) =>
          deps.log.warn({ err, externalId: cand.externalId }, "meter summary refresh failed"),
        );
        return;
      }
      return limit(async () => {
        try {
          put(cand.externalId, await fetchOne(cand, key));
          out.coverage.fetched += 1;
        } catch (err) {
          // One customer's failing read must not blank the page: count it and go on.
          out.coverage.failed += 1;
          deps.log.warn({ err, externalId: cand.externalId }, "meter summary failed");
        }
      });
    }),
  );
  return out;
}
