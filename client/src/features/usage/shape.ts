// Pure shaping of the server's usage series into chart rows. Charts only render what these return,
// so everything a reader sees (order, colours, labels, the projected line) is tested here.
import type { Bucket, BurndownData, TimeseriesData } from "./types";

/** Stacking order, bottom first: successful calls at the base, then the reasons calls fail. */
export const OUTCOME_ORDER = [
  "VALID",
  "USAGE_EXCEEDED",
  "RATE_LIMITED",
  "DISABLED",
  "EXPIRED",
  "INSUFFICIENT_PERMISSIONS",
  "FORBIDDEN",
  "NOT_FOUND",
] as const;

// Mantine palette variables: the same hue in both schemes, shades picked to keep 3:1 against both
// the white and the dark-7 card background. Meaning carries over: teal = fine, orange/red = out of
// credits or blocked.
const OUTCOME_COLORS: Record<string, string> = {
  VALID: "var(--mantine-color-teal-6)",
  USAGE_EXCEEDED: "var(--mantine-color-orange-6)",
  RATE_LIMITED: "var(--mantine-color-grape-5)",
  DISABLED: "var(--mantine-color-gray-6)",
  EXPIRED: "var(--mantine-color-pink-6)",
  INSUFFICIENT_PERMISSIONS: "var(--mantine-color-cyan-7)",
  FORBIDDEN: "var(--mantine-color-red-7)",
  NOT_FOUND: "var(--mantine-color-indigo-4)",
};
const FALLBACK_COLORS = [
  "var(--mantine-color-lime-7)",
  "var(--mantine-color-blue-5)",
  "var(--mantine-color-violet-5)",
  "var(--mantine-color-yellow-7)",
];

export const SPENT_COLOR = "var(--mantine-color-indigo-5)";
export const BALANCE_COLOR = "var(--mantine-color-blue-5)";
export const PROJECTED_COLOR = "var(--mantine-color-orange-6)";
export const REFILL_COLOR = "var(--mantine-color-teal-6)";

/** A stable colour per outcome: known ones fixed, unknown ones by name (never by position). */
export function outcomeColor(outcome: string): string {
  const known = OUTCOME_COLORS[outcome];
  if (known) return known;
  let h = 0;
  for (const ch of outcome) h = (h * 31 + ch.charCodeAt(0)) >>> 0;
  return FALLBACK_COLORS[h % FALLBACK_COLORS.length]!;
}

