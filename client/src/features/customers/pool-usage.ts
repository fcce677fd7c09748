// Pool usage as words for the pools table: the peak against the limit where verifications carry a
// tag naming the pool, and the server's reason where that cannot be derived (never a guess).

export type PoolUsage =
  | {
      derivable: true;
      tag: string;
      peakPerWindow: number;
      peakPercent: number;
      totalTagged: number;
      granularity: string;
    }
  | { derivable: false; reason: string };

export type PoolUsageRow = { name: string; scope: "identity" | "key"; keyIds: string[] };

/** Identifies a pool across customers.byId and usage.pools. */
export function poolKey(pool: PoolUsageRow): string {
  return `${pool.scope}|${pool.name}|${[...pool.keyIds].sort().join(",")}`;
}

export function poolUsageText(usage: PoolUsage, limit: number): { text: string; detail: string } {
  if (!usage.derivable) return { text: "Not derivable", detail: usage.reason };
  const nf = new Intl.NumberFormat("en-US", { maximumFractionDigits: 1 });
  return {
    text: `Peak ${nf.format(usage.peakPerWindow)} of ${nf.format(limit)} (${nf.format(usage.peakPercent)} %)`,
    detail: `${nf.format(usage.totalTagged)} verifications tagged “${usage.tag}”; ${usage.granularity}`,
  };
}
