/**
 * When a key's credits refill next, computed from its refill settings (Unkey v2 has no
 * `lastRefillAt`). Refills happen at 00:00 UTC: daily keys every day; monthly keys on `refillDay`,
 * or on the month's last day when `refillDay` is past it (31 → 30 April, 28/29 February).
 */
export interface RefillSpec {
  interval: "daily" | "monthly";
  amount: number;
  refillDay: number | null;
}

const DAY_MS = 86_400_000;

export function daysInMonthUtc(year: number, month0: number): number {
  return new Date(Date.UTC(year, month0 + 1, 0)).getUTCDate();
}

/** 00:00 UTC of the refill in the given month (refillDay clamped to the month's last day). */
function monthlyRefillInstant(year: number, month0: number, refillDay: number): number {
  const day = Math.min(refillDay, daysInMonthUtc(year, month0));
  return Date.UTC(year, month0, day);
}

/**
 * The first refill instant strictly after `now` (ms). A refill at exactly `now` counts as done:
 * it runs at 00:00:00.000 UTC. Monthly refills without a refillDay cannot be created through the
 * API; day 1 is only a defensive default for odd data.
 */
export function nextRefillAt(refill: RefillSpec, now: number): number {
  if (refill.interval === "daily") return Math.floor(now / DAY_MS) * DAY_MS + DAY_MS;
  const day = refill.refillDay ?? 1;
  const d = new Date(now);
  const y = d.getUTCFullYear();
  const m = d.getUTCMonth();
  const thisMonth = monthlyRefillInstant(y, m, day);
  if (thisMonth > now) return thisMonth;
  return monthlyRefillInstant(m === 11 ? y + 1 : y, (m + 1) % 12, day);
}

/** The most recent refill instant at or before `now`. */
export function previousRefillAt(refill: RefillSpec, now: number): number {
  if (refill.interval === "daily") return Math.floor(now / DAY_MS) * DAY_MS;
  const day = refill.refillDay ?? 1;
  const d = new Date(now);
  const y = d.getUTCFullYear();
  const m = d.getUTCMonth();
  const thisMonth = monthlyRefillInstant(y, m, day);
  if (thisMonth <= now) return thisMonth;
  return monthlyRefillInstant(m === 0 ? y - 1 : y, (m + 11) % 12, day);
}

/** What the balance becomes at the next refill: refill replaces, it does not add, and a key at
 * or above the amount is left alone. */
export function balanceAfterRefill(remaining: number, refill: RefillSpec): number {
  return remaining >= refill.amount ? remaining : refill.amount;
}
