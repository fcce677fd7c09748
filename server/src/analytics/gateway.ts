/**
 * The one door to Unkey analytics. Unkey allows a workspace 1000 queries per rolling hour, so
 * this counts the console's own queries in a rolling hour, caches results by a logical key with a
 * TTL, and — when the budget runs low — serves the last result for that key, labelled with its
 * age, instead of spending more (or failing). An upstream 429 closes the budget until Retry-After.
 */
import type { SqlFragment } from "./sql";

export type AnalyticsRow = Record<string, unknown>;

export interface AnalyticsResult {
  rows: AnalyticsRow[];
  /** When the rows were fetched from Unkey (unix ms). */
  fetchedAt: number;
  ageMs: number;
  /** fresh: just queried; cached: within its TTL; stale: past TTL, served to save budget. */
  source: "fresh" | "cached" | "stale";
}

export class AnalyticsBudgetError extends Error {
  override name = "AnalyticsBudgetError";
  constructor(readonly retryAtMs: number) {
    super(
      `The Unkey analytics query budget is used up until ${new Date(retryAtMs).toISOString()}, ` +
        "and there is no earlier result to show",
    );
  }
}

export interface AnalyticsBudgetOptions {
  /** Queries Unkey allows per rolling hour (1000). */
  perHour: number;
  /**
   * Below this many remaining queries the budget is "low": background work (the sync) serves stale
   * results when it has any, keeping the rest for people looking at a page.
   */
  reserve: number;
}

interface CacheEntry {
  rows: AnalyticsRow[];
  fetchedAt: number;
}

const HOUR_MS = 3_600_000;

export interface AnalyticsQuery {
  /** Logical name of the result (e.g. "directory.keyUsage:p0"): ms literals change every run,
   * the question does not, so the cache is keyed by this, not by the SQL text. */
  cacheKey: string;
  sql: SqlFragment;
  ttlMs: number;
  /** Background work yields budget to interactive requests. */
  priority: "background" | "interactive";
  /** false: the caller keeps the result itself (e.g. in the store); nothing is cached here, and
   * with the budget low there is no earlier result to fall back on. Default true. */
  remember?: boolean;
}

export function createAnalyticsGateway(deps: {
  run: (sql: string) => Promise<AnalyticsRow[]>;
  now: () => number;
  budget: AnalyticsBudgetOptions;
  /** Most cache entries kept (oldest evicted first). */
  maxEntries?: number;
  /** Tells whether an error is Unkey's 429 and, if so, when to retry (ms from now). */
  rateLimited?: (err: unknown) => number | null;
}) {
  const sent: number[] = []; // timestamps of queries sent in the last hour, oldest first
  const cache = new Map<string, CacheEntry>();
  const maxEntries = deps.maxEntries ?? 500;
  let closedUntil = 0;

  const prune = (now: number) => {
    while (sent.length > 0 && (sent[0] ?? 0) <= now - HOUR_MS) sent.shift();
  };

  const remember = (key: string, entry: CacheEntry) => {
    cache.delete(key);
    cache.set(key, entry);
    while (cache.size > maxEntries) {
      const oldest = cache.keys().next().value;
      if (oldest === undefined) break;
      cache.delete(oldest);
    }
  };

  const served = (e: CacheEntry, now: number, source: AnalyticsResult["source"]) => ({
    rows: e.rows,
    fetchedAt: e.fetchedAt,
    ageMs: now - e.fetchedAt,
    source,
  });

  return {
    /** Queries sent in the rolling hour and how many remain. */
    usage() {
      const now = deps.now();
      prune(now);
      const used = closedUntil > now ? deps.budget.perHour : sent.length;
      return {
        used: sent.length,
        remaining: Math.max(0, deps.budget.perHour - used),
        perHour: deps.budget.perHour,
        low: deps.budget.perHour - used <= deps.budget.reserve,
      };
    },

    async query(q: AnalyticsQuery): Promise<AnalyticsResult> {
      const now = deps.now();
      prune(now);
      const hit = cache.get(q.cacheKey);
      if (hit && now - hit.fetchedAt < q.ttlMs) return served(hit, now, "cached");

      const remaining = closedUntil > now ? 0 : deps.budget.perHour - sent.length;
      const low =
        remaining <= 0 || (q.priority === "background" && remaining <= deps.budget.reserve);
      if (low) {
        if (hit) return served(hit, now, "stale");
        if (remaining <= 0) {
          throw new AnalyticsBudgetError(
            closedUntil > now ? closedUntil : (sent[0] ?? now) + HOUR_MS,
          );
        }
      }
      sent.push(now);
      try {
        const rows = await deps.run(q.sql.text);
        const entry = { rows, fetchedAt: deps.now() };
        if (q.remember !== false) remember(q.cacheKey, entry);
        return served(entry, entry.fetchedAt, "fresh");
      } catch (err) {
        const retryIn = deps.rateLimited?.(err) ?? null;
        if (retryIn !== null) {
          // Unkey counts queries we cannot see (other consoles, scripts): trust its 429.
          closedUntil = deps.now() + Math.max(retryIn, 1_000);
          if (hit) return served(hit, deps.now(), "stale");
          throw new AnalyticsBudgetError(closedUntil);
        }
        throw err;
      }
    },

    /** Forget cached results (tests; after a write that changes usage). */
    invalidate(prefix = "") {
      for (const k of [...cache.keys()]) if (k.startsWith(prefix)) cache.delete(k);
    },
  };
}
export type AnalyticsGateway = ReturnType<typeof createAnalyticsGateway>;
