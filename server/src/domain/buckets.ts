/**
 * Time buckets for usage charts. Pure. Buckets are multiples of their size since the unix epoch,
 * so every size used here (15 min, 1 h, 6 h, 1 d) starts on a UTC boundary, and the same bucket
 * means the same instants in the analytics query (`floor(time / size) * size`) and in the filler.
 */
export const MINUTE_MS = 60_000;
export const HOUR_MS = 3_600_000;
export const DAY_MS = 86_400_000;

export type BucketUnit = "minute" | "hour" | "day";
export interface BucketSize {
  unit: BucketUnit;
  /** A whole number of `unit`s, in ms (e.g. 15 minutes = 900 000). */
  ms: number;
}

export const namedRanges = ["24h", "7d", "30d", "90d"] as const;
export type NamedRange = (typeof namedRanges)[number];
export const rangeMs: Record<NamedRange, number> = {
  "24h": DAY_MS,
  "7d": 7 * DAY_MS,
  "30d": 30 * DAY_MS,
  "90d": 90 * DAY_MS,
};

/** Most buckets a response may hold (an explicit `bucket` override is checked against it). */
export const MAX_BUCKETS = 2_400;

/**
 * Minutes for hours, hours for days, days for months — each choice ≤ ~200 buckets so a chart
 * stays readable: ≤ 36 h → 15 min (24 h = 96), ≤ 8 d → 1 h (7 d = 168), ≤ 32 d → 6 h (30 d =
 * 120), longer → 1 day (90 d = 90, a year = 366).
 */
export function chooseBucket(spanMs: number): BucketSize {
  if (spanMs <= 36 * HOUR_MS) return { unit: "minute", ms: 15 * MINUTE_MS };
  if (spanMs <= 8 * DAY_MS) return { unit: "hour", ms: HOUR_MS };
  if (spanMs <= 32 * DAY_MS) return { unit: "hour", ms: 6 * HOUR_MS };
  return { unit: "day", ms: DAY_MS };
}

/** An explicit unit → one unit per bucket. */
export function bucketOf(unit: BucketUnit): BucketSize {
  return { unit, ms: unit === "minute" ? MINUTE_MS : unit === "hour" ? HOUR_MS : DAY_MS };
}

export const floorTo = (t: number, size: number) => Math.floor(t / size) * size;
export const ceilTo = (t: number, size: number) => Math.ceil(t / size) * size;

/** [from, to) widened to whole buckets: the first bucket holds `from`, the last holds `to - 1`. */
export function alignRange(from: number, to: number, size: number): { from: number; to: number } {
  return { from: floorTo(from, size), to: Math.max(ceilTo(to, size), floorTo(from, size) + size) };
}

export function bucketCount(from: number, to: number, size: number): number {
  return Math.round((to - from) / size);
}

/**
 * Dense series from sparse grouped rows: one slot per bucket in [from, to), zeros where no row
 * fell; rows outside the range are ignored (the query filters the same bounds, so none should).
 */
export function fillBuckets<T extends { bucket: number }>(
  rows: readonly T[],
  from: number,
  to: number,
  size: number,
  add: (slot: number, row: T) => void,
): number {
  const n = bucketCount(from, to, size);
  for (const r of rows) {
    const i = Math.floor((r.bucket - from) / size);
    if (i >= 0 && i < n) add(i, r);
  }
  return n;
}
