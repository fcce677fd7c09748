/**
 * The finance read model's running parts: fetching a period's usage per customer from Unkey
 * analytics (one grouped question, paged by 20k customers) into the store, on demand and in the
 * background.
 *
 * Why: at 100k customers the grouped analytics question takes seconds (ClickHouse, or the
 * emulator's SQLite) and returns 100k rows; grouping them by plan per page view took more. So a
 * page view reads the store (store/usage-periods.ts: per-plan sums written with the rows, top
 * customers by an index walk) and never waits on analytics except the first time a period is
 * asked for. Freshness:
 * - a period fetched at least FINAL_LAG after its end is final and never fetched again;
 * - otherwise it is served as is for OPEN_TTL; older, it is served at once, labelled with its age,
 *   and fetched again in the background (stale-while-revalidate);
 * - the schedule (schedule.ts) keeps the current and the previous month fresh: every sync interval
 *   and after each directory sync (the rows carry the plan each customer had then).
 * Custom ranges are periods too (`r:<from>:<to>`), dropped after a day unused.
 */
import type { AppDeps } from "../../context";
import { financeUsageQuery, FINANCE_PAGE, isDayAligned } from "../../analytics/finance-queries";
import type { UsageFigures, UsagePeriod } from "../../store/usage-periods";
import { num } from "../usage/stale";

/** An open period's figures are current enough for this long. */
export const OPEN_TTL_MS = 5 * 60_000;
/** Analytics ingestion lag: figures fetched this long after a period ended are final. */
export const FINAL_LAG_MS = 15 * 60_000;
/** A period read is recorded as used at most this often (custom ranges unused for a day are dropped). */
const TOUCH_EVERY_MS = 60_000;

export interface PeriodSpec {
  key: string;
  from: number;
  to: number;
}

export function periodSpec(from: number, to: number): PeriodSpec {
  const f = new Date(from);
  const isMonth =
    f.getUTCDate() === 1 &&
    from % 86_400_000 === 0 &&
    to === Date.UTC(f.getUTCFullYear(), f.getUTCMonth() + 1, 1);
  return { key: isMonth ? `m:${f.toISOString().slice(0, 7)}` : `r:${from}:${to}`, from, to };
}

const inflight = new WeakMap<AppDeps, Map<string, Promise<UsagePeriod>>>();

async function fetchPeriod(
  deps: AppDeps,
  spec: PeriodSpec,
  priority: "interactive" | "background",
): Promise<UsagePeriod> {
  const started = deps.now();
  const rows: UsageFigures[] = [];
  for (let offset = 0; ; offset += FINANCE_PAGE) {
    const res = await deps.analytics.query({
      cacheKey: `finance.usage:${spec.key}:p${offset}`,
      sql: financeUsageQuery({ from: spec.from, to: spec.to, limit: FINANCE_PAGE, offset }),
      ttlMs: 0,
      // The store is this result's cache: keeping 100k rows in memory as well buys nothing.
      remember: false,
      priority,
    });
    for (const r of res.rows) {
      rows.push({
        externalId: typeof r.external_id === "string" ? r.external_id : "",
        verifications: num(r.n),
        valid: num(r.valid),
        spent: num(r.spent),
      });
    }
    if (res.rows.length < FINANCE_PAGE) break;
  }
  return deps.repos.usagePeriods.replace(
    {
      key: spec.key,
      from_ms: spec.from,
      to_ms: spec.to,
      refreshed_at: started,
      final: started >= spec.to + FINAL_LAG_MS ? 1 : 0,
      source: isDayAligned(spec.from, spec.to) ? "daily" : "raw",
    },
    rows,
  );
}

/** Fetches a period again; concurrent calls for one period share the fetch. */
export function refreshPeriod(
  deps: AppDeps,
  spec: PeriodSpec,
  priority: "interactive" | "background",
): Promise<UsagePeriod> {
  let running = inflight.get(deps);
  if (!running) inflight.set(deps, (running = new Map<string, Promise<UsagePeriod>>()));
  const pending = running.get(spec.key);
  if (pending) return pending;
  const p = fetchPeriod(deps, spec, priority).finally(() => running.delete(spec.key));
  running.set(spec.key, p);
  return p;
}

export interface PeriodRead {
  period: UsagePeriod;
  /** Past OPEN_TTL (a fresher copy is being fetched): how old the figures are. */
  staleMs: number | null;
}

/** The period's figures for a page view: from the store, fetched first only if never fetched. */
export async function readPeriod(deps: AppDeps, spec: PeriodSpec): Promise<PeriodRead> {
  const now = deps.now();
  const have = await deps.repos.usagePeriods.get(spec.key);
  if (!have) return { period: await refreshPeriod(deps, spec, "interactive"), staleMs: null };
  if (now - have.last_used_at > TOUCH_EVERY_MS) await deps.repos.usagePeriods.touch(spec.key, now);
  const age = now - have.refreshed_at;
  if (have.final === 1 || age < OPEN_TTL_MS) return { period: have, staleMs: null };
  refreshPeriod(deps, spec, "interactive").catch((err: unknown) =>
    deps.log.warn({ err, period: spec.key }, "finance usage refresh failed; serving the last copy"),
  );
  return { period: have, staleMs: age };
}
