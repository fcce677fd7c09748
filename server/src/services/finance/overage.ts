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
const METER_TTL_MS = 10 * 60_000;

interface Caches {
  summaries: Map<string, { at: number; units: number }>;
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
  coverage: { candidates: number; fetched: number; capped: boolean; failed: number };
}

/** Period bounds in unix seconds, floored/ceiled to minutes as Stripe requires. */
export async function overageUnits(
  deps: AppDeps,
  candidates: OverageCandidate[],
  fromMs: number,
  toMs: number,
  cap = MAX_CANDIDATES,
): Promise<OverageResult> {
  const ranked = [...candidates].sort((a, b) => b.excess - a.excess);
  const chosen = ranked.slice(0, cap);
  const units = new Map<string, number>();
  const out: OverageResult = {
    units,
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
  const start = Math.floor(fromMs / 60_000) * 60;
  const end = Math.ceil(toMs / 60_000) * 60;
  const c = caches(deps).summaries;
  const limit = pLimit(CONCURRENCY);
  await Promise.all(
    chosen.map((cand) =>
      limit(async () => {
        const key = `${cand.stripeCustomerId}:${start}:${end}`;
        const hit = c.get(key);
        if (hit && deps.now() - hit.at < SUMMARY_TTL_MS) {
          units.set(cand.externalId, hit.units);
          return;
        }
        try {
          const buckets = await deps.upstream.stripe.meterEventSummaries({
            meterId: m.id,
            customerId: cand.stripeCustomerId,
            start,
            end,
          });
          const n = buckets.reduce((s, b) => s + b.value, 0);
          c.set(key, { at: deps.now(), units: n });
          units.set(cand.externalId, n);
          out.coverage.fetched += 1;
        } catch (err) {
          // One customer's failing read must not blank the page: count it and go on.
          out.coverage.failed += 1;
          deps.log.warn({ err, externalId: cand.externalId }, "meter summary failed");
        }
      }),
    ),
  );
  return out;
}
