/**
 * Billing period arithmetic. Periods are derived from the billing cycle anchor and the emulator
 * clock when an object is read, rather than stored, so a subscription rolls into its next period
 * as soon as the sandbox clock crosses the boundary (no background job). Monthly periods keep the
 * anchor's day of month, clamped to the month's last day (an anchor on the 31st bills on Feb 28/29
 * and back on Mar 31), as Stripe does.
 */
export type Interval = "day" | "week" | "month" | "year";

export interface Period {
  start: number;
  end: number;
}

const DAY = 86_400;

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month + 1, 0)).getUTCDate();
}

/** The anchor moved forward by `n` whole intervals (unix seconds). */
export function addIntervals(anchor: number, interval: Interval, count: number, n: number): number {
  switch (interval) {
    case "day":
      return anchor + n * count * DAY;
    case "week":
      return anchor + n * count * 7 * DAY;
    case "month":
    case "year": {
      const months = n * count * (interval === "year" ? 12 : 1);
      const d = new Date(anchor * 1000);
      const total = d.getUTCMonth() + months;
      const year = d.getUTCFullYear() + Math.floor(total / 12);
      const month = ((total % 12) + 12) % 12;
      const day = Math.min(d.getUTCDate(), daysInMonth(year, month));
      return (
        Date.UTC(year, month, day, d.getUTCHours(), d.getUTCMinutes(), d.getUTCSeconds()) / 1000
      );
    }
  }
}

/** The billing period containing `now`. Before a future anchor the first period is the partial
 * one from the start date to the anchor. */
export function periodAt(
  anchor: number,
  startDate: number,
  interval: Interval,
  count: number,
  now: number,
): Period {
  if (now < anchor) return { start: Math.min(startDate, anchor), end: anchor };
  const approxLen =
    { day: DAY, week: 7 * DAY, month: 30.44 * DAY, year: 365.25 * DAY }[interval] * count;
  let n = Math.max(0, Math.floor((now - anchor) / approxLen));
  while (addIntervals(anchor, interval, count, n + 1) <= now) n++;
  while (n > 0 && addIntervals(anchor, interval, count, n) > now) n--;
  return {
    start: addIntervals(anchor, interval, count, n),
    end: addIntervals(anchor, interval, count, n + 1),
  };
}
