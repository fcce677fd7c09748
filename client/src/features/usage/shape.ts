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
  const hm = (d: Date) => `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}`;
  return `${date} ${hm(start)}–${hm(end)} UTC`;
}

export type Series = { key: string; label: string; color: string; total: number };
export type VerificationRow = { t: number; tick: string; label: string; total: number } & Record<
  string,
  number | string
>;

export type VerificationChart = {
  rows: VerificationRow[];
  /** Bottom of the stack first; only outcomes that occurred in the range. */
  series: Series[];
  total: number;
};

/** Start of bucket i, in ms. */
function bucketStart(data: TimeseriesData, i: number): number {
  return Date.parse(data.from) + i * data.bucketMs;
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
  for (let i = 0; i < bucketCount(data); i++) {
    const t = bucketStart(data, i);
    const row: VerificationRow = {
      t,
      tick: bucketTick(t, data.bucket),
      label: bucketLabel(t, data.bucket, data.bucketMs),
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
  return { rows, series, total: series.reduce((s, x) => s + x.total, 0) };
}

export type SpentRow = { t: number; tick: string; label: string; spent: number };

export function toSpentChart(data: TimeseriesData): { rows: SpentRow[]; total: number } {
  const rows: SpentRow[] = [];
  for (let i = 0; i < bucketCount(data); i++) {
    const t = bucketStart(data, i);
    rows.push({
      t,
      tick: bucketTick(t, data.bucket),
      label: bucketLabel(t, data.bucket, data.bucketMs),
      spent: data.spent[i] ?? 0,
    });
  }
  return { rows, total: rows.reduce((s, r) => s + r.spent, 0) };
}

export type BurndownRow = { t: number; actual: number | null; projected: number | null };
export type BurndownMarker = { t: number; kind: "grant" | "plan_change"; label: string };

export type BurndownChart = {
  rows: BurndownRow[];
  markers: BurndownMarker[];
  /** The next refill, where the reference line goes; null when nothing refills. */
  refillAt: number | null;
  domain: [number, number];
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
  return { rows, markers, refillAt, domain: [start, end], empty: actual.length === 0 };
}

/** "Stale data from 12 min ago" (or hours), when the server answered from its cache. */
export function staleNote(ageSeconds: number): string {
  const minutes = Math.max(1, Math.round(ageSeconds / 60));
  if (minutes < 120) return `Stale data from ${minutes} min ago`;
  return `Stale data from ${Math.round(minutes / 60)} h ago`;
}
