import * as z from "zod/mini";

// The finance page's month lives in the URL ("?month=2026-10"); the current month is the default
// and stays out of it. Anything malformed falls back to the default.

const MONTH_RE = /^\d{4}-(0[1-9]|1[0-2])$/;

export const financeSearchSchema = z.object({
  month: z.catch(z.optional(z.string().check(z.regex(MONTH_RE))), undefined),
});
export type FinanceSearch = z.infer<typeof financeSearchSchema>;

/** "2026-11" for the UTC month containing `now`. */
export function currentMonth(now: number = Date.now()): string {
  return new Date(now).toISOString().slice(0, 7);
}

/** The month `delta` months from `month`: ("2026-01", -1) → "2025-12". */
export function shiftMonth(month: string, delta: number): string {
  const [y, m] = month.split("-").map(Number) as [number, number];
  const d = new Date(Date.UTC(y, m - 1 + delta, 1));
  return d.toISOString().slice(0, 7);
}

const MONTH_NAMES = [
  "January",
  "February",
  "March",
  "April",
  "May",
  "June",
  "July",
  "August",
  "September",
  "October",
  "November",
  "December",
];

/** "2026-11" → "November 2026". */
export function monthLabel(month: string): string {
  const [y, m] = month.split("-").map(Number) as [number, number];
  return `${MONTH_NAMES[m - 1] ?? month} ${y}`;
}

/** The months to offer, newest first: the current one and the `count - 1` before it. */
export function monthOptions(now: number = Date.now(), count = 24): string[] {
  const current = currentMonth(now);
  return Array.from({ length: count }, (_, i) => shiftMonth(current, -i));
}

/** "+12.5 %", "−3 %", "new" (nothing the month before), "no change". */
export function formatChange(percent: number | null, delta: number): string {
  if (percent === null) return delta === 0 ? "no change" : "new this month";
  if (percent === 0) return "no change";
  const abs = Math.abs(percent);
  const n = new Intl.NumberFormat("en-US", { maximumFractionDigits: abs < 10 ? 1 : 0 }).format(abs);
  return `${percent > 0 ? "+" : "−"}${n} %`;
}
