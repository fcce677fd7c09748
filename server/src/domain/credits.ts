/**
 * Where a customer stands: status thresholds, burn rate and when credits run out. Pure.
 */
export const LOW_FRACTION = 0.2;

export type CreditStatus = "healthy" | "low" | "exhausted" | "unlimited" | "no_keys";

export interface KeyCredits {
  /** null = unlimited. */
  remaining: number | null;
  /** The refill amount (allowance); null when the key never refills. */
  allowance: number | null;
}

export interface CreditTotals {
  /** null when any key is unlimited. */
  remaining: number | null;
  /** Sum of refill amounts of keys that refill; null when unlimited or none refill. */
  allowance: number | null;
  /** remaining / allowance in [0, ∞); null when it cannot be computed. */
  fractionLeft: number | null;
}

export function totals(keys: KeyCredits[]): CreditTotals {
  if (keys.some((k) => k.remaining === null)) {
    return { remaining: null, allowance: null, fractionLeft: null };
  }
  const remaining = keys.reduce((s, k) => s + (k.remaining ?? 0), 0);
  const refilling = keys.filter((k) => k.allowance !== null);
  const allowance = refilling.length ? refilling.reduce((s, k) => s + (k.allowance ?? 0), 0) : null;
  return {
    remaining,
    allowance,
    fractionLeft: allowance && allowance > 0 ? remaining / allowance : null,
  };
}

/** Exhausted at 0 left; low below 20 % of the allowance; unlimited when any key is. */
export function creditStatus(keyCount: number, t: CreditTotals): CreditStatus {
  if (keyCount === 0) return "no_keys";
  if (t.remaining === null) return "unlimited";
  if (t.remaining <= 0) return "exhausted";
  if (t.fractionLeft !== null && t.fractionLeft < LOW_FRACTION) return "low";
  return "healthy";
}

/** Credits per hour, from credits spent (`spent_credits`) over a trailing window. */
export function burnRatePerHour(spentInWindow: number, windowMs: number): number {
  if (windowMs <= 0 || spentInWindow <= 0) return 0;
  return spentInWindow / (windowMs / 3_600_000);
}

export type Forecast =
  | { kind: "unlimited" }
  | { kind: "exhausted" }
  | { kind: "idle" } // not burning: no exhaustion in sight
  | { kind: "runs_out"; at: number; beforeRefill: boolean }
  | { kind: "lasts_until_refill"; refillAt: number; wouldRunOutAt: number };

/**
 * When credits run out at the current burn rate. With a known next refill, running out after it
 * is reported as lasting until the refill (the refill resets the balance).
 */
export function forecastExhaustion(input: {
  remaining: number | null;
  burnPerHour: number;
  now: number;
  nextRefillAt: number | null;
}): Forecast {
  const { remaining, burnPerHour, now, nextRefillAt } = input;
  if (remaining === null) return { kind: "unlimited" };
  if (remaining <= 0) return { kind: "exhausted" };
  if (burnPerHour <= 0) return { kind: "idle" };
  const at = now + Math.round((remaining / burnPerHour) * 3_600_000);
  if (nextRefillAt !== null && at >= nextRefillAt) {
    return { kind: "lasts_until_refill", refillAt: nextRefillAt, wouldRunOutAt: at };
  }
  return { kind: "runs_out", at, beforeRefill: nextRefillAt !== null };
}
