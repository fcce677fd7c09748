/**
 * UTC calendar arithmetic for refills and billing periods. Unkey refills at 00:00 UTC: daily keys
 * every day, monthly keys on `refillDay` clamped to the month's last day (refillDay 31 refills on
 * 30 April and 28/29 February). Stripe billing anchors on day 29-31 clamp the same way.
 */
export const DAY_MS = 86_400_000;
export const HOUR_MS = 3_600_000;

export function startOfUtcDay(t: number): number {
  return Math.floor(t / DAY_MS) * DAY_MS;
}

export function daysInUtcMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month + 1, 0)).getUTCDate();
}

/** 00:00 UTC of `day` (clamped to the month's length) in the month `monthOffset` months from `t`'s. */
export function clampedDayInMonth(t: number, day: number, monthOffset = 0): number {
  const d = new Date(t);
  const y = d.getUTCFullYear();
  const m = d.getUTCMonth() + monthOffset;
  const first = new Date(Date.UTC(y, m, 1));
  const dim = daysInUtcMonth(first.getUTCFullYear(), first.getUTCMonth());
  return Date.UTC(first.getUTCFullYear(), first.getUTCMonth(), Math.min(day, dim));
}

/** The latest monthly instant (day clamped, 00:00 UTC) at or before `t`. */
export function lastMonthlyInstant(t: number, day: number): number {
  const thisMonth = clampedDayInMonth(t, day, 0);
  return thisMonth <= t ? thisMonth : clampedDayInMonth(t, day, -1);
}

/** The first monthly instant strictly after `t`. */
export function nextMonthlyInstant(t: number, day: number): number {
  const thisMonth = clampedDayInMonth(t, day, 0);
  return thisMonth > t ? thisMonth : clampedDayInMonth(t, day, 1);
}

export type RefillSchedule = { interval: "daily" } | { interval: "monthly"; refillDay: number };

/** The last refill instant at or before `t`: when the key's current credit period began. */
export function lastRefillAt(schedule: RefillSchedule, t: number): number {
  return schedule.interval === "daily"
    ? startOfUtcDay(t)
    : lastMonthlyInstant(t, schedule.refillDay);
}

export function nextRefillAt(schedule: RefillSchedule, t: number): number {
  return schedule.interval === "daily"
    ? startOfUtcDay(t) + DAY_MS
    : nextMonthlyInstant(t, schedule.refillDay);
}

/** Credit periods [start, end) that overlap [from, to], oldest first; the last ends after `to`. */
export function refillPeriods(
  schedule: RefillSchedule,
  from: number,
  to: number,
): { start: number; end: number }[] {
  const out: { start: number; end: number }[] = [];
  let start = lastRefillAt(schedule, from);
  while (start <= to) {
    const end = nextRefillAt(schedule, start);
    out.push({ start, end });
    start = end;
  }
  return out;
}