/** "USAGE_EXCEEDED" → "Usage exceeded". */
export function outcomeLabel(outcome: string): string {
  const words = outcome.toLowerCase().replace(/_/g, " ").trim();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/** Known outcomes in OUTCOME_ORDER, then any others alphabetically; duplicates dropped. */
export function orderOutcomes(outcomes: readonly string[]): string[] {
  const known = OUTCOME_ORDER as readonly string[];
  const unique = [...new Set(outcomes)];
  return unique.sort((a, b) => {
    const ia = known.indexOf(a);
    const ib = known.indexOf(b);
    if (ia !== -1 || ib !== -1) return (ia === -1 ? Infinity : ia) - (ib === -1 ? Infinity : ib);
    return a.localeCompare(b);
  });
}

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
const pad = (n: number) => String(n).padStart(2, "0");

/** A short axis label in UTC: "14:05" for minutes, "Nov 27 14:00" for hours, "Nov 27" for days. */
export function bucketTick(t: string | number, bucket: Bucket): string {
  const d = new Date(t);
  const day = `${MONTHS[d.getUTCMonth()]} ${d.getUTCDate()}`;
  const time = `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}`;
  switch (bucket) {
    case "minute":
      return time;
    case "hour":
      return `${day} ${time}`;
    case "day":
      return day;
  }
}

/** The whole bucket for a tooltip or table row: "2026-11-27 14:00–15:00 UTC", "2026-11-27 UTC". */
export function bucketLabel(t: string | number, bucket: Bucket, bucketMs: number): string {
  const start = new Date(t);
  const date = `${start.getUTCFullYear()}-${pad(start.getUTCMonth() + 1)}-${pad(start.getUTCDate())}`;
  if (bucket === "day" && bucketMs === 86_400_000) return `${date} UTC`;
  const end = new Date(start.getTime() + bucketMs);
  if (bucket === "day" && bucketMs % 86_400_000 === 0) {
    const last = new Date(end.getTime() - 86_400_000);
    return `${date} – ${last.getUTCFullYear()}-${pad(last.getUTCMonth() + 1)}-${pad(last.getUTCDate())} UTC`;
  }
  const hm = (d: Date) => `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}`;
  return `${date} ${hm(start)}–${hm(end)} UTC`;
}

const MINUTE_MS = 60_000;
const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;
/** 1970-01-01 was a Thursday: Mondays are 4 days after a multiple of 7 days since the epoch. */
const MONDAY_OFFSET_MS = 4 * DAY_MS;
/** Round tick spacings, finest first; a week and more start on a Monday. */
const TICK_STEPS = [
  15 * MINUTE_MS,
  30 * MINUTE_MS,
  HOUR_MS,
  2 * HOUR_MS,
  3 * HOUR_MS,
  6 * HOUR_MS,
  12 * HOUR_MS,
  DAY_MS,
  2 * DAY_MS,
  7 * DAY_MS,
  14 * DAY_MS,
  28 * DAY_MS,
];
/** Labels a half-width chart (about 500 px) fits without overlap: "Nov 27 14:00" is ~70 px. */
export const MAX_AXIS_TICKS = 6;

export type TimeAxis = {
  /** The instants that get a label on the x axis. */
  ticks: number[];
  /** How to label them (see `bucketTick`): coarser steps need less of the time. */
  unit: Bucket;
};

const stepOffset = (step: number) => (step >= 7 * DAY_MS ? MONDAY_OFFSET_MS : 0);
const isOnStep = (t: number, step: number) => (((t - stepOffset(step)) % step) + step) % step === 0;
const stepUnit = (step: number, finest: Bucket): Bucket =>
  step >= DAY_MS ? "day" : step >= HOUR_MS ? "hour" : finest;

/**
 * Where a bucket chart's x axis puts its labels: at most `maxTicks` bucket starts on round UTC
 * instants (whole hours, midnights, Mondays). Chosen here rather than by Recharts because Recharts,
 * given every bucket as a candidate tick, measures each label in the DOM (a forced layout each) to
 * find room, twice (axis and grid): in a profile of the 90-day hourly view that was ~0.5 s of the
 * ~0.9 s between data and paint. Falls back to every k-th bucket when none is on a round instant.
 */
export function timeAxis(
  times: readonly number[],
  bucket: Bucket,
  maxTicks = MAX_AXIS_TICKS,
): TimeAxis {
  if (times.length <= maxTicks) return { ticks: [...times], unit: bucket };
  const bucketMs = times[1]! - times[0]!;
  for (const step of TICK_STEPS) {
    if (step < bucketMs) continue;
    const ticks = times.filter((t) => isOnStep(t, step));
    if (ticks.length >= 2 && ticks.length <= maxTicks)
      return { ticks, unit: stepUnit(step, bucket) };
  }
  const every = Math.ceil(times.length / maxTicks);
  return { ticks: times.filter((_, i) => i % every === 0), unit: bucket };
}

/** The same for a continuous time axis over [start, end]: round instants inside it. */
export function instantAxis(start: number, end: number, maxTicks = MAX_AXIS_TICKS): TimeAxis {
  for (const step of TICK_STEPS) {
    const offset = stepOffset(step);
    const first = Math.ceil((start - offset) / step) * step + offset;
    const count = first > end ? 0 : Math.floor((end - first) / step) + 1;
    if (count >= 2 && count <= maxTicks)
      return {
        ticks: Array.from({ length: count }, (_, i) => first + i * step),
        unit: stepUnit(step, "minute"),
      };
  }
  return { ticks: end > start ? [start, end] : [start], unit: "hour" };
}

/**
 * Most points an area chart draws: about one per pixel of a half-width chart (~430 px of plot on a
 * 1280 px screen). Beyond it buckets are thinner than a pixel, while Recharts' work grows with every
 * point: drawing all 2,160 hourly buckets made the daily → hourly switch ~3× slower than drawing
 * 361 six-hour steps (measured in headless Chromium). See `peakGroups`.
 */
export const MAX_DRAWN_POINTS = 400;
/** Buckets per drawn point, finest first: whole divisors of hours and days where possible. */
const GROUP_SIZES = [2, 3, 4, 6, 8, 12, 24, 48, 96, 168, 336, 672];

/** Buckets [from, to) drawn as one point, at the values of bucket `peak` (the busiest one). */
export type PeakGroup = { from: number; to: number; peak: number };

/**
 * Groups consecutive buckets for drawing only, when there are more than `maxPoints`: k buckets per
 * group (the smallest k in GROUP_SIZES that fits), groups aligned to multiples of k buckets since
 * the epoch (so 6-hour groups are 00–06, 06–12… UTC), each drawn at its busiest bucket. Why the
 * busiest and not the mean or sum: a filled area whose steps are narrower than a pixel shows, in
 * each pixel column, roughly the highest value in it, so drawing each group at its peak looks much
 * like drawing every bucket (a mean would flatten the spikes, a sum would change the y axis unit);
 * and every drawn height is one real bucket's exact values. null when every bucket can be drawn.
 */
export function peakGroups(
  times: readonly number[],
  weight: (i: number) => number,
  maxPoints = MAX_DRAWN_POINTS,
): PeakGroup[] | null {
  const n = times.length;
  if (n <= maxPoints || n < 2) return null;
  const bucketMs = times[1]! - times[0]!;
  for (const k of GROUP_SIZES) {
    const groupMs = k * bucketMs;
    // At most one partial group at each end.
    if (Math.ceil(n / k) + 1 > maxPoints && k !== GROUP_SIZES.at(-1)) continue;
    const groups: PeakGroup[] = [];
    let current: PeakGroup | null = null;
    let id = NaN;
    for (let i = 0; i < n; i++) {
      const g = Math.floor(times[i]! / groupMs);
      if (!current || g !== id) {
        current = { from: i, to: i + 1, peak: i };
        groups.push(current);
        id = g;
      } else {
        current.to = i + 1;
        if (weight(i) > weight(current.peak)) current.peak = i;
      }
    }
    return groups;
  }
  return null;
}

/** "hour", "6 hours", "15 minutes", "day", "2 days": a bucket's or a drawn step's length. */
export function durationWords(ms: number): string {
  const unit = (n: number, word: string) => (n === 1 ? word : `${n} ${word}s`);
  if (ms % DAY_MS === 0) return unit(ms / DAY_MS, "day");
  if (ms % HOUR_MS === 0) return unit(ms / HOUR_MS, "hour");
  return unit(Math.round(ms / MINUTE_MS), "minute");
}

/**
 * The caption under a chart drawn in groups (null when every bucket is drawn): says what is drawn
 * and where the exact numbers are, so the drawing never passes for the data.
 */
export function drawingNote(
  drawn: { bucketsPerStep: number; stepMs: number },
  buckets: number,
  bucketMs: number,
): string | null {
  if (drawn.bucketsPerStep <= 1) return null;
  const bucket = durationWords(bucketMs);
  return `Drawn in steps of ${durationWords(drawn.stepMs)}, each at its busiest ${bucket}: ${buckets.toLocaleString("en-US")} buckets do not fit the chart's width. The tooltip and the table have exact numbers per ${bucket}.`;
}

/**
 * What a chart draws: `rows` as they are, or one row per group of buckets. A drawn group row has
 * the group's start as `t` and its label (the whole span), and the values of its busiest bucket;
 * `groups` (same order) holds that bucket's label and the group's exact sums for the tooltip.
 */
export type Drawing<R, G> = {
  rows: R[];
  groups: G[] | null;
  /** Length of one drawn step, in ms: the bucket, or the group. */
  stepMs: number;
  /** Buckets per drawn step (1 = every bucket drawn). */
  bucketsPerStep: number;
};

export type VerificationGroup = {
  /** The busiest bucket, whose values are drawn. */
  peakLabel: string;
  peak: VerificationRow;
  /** Exact sums over the group's buckets, per outcome. */
  sums: Record<string, number>;
  total: number;
  buckets: number;
};

export type Series = { key: string; label: string; color: string; total: number };
export type VerificationRow = { t: number; label: string; total: number } & Record<
  string,
  number | string
>;

export type VerificationChart = {
  /** Every bucket, exact: the table. */
  rows: VerificationRow[];
  /** Bottom of the stack first; only outcomes that occurred in the range. */
  series: Series[];
  total: number;
  /** What the chart draws, and the x axis labels for it. */
  drawn: Drawing<VerificationRow, VerificationGroup>;
  axis: TimeAxis;
};

/** Start of bucket i, in ms. */
function bucketStart(data: TimeseriesData, i: number): number {
  return Date.parse(data.from) + i * data.bucketMs;
}

const labelCache = new WeakMap<TimeseriesData, string[]>();
const clock = (t: number) => {
  const m = Math.floor((t % DAY_MS) / MINUTE_MS);
  return `${pad(Math.floor(m / 60))}:${pad(m % 60)}`;
};

/**
 * `bucketLabel` of every bucket, once per answer (both charts share them): the same strings, but
 * for sub-day buckets built from one date string per day instead of two Dates per bucket, since
 * the 2,160 labels of 90 hourly days are computed on the render path.
 */
function bucketLabels(data: TimeseriesData): string[] {
  const cached = labelCache.get(data);
  if (cached) return cached;
  const n = bucketCount(data);
  const from = Date.parse(data.from);
  const fast = data.bucketMs < DAY_MS && data.bucketMs % MINUTE_MS === 0 && from % MINUTE_MS === 0;
  const labels: string[] = [];
  let day = NaN;
  let date = "";
  for (let i = 0; i < n; i++) {
    const t = from + i * data.bucketMs;
    if (!fast || t < 0) {
      labels.push(bucketLabel(t, data.bucket, data.bucketMs));
      continue;
    }
    const d = Math.floor(t / DAY_MS);
    if (d !== day) {
      day = d;
      date = new Date(d * DAY_MS).toISOString().slice(0, 10);
    }
    labels.push(`${date} ${clock(t)}–${clock(t + data.bucketMs)} UTC`);
  }
  labelCache.set(data, labels);
  return labels;
}

function bucketCount(data: TimeseriesData): number {
  return Math.max(
    data.buckets,
    data.spent.length,
    ...Object.values(data.counts).map((c) => c.length),
  );
}

export function toVerificationChart(data: TimeseriesData): VerificationChart {
  const all = orderOutcomes([...data.outcomes, ...Object.keys(data.counts)]);
  const totals = new Map<string, number>(all.map((o) => [o, 0]));
  const rows: VerificationRow[] = [];
  const labels = bucketLabels(data);
  for (let i = 0; i < labels.length; i++) {
    const t = bucketStart(data, i);
    const row: VerificationRow = {
      t,
      label: labels[i]!,
      total: 0,
    };
    let total = 0;
    for (const o of all) {
      const n = data.counts[o]?.[i] ?? 0;
      row[o] = n;
      total += n;
      totals.set(o, (totals.get(o) ?? 0) + n);
    }
    row.total = total;
    rows.push(row);
  }
  const series = all
    .filter((o) => (totals.get(o) ?? 0) > 0)
    .map((o) => ({
      key: o,
      label: outcomeLabel(o),
      color: outcomeColor(o),
      total: totals.get(o) ?? 0,
    }));
  const drawn = drawVerifications(rows, all, data);
  return {
    rows,
    series,
    total: series.reduce((s, x) => s + x.total, 0),
    drawn,
    axis: timeAxis(
      drawn.rows.map((r) => r.t),
      data.bucket,
    ),
  };
}

function drawVerifications(
  rows: VerificationRow[],
  outcomes: string[],
  data: TimeseriesData,
): Drawing<VerificationRow, VerificationGroup> {
  const groups = peakGroups(
    rows.map((r) => r.t),
    (i) => rows[i]!.total,
  );
  if (!groups) return { rows, groups: null, stepMs: data.bucketMs, bucketsPerStep: 1 };
  const bucketsPerStep = groupSize(groups);
  const stepMs = bucketsPerStep * data.bucketMs;
  const drawnRows: VerificationRow[] = [];
  const info: VerificationGroup[] = [];
  for (const g of groups) {
    const peak = rows[g.peak]!;
    const first = rows[g.from]!;
    const sums: Record<string, number> = {};
    let total = 0;
    for (const o of outcomes) {
      let sum = 0;
      for (let i = g.from; i < g.to; i++) sum += Number(rows[i]![o] ?? 0);
      sums[o] = sum;
      total += sum;
    }
    drawnRows.push({
      ...peak,
      t: first.t,
      label: bucketLabel(first.t, data.bucket, (g.to - g.from) * data.bucketMs),
    });
    info.push({ peakLabel: peak.label, peak, sums, total, buckets: g.to - g.from });
  }
  return { rows: drawnRows, groups: info, stepMs, bucketsPerStep };
}

/** The full group length (the first and last group may be partial). */
function groupSize(groups: PeakGroup[]): number {
  return Math.max(...groups.map((g) => g.to - g.from));
}

export type SpentRow = { t: number; label: string; spent: number };
export type SpentGroup = { peakLabel: string; peak: number; sum: number; buckets: number };
export type SpentChart = {
  /** Every bucket, exact: the table. */
  rows: SpentRow[];
  total: number;
  drawn: Drawing<SpentRow, SpentGroup>;
  axis: TimeAxis;
};

export function toSpentChart(data: TimeseriesData): SpentChart {
  const rows: SpentRow[] = [];
  const labels = bucketLabels(data);
  for (let i = 0; i < labels.length; i++) {
    const t = bucketStart(data, i);
    rows.push({
      t,
      label: labels[i]!,
      spent: data.spent[i] ?? 0,
    });
  }
  const groups = peakGroups(
    rows.map((r) => r.t),
    (i) => rows[i]!.spent,
  );
  let drawn: Drawing<SpentRow, SpentGroup>;
  if (!groups) drawn = { rows, groups: null, stepMs: data.bucketMs, bucketsPerStep: 1 };
  else {
    const bucketsPerStep = groupSize(groups);
    drawn = {
      rows: groups.map((g) => ({
        t: rows[g.from]!.t,
        label: bucketLabel(rows[g.from]!.t, data.bucket, (g.to - g.from) * data.bucketMs),
        spent: rows[g.peak]!.spent,
      })),
      groups: groups.map((g) => {
        let sum = 0;
        for (let i = g.from; i < g.to; i++) sum += rows[i]!.spent;
        return {
          peakLabel: rows[g.peak]!.label,
          peak: rows[g.peak]!.spent,
          sum,
          buckets: g.to - g.from,
        };
      }),
      stepMs: bucketsPerStep * data.bucketMs,
      bucketsPerStep,
    };
  }
  return {
    rows,
    total: rows.reduce((s, r) => s + r.spent, 0),
    drawn,
    axis: timeAxis(
      drawn.rows.map((r) => r.t),
      data.bucket,
    ),
  };
}

export type BurndownRow = { t: number; actual: number | null; projected: number | null };
export type BurndownMarker = { t: number; kind: "grant" | "plan_change"; label: string };

export type BurndownChart = {
  rows: BurndownRow[];
  markers: BurndownMarker[];
  /** The next refill, where the reference line goes; null when nothing refills. */
  refillAt: number | null;
  domain: [number, number];
  axis: TimeAxis;
  empty: boolean;
};

/**
 * One row per instant with the actual balance and/or the projection. The projection is drawn from
 * the last actual point (so the dashed line continues the solid one) and never goes below zero.
 */
export function toBurndownChart(data: BurndownData): BurndownChart {
  const byT = new Map<number, BurndownRow>();
  const at = (t: number) => {
    let row = byT.get(t);
    if (!row) {
      row = { t, actual: null, projected: null };
      byT.set(t, row);
    }
    return row;
  };
  const actual = data.actual
    .map((p) => ({ t: Date.parse(p.t), balance: p.balance }))
    .filter((p) => Number.isFinite(p.t))
    .sort((a, b) => a.t - b.t);
  for (const p of actual) at(p.t).actual = p.balance;
  const last = actual.at(-1);
  const projected = data.projected
    .map((p) => ({ t: Date.parse(p.t), balance: Math.max(0, p.balance) }))
    .filter((p) => Number.isFinite(p.t) && (!last || p.t >= last.t))
    .sort((a, b) => a.t - b.t);
  if (last && projected.length > 0) at(last.t).projected = last.balance;
  for (const p of projected) at(p.t).projected = p.balance;

  const rows = [...byT.values()].sort((a, b) => a.t - b.t);
  const refillAt = data.nextRefillAt ? Date.parse(data.nextRefillAt) : null;
  const start = Math.min(Date.parse(data.from), rows[0]?.t ?? Infinity);
  const end = Math.max(Date.parse(data.to), refillAt ?? 0, rows.at(-1)?.t ?? 0, start + 1);
  const markers = data.markers
    .map((m) => ({ t: Date.parse(m.t), kind: m.kind, label: m.label }))
    .filter((m) => Number.isFinite(m.t));
  return {
    rows,
    markers,
    refillAt,
    domain: [start, end],
    axis: instantAxis(start, end),
    empty: actual.length === 0,
  };
}

/** "Stale data from 12 min ago" (or hours), when the server answered from its cache. */
export function staleNote(ageSeconds: number): string {
  const minutes = Math.max(1, Math.round(ageSeconds / 60));
  if (minutes < 120) return `Stale data from ${minutes} min ago`;
  return `Stale data from ${Math.round(minutes / 60)} h ago`;
}
