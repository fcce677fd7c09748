/**
 * The finance page's background work, so that a page view neither waits on Unkey analytics nor on
 * Stripe: every minute, a cheap check (two small reads) decides whether a round is due; a round
 * fetches the current and the previous month into the finance read model when missing, older than
 * the sync interval, or older than the directory's last completed sync (the rows carry plans and
 * allowances), drops custom ranges unused for a day, and then computes the current month's
 * summary once, which leaves the Stripe reconciliation (meter summaries of overage candidates,
 * overage.ts) cached for the next viewer. Nothing runs before the first directory sync.
 */
import type { AppDeps } from "../../context";
import { financeSummary } from "./summary";
import { periodSpec, refreshPeriod, type PeriodSpec } from "./usage-periods";

const TICK_MS = 60_000;
const RANGE_KEEP_MS = 24 * 60 * 60_000;

function monthSpec(year: number, month0: number): PeriodSpec {
  return periodSpec(Date.UTC(year, month0, 1), Date.UTC(year, month0 + 1, 1));
}

/**
 * One round. `warm`: compute the current month's summary even when no month was fetched (the
 * first round of a process: its in-memory Stripe answers are empty). Returns whether it warmed.
 */
export async function refreshDue(
  deps: AppDeps,
  intervalMs: number,
  opts: { warm?: boolean } = {},
): Promise<{ fetched: string[]; warmed: boolean }> {
  const synced = await deps.repos.syncRuns.lastOk();
  if (!synced?.finished_at) return { fetched: [], warmed: false };
  const now = deps.now();
  const d = new Date(now);
  const fetched: string[] = [];
  for (const spec of [
    monthSpec(d.getUTCFullYear(), d.getUTCMonth()),
    monthSpec(d.getUTCFullYear(), d.getUTCMonth() - 1),
  ]) {
    const have = await deps.repos.usagePeriods.get(spec.key);
    const due =
      !have ||
      (have.final === 0 &&
        (now - have.refreshed_at >= intervalMs || have.refreshed_at < synced.finished_at));
    if (due) {
      await refreshPeriod(deps, spec, "background");
      fetched.push(spec.key);
    }
  }
  await deps.repos.usagePeriods.evictRanges(now - RANGE_KEEP_MS);
  if (fetched.length === 0 && !opts.warm) return { fetched, warmed: false };
  await financeSummary(deps, { month: d.toISOString().slice(0, 7), top: 10 });
  return { fetched, warmed: true };
}

/** Runs `refreshDue` every minute (rounds never overlap). Returns a stop that awaits a round. */
export function startUsageRefresh(deps: AppDeps, intervalMs: number): () => Promise<void> {
  let running: Promise<void> | null = null;
  let warmed = false;
  const run = () => {
    if (running) return;
    running = refreshDue(deps, intervalMs, { warm: !warmed })
      .then((r) => {
        warmed ||= r.warmed;
      })
      .catch((err: unknown) => deps.log.warn({ err }, "finance background refresh failed"))
      .finally(() => {
        running = null;
      });
  };
  const timer = setInterval(run, TICK_MS);
  timer.unref();
  run();
  return async () => {
    clearInterval(timer);
    await running;
  };
}
