/** How a response says its analytics data is older than fresh (the budget ran low). */
import type { AnalyticsResult } from "../../analytics/gateway";

export type Staleness = null | { ageSeconds: number };

/** Oldest stale result among those a response is built from; null when all are fresh/cached. */
export function staleness(results: readonly AnalyticsResult[]): Staleness {
  const stale = results.filter((r) => r.source === "stale");
  if (stale.length === 0) return null;
  return { ageSeconds: Math.round(Math.max(...stale.map((r) => r.ageMs)) / 1000) };
}

export const num = (v: unknown): number => {
  const n = typeof v === "number" ? v : Number(v);
  return Number.isFinite(n) ? n : 0;
};
