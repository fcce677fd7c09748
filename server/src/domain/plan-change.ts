/**
 * Plan-change math (pure): what a key's credits and refill become under a new plan. "Add the
 * difference" keeps what the customer has left and moves it by the change in allowance (never
 * below 0); "reset" starts the key at the new allowance. Unlimited keys stay unlimited.
 */
import type { RefillSpec } from "./refill";

export type CreditsStrategy = "add_difference" | "reset";

export type PlanRefillPolicy =
  | { interval: "daily" }
  | { interval: "monthly"; dayPolicy: "fixed"; day: number }
  | { interval: "monthly"; dayPolicy: "subscription_anchor" };

/** The UTC day of month of a unix-seconds instant (a Stripe billing cycle anchor). */
export function anchorDay(anchorUnixSeconds: number): number {
  return new Date(anchorUnixSeconds * 1000).getUTCDate();
}

/**
 * The refill a key gets under the plan. Anchor-day plans follow the subscription's billing cycle
 * anchor; without one, the key's current monthly refillDay, else the 1st.
 */
export function targetRefill(
  policy: PlanRefillPolicy,
  amount: number,
  anchor: number | null,
  current: RefillSpec | null,
): RefillSpec {
  if (policy.interval === "daily") return { interval: "daily", amount, refillDay: null };
  if (policy.dayPolicy === "fixed") return { interval: "monthly", amount, refillDay: policy.day };
  const day =
    anchor !== null
      ? anchorDay(anchor)
      : current?.interval === "monthly" && current.refillDay !== null
        ? current.refillDay
        : 1;
  return { interval: "monthly", amount, refillDay: day };
}

/**
 * The balance after the change. `oldAllowance` is the key's current refill amount (or the old
 * plan's credits when the key has no refill). null in, null out: unlimited stays unlimited.
 */
export function creditsAfter(
  strategy: CreditsStrategy,
  remaining: number | null,
  oldAllowance: number,
  newAllowance: number,
): number | null {
  if (remaining === null) return null;
  if (strategy === "reset") return newAllowance;
  return Math.max(0, remaining + newAllowance - oldAllowance);
}
