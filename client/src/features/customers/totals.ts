import type { CustomerKey } from "../../lib/api-types";

/**
 * Credits over all of a customer's keys. One unlimited key makes the customer unlimited (it can keep
 * calling whatever the others hold). The allowance is the sum of refill amounts; keys without a
 * refill contribute their balance only, so the allowance is null when no key refills.
 */
export function totalCredits(keys: readonly Pick<CustomerKey, "credits">[]): {
  remaining: number | null;
  allowance: number | null;
} {
  if (keys.length === 0) return { remaining: 0, allowance: null };
  let remaining = 0;
  let allowance: number | null = null;
  for (const key of keys) {
    if (!key.credits || key.credits.remaining === null) return { remaining: null, allowance: null };
    remaining += key.credits.remaining;
    if (key.credits.refill) allowance = (allowance ?? 0) + key.credits.refill.amount;
  }
  return { remaining, allowance };
}
