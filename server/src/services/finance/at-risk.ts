/**
 * finance.atRisk: customers exhausted now, and customers whose forecast says they run out before
 * their next refill (or, for keys that never refill, at all), soonest first — from the directory
 * read model (no upstream calls), with what the page needs to link to them.
 */
import type { AppDeps } from "../../context";
import { directorySnapshot } from "./directory-snapshot";
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
  const rows = await directorySnapshot(deps);
  const view = (d: (typeof rows)[number], status: AtRiskCustomer["status"]): AtRiskCustomer => ({
    externalId: d.external_id,
    name: d.name,
    plan: d.plan,
    status,
    creditsRemaining: d.credits_remaining,
    burnPerHour: d.burn_per_hour,
    forecastAt: isoOrNull(d.forecast_exhaustion_at),
    nextRefillAt: isoOrNull(d.next_refill_at),
  });
  const exhausted = rows
    .filter((d) => d.status === "exhausted")
    .sort(
      (a, b) =>
        (a.name ?? "").localeCompare(b.name ?? "") || a.external_id.localeCompare(b.external_id),
    )
    .slice(0, limit)
    .map((d) => view(d, "exhausted"));
  // The read model stores an exhaustion instant only for a "runs out before refill" forecast.
  const near = rows
    .filter((d) => d.status !== "exhausted" && d.forecast_exhaustion_at !== null)
    .sort((a, b) => (a.forecast_exhaustion_at ?? 0) - (b.forecast_exhaustion_at ?? 0))
    .slice(0, limit)
    .map((d) => view(d, "runs_out"));
  const synced = rows.reduce((m, d) => Math.max(m, d.synced_at), 0);
  return { exhausted, nearExhaustion: near, syncedAt: synced > 0 ? isoOrNull(synced) : null };
}
