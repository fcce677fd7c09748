/**
 * Burn-down reconstruction. Pure.
 *
 * Unkey keeps no balance history, only the current `remaining` and, per verification, the
 * credits it spent. Walking backwards from now, the balance at the end of a bucket is the
 * current balance plus everything spent after that bucket. Limits: anything that changed the
 * balance other than spending — a grant or top-up (increment), a `set`, a refill inside the
 * window — is invisible in `spent_credits`, so before such an event the reconstructed line is
 * off by its amount. The window therefore starts at the last refill, and console-made changes
 * are shown as markers from the console's own ledger (see services/usage/ledger.ts).
 */
import { HOUR_MS } from "./buckets";

export interface BalancePoint {
  t: number;
  balance: number;
}

/**
 * spent[i] = credits spent in bucket [from + i·size, from + (i+1)·size). Returns the balance at
 * `from` and at the end of every bucket that ended by `now`, then exactly `now` (= remaining).
 */
export function reconstructBalance(input: {
  remaining: number;
  from: number;
  size: number;
  spent: readonly number[];
  now: number;
}): BalancePoint[] {
  const { remaining, from, size, spent, now } = input;
  const points: BalancePoint[] = [];
  // after[i] = spent in buckets i.. (inclusive) — everything from bucket i's start to now.
  let after = spent.reduce((a, b) => a + b, 0);
  points.push({ t: from, balance: remaining + after });
  for (let i = 0; i < spent.length; i++) {
    after -= spent[i] ?? 0;
    const end = from + (i + 1) * size;
    if (end >= now) break;
    points.push({ t: end, balance: remaining + after });
  }
  points.push({ t: now, balance: remaining });
  return points;
}

/** The projected line at a constant burn: from now until `until`, stopping at zero. */
export function projectBalance(input: {
  remaining: number;
  burnPerHour: number;
  now: number;
  until: number;
}): BalancePoint[] {
  const { remaining, burnPerHour, now, until } = input;
  const points: BalancePoint[] = [{ t: now, balance: remaining }];
  if (until <= now) return points;
  if (burnPerHour <= 0) return [...points, { t: until, balance: remaining }];
  const zeroAt = now + Math.round((remaining / burnPerHour) * HOUR_MS);
  if (zeroAt < until) return [...points, { t: zeroAt, balance: 0 }, { t: until, balance: 0 }];
  const left = remaining - (burnPerHour * (until - now)) / HOUR_MS;
  return [...points, { t: until, balance: Math.max(0, Math.round(left * 100) / 100) }];
}
