/**
 * usage.pools: each ratelimit pool (identity and key), its limit and window, and — where
 * verifications carry a `pool:<name>` tag (the demo world's convention) — the peak number of
 * tagged verifications in one window over the last 24 h, from the raw events (ms `time`), in
 * fixed windows of the pool's own duration aligned to multiples of it (as the sandbox's
 * ratelimiter; Unkey's sliding window can admit a slightly higher peak across a boundary). Key
 * pools are counted per key. One grouped query per (window length, scope). A pool with no tagged
 * verifications is reported as not derivable rather than as zero: untagged traffic may use it.
 */
import { poolPeakQuery } from "../../analytics/queries";
import type { AppDeps } from "../../context";
import { DAY_MS, alignRange, MINUTE_MS } from "../../domain/buckets";
import { poolsOf } from "../customers";
import { num, staleness, type Staleness } from "./stale";

const POOLS_TTL_MS = 5 * MINUTE_MS;

export interface PoolUsageView {
  name: string;
  scope: "identity" | "key";
  keyIds: string[];
  limit: number;
  durationMs: number;
  usage:
    | {
        derivable: true;
        tag: string;
        peakPerWindow: number;
        peakPercent: number;
        totalTagged: number;
        granularity: string;
      }
    | { derivable: false; reason: string };
}

export const poolTag = (name: string) => `pool:${name}`;

export async function usagePools(
  deps: AppDeps,
  externalId: string,
): Promise<{ from: string; to: string; pools: PoolUsageView[]; stale: Staleness }> {
  const now = deps.now();
  const [identity, keys] = await Promise.all([
    deps.upstream.unkey.getIdentity({ externalId }),
    deps.upstream.unkey.keysOf(externalId),
  ]);
  const pools = poolsOf(identity.ratelimits, keys);
  // Minute-aligned so the bounds (and the cache key) hold for a minute.
  const { to } = alignRange(now, now + 1, MINUTE_MS);
  const from = to - DAY_MS;

  const groups = new Map<string, number[]>();
  pools.forEach((p, i) => {
    const k = `${p.durationMs}:${p.scope}`;
    groups.set(k, [...(groups.get(k) ?? []), i]);
  });
  const peak = new Map<number, { peak: number; total: number }>();
  const results = await Promise.all(
    [...groups.values()].map(async (idx) => {
      const first = pools[idx[0] ?? 0];
      if (!first) return null;
      const res = await deps.analytics.query({
        cacheKey: `usage.pools:${JSON.stringify([externalId, from, first.durationMs, first.scope, idx.map((i) => pools[i]?.name)])}`,
        sql: poolPeakQuery({
          externalId,
          from,
          to,
          windowMs: first.durationMs,
          pools: idx.map((i) => ({
            tag: poolTag(pools[i]?.name ?? ""),
            perKey: first.scope === "key",
          })),
        }),
        ttlMs: POOLS_TTL_MS,
        priority: "interactive",
      });
      const row = res.rows[0] ?? {};
      idx.forEach((poolIndex, j) =>
        peak.set(poolIndex, { peak: num(row[`peak${j}`]), total: num(row[`total${j}`]) }),
      );
      return res;
    }),
  );
  const views = pools.map((p, i): PoolUsageView => {
    const base = {
      name: p.name,
      scope: p.scope,
      keyIds: p.keyIds,
      limit: p.limit,
      durationMs: p.durationMs,
    };
    const u = peak.get(i);
    if (!u || u.total === 0) {
      return {
        ...base,
        usage: {
          derivable: false,
          reason: `No verification in the last 24 h carries the tag "${poolTag(p.name)}", so usage cannot be attributed to this pool`,
        },
      };
    }
    return {
      ...base,
      usage: {
        derivable: true,
        tag: poolTag(p.name),
        peakPerWindow: u.peak,
        peakPercent: Math.round((u.peak / p.limit) * 1000) / 10,
        totalTagged: u.total,
        granularity: `fixed ${p.durationMs} ms windows${p.scope === "key" ? " per key" : ""} over raw events, last 24 h`,
      },
    };
  });
  return {
    from: new Date(from).toISOString(),
    to: new Date(to).toISOString(),
    pools: views,
    stale: staleness(results.filter((r) => r !== null)),
  };
}
