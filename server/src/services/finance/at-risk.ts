/**
 * finance.atRisk: customers exhausted now, and customers whose forecast says they run out before
 * their next refill (or, for keys that never refill, at all), soonest first — from the directory
 * read model by SQL (index walks, no upstream calls), with what the page needs to link to them.
 */
import type { AppDeps } from "../../context";
import type { AtRiskRow } from "../../store/finance-read";
import { isoOrNull } from "../../domain/time";

export interface AtRiskCustomer {
  externalId: string;
  name: string | null;
  plan: string | null;
  status: "exhausted" | "runs_out";
  creditsRemaining: number | null;
  burnPerHour: number | null;
  forecastAt: string | null;
  nextRefillAt: string | null;
}

export async function financeAtRisk(
  deps: AppDeps,
  limit: number,
): Promise<{
  exhausted: AtRiskCustomer[];
  nearExhaustion: AtRiskCustomer[];
  syncedAt: string | null;
}> {
  const read = deps.repos.financeRead;
  const [exhausted, near, synced] = await Promise.all([
    read.exhausted(limit),
    read.runningOut(limit),
    read.lastSyncedAt(),
  ]);
  const view = (d: AtRiskRow, status: AtRiskCustomer["status"]): AtRiskCustomer => ({
    externalId: d.external_id,
    name: d.name,
    plan: d.plan,
    status,
    creditsRemaining: d.credits_remaining,
    burnPerHour: d.burn_per_hour,
    forecastAt: isoOrNull(d.forecast_exhaustion_at),
    nextRefillAt: isoOrNull(d.next_refill_at),
  });
  return {
    exhausted: exhausted.map((d) => view(d, "exhausted")),
    nearExhaustion: near.map((d) => view(d, "runs_out")),
    syncedAt: isoOrNull(synced),
  };
}
