/**
 * usage.timeseries: a customer's (or one key's) verifications per bucket, stacked by outcome, and
 * credits spent per bucket. One grouped analytics query per call (GROUP BY bucket, outcome) through
 * the gateway (budget + cache); the server fills empty buckets so the browser gets a dense,
 * bounded series and never raw events.
 *
 * The series is columnar (`counts[outcome][i]`, `spent[i]`, bucket i starting at
 * `from + i·bucketMs`): a 90-day hourly chart is 2,160 buckets, and row objects with ISO strings
 * would be ~200 KB; columns keep it well under the 100 KB target.
 */
import { usageSeriesQuery } from "../../analytics/queries";
import { outcomes as allOutcomes } from "../../analytics/sql";
import type { AppDeps } from "../../context";
import {
  alignRange,
  bucketCount,
  bucketOf,
  chooseBucket,
  fillBuckets,
  rangeMs,
  type BucketSize,
  type BucketUnit,
  type NamedRange,
} from "../../domain/buckets";
import { num, staleness, type Staleness } from "./stale";

/** Results for ranges ending now are reused this long (a bucket is ≥ 1 min; charts refresh). */
export const SERIES_TTL_MS = 60_000;
/** Ranges that ended over a bucket ago do not change: cache them longer. */
export const CLOSED_SERIES_TTL_MS = 30 * 60_000;

export type RangeInput = { range: NamedRange } | { range: "custom"; from: number; to: number };

export interface TimeseriesInput {
  externalId: string;
  keyId?: string | undefined;
  window: RangeInput;
  bucket?: BucketUnit | undefined;
}

export interface Timeseries {
  bucket: BucketUnit;
  bucketMs: number;
  from: string;
  to: string;
  buckets: number;
  /** Outcomes present in the range, VALID first, then the rest in Unkey's order. */
  outcomes: string[];
  counts: Record<string, number[]>;
  spent: number[];
  totals: { verifications: number; spent: number; byOutcome: Record<string, number> };
  stale: Staleness;
}

/** The aligned range and bucket size a request resolves to (also used by burndown). */
export function resolveWindow(
  window: RangeInput,
  now: number,
  bucket: BucketUnit | undefined,
): { from: number; to: number; size: BucketSize } {
  const rawFrom = window.range === "custom" ? window.from : now - rangeMs[window.range];
  const rawTo = window.range === "custom" ? window.to : now;
  const size = bucket ? bucketOf(bucket) : chooseBucket(rawTo - rawFrom);
  if (window.range === "custom") return { ...alignRange(rawFrom, rawTo, size.ms), size };
  // Named ranges end with the bucket holding `now` and span exactly the range's bucket count,
  // so the bounds (and the cache key) only move when a new bucket starts.
  const { to } = alignRange(now, now + 1, size.ms);
  return { from: to - Math.ceil(rangeMs[window.range] / size.ms) * size.ms, to, size };
}

const outcomeOrder = (o: string) => {
  const i = (allOutcomes as readonly string[]).indexOf(o);
  return i === -1 ? allOutcomes.length : i;
};

export async function usageTimeseries(deps: AppDeps, input: TimeseriesInput): Promise<Timeseries> {
  const now = deps.now();
  const { from, to, size } = resolveWindow(input.window, now, input.bucket);
  const res = await deps.analytics.query({
    cacheKey: `usage.series:${JSON.stringify([input.externalId, input.keyId ?? null, from, to, size.ms])}`,
    sql: usageSeriesQuery({
      externalId: input.externalId,
      keyId: input.keyId,
      from,
      to,
      bucketMs: size.ms,
    }),
    ttlMs: to + size.ms < now ? CLOSED_SERIES_TTL_MS : SERIES_TTL_MS,
    priority: "interactive",
  });
  const rows = res.rows.map((r) => ({
    bucket: num(r.bucket),
    outcome: String(r.outcome),
    n: num(r.n),
    spent: num(r.spent),
  }));
  const present = [...new Set(rows.map((r) => r.outcome))].sort(
    (a, b) => outcomeOrder(a) - outcomeOrder(b) || a.localeCompare(b),
  );
  const n = bucketCount(from, to, size.ms);
  const counts: Record<string, number[]> = Object.fromEntries(
    present.map((o) => [o, new Array<number>(n).fill(0)]),
  );
  const spent = new Array<number>(n).fill(0);
  fillBuckets(rows, from, to, size.ms, (i, r) => {
    const series = counts[r.outcome];
    if (series) series[i] = (series[i] ?? 0) + r.n;
    spent[i] = (spent[i] ?? 0) + r.spent;
  });
  const byOutcome = Object.fromEntries(
    present.map((o) => [o, (counts[o] ?? []).reduce((a, b) => a + b, 0)]),
  );
  return {
    bucket: size.unit,
    bucketMs: size.ms,
    from: new Date(from).toISOString(),
    to: new Date(to).toISOString(),
    buckets: n,
    outcomes: present,
    counts,
    spent,
    totals: {
      verifications: Object.values(byOutcome).reduce((a, b) => a + b, 0),
      spent: spent.reduce((a, b) => a + b, 0),
      byOutcome,
    },
    stale: staleness([res]),
  };
}
