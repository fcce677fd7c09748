// The shapes the usage charts are drawn from: structural subsets of RouterOutputs["usage"], so the
// pure shaping functions can be tested with plain objects (and the compiler checks they still fit).
import type { RouterOutputs } from "../../lib/api-types";

export type Bucket = "minute" | "hour" | "day";

/** Columnar: bucket i covers [from + i·bucketMs, from + (i+1)·bucketMs); zeros are filled. */
export type TimeseriesData = {
  bucket: Bucket;
  bucketMs: number;
  from: string;
  buckets: number;
  outcomes: string[];
  counts: Record<string, number[]>;
  spent: number[];
  stale: null | { ageSeconds: number };
};

export type ForecastKind = "unlimited" | "exhausted" | "idle" | "runs_out" | "lasts_until_refill";

export type BurndownPoint = { t: string; balance: number };

export type BurndownData = {
  /** The window: the last refill (or a trailing window) to now or the next refill. */
  from: string;
  to: string;
  nextRefillAt: string | null;
  actual: BurndownPoint[];
  projected: BurndownPoint[];
  forecast: { kind: ForecastKind; at?: string | null };
  markers: { t: string; kind: "grant" | "plan_change"; label: string }[];
};

// Compile-time check that the server's answers still fit the shapes above.
type Fits<A extends B, B> = A;
export type _TimeseriesFits = Fits<RouterOutputs["usage"]["timeseries"], TimeseriesData>;
export type _BurndownFits = Fits<RouterOutputs["usage"]["burndown"], BurndownData>;
