// Pure rules of the grant dialog: what a valid amount and reason are, and how the preview reads.
import { formatNumber, formatUtcInstant } from "../../lib/format";

export const MAX_GRANT_AMOUNT = 100_000_000;
export const REASON_MIN = 3;
export const REASON_MAX = 500;

export type AmountResult = { ok: true; value: number } | { ok: false; error: string | null };

/**
 * The amount as typed: "1,500", "1 500", "1500" or a number. Empty is "not yet" (no error shown);
 * anything that is not a positive whole number within the limit is an error.
 */
export function parseAmount(input: string | number | null | undefined): AmountResult {
  if (input === null || input === undefined) return { ok: false, error: null };
  let value: number;
  if (typeof input === "number") {
    value = input;
  } else {
    const s = input.trim().replace(/[\s,_\u00a0\u202f]/g, "");
    if (s === "") return { ok: false, error: null };
    if (!/^-?\d+(\.\d+)?$/.test(s)) return { ok: false, error: "Enter a whole number of credits" };
    value = Number(s);
  }
  if (!Number.isFinite(value)) return { ok: false, error: "Enter a whole number of credits" };
  if (!Number.isInteger(value)) return { ok: false, error: "Credits are whole numbers" };
  if (value <= 0) return { ok: false, error: "Must be at least 1 credit" };
  if (value > MAX_GRANT_AMOUNT) {
    return { ok: false, error: `At most ${formatNumber(MAX_GRANT_AMOUNT)} credits per grant` };
  }
  return { ok: true, value };
}

/** null when the reason is fine. */
export function validateReason(reason: string): string | null {
  const n = reason.trim().length;
  if (n === 0) return "A reason is required";
  if (n < REASON_MIN) return `At least ${REASON_MIN} characters`;
  if (n > REASON_MAX) return `At most ${REASON_MAX} characters`;
  return null;
}

export type RefillPreview = {
  nextRefillAt: string;
  balanceAtRefill: number;
  grantedCreditsLostAtRefill: number;
};

/** What the next refill does to the balance after this grant, in one sentence. */
export function refillConsequence(refill: RefillPreview | null, balanceAfter: number): string {
  if (!refill) return "This key has no refill: the granted credits stay until they are used.";
  const when = formatUtcInstant(refill.nextRefillAt);
  if (refill.grantedCreditsLostAtRefill > 0) {
    return `On ${when} the balance becomes ${formatNumber(refill.balanceAtRefill)} — unused granted credits on this key are lost then (up to ${formatNumber(refill.grantedCreditsLostAtRefill)} of them).`;
  }
  return `On ${when} the balance stays untouched: at ${formatNumber(balanceAfter)} it is at or above the refill amount, so unused granted credits are kept.`;
}

/** The money impact, for the confirmation step. */
export function grantImpact(
  kind: "billable" | "goodwill",
  amount: number,
  stripeCustomerId: string | null,
  stripeCreditGrant: boolean,
): string {
  const n = formatNumber(amount);
  if (kind === "billable") {
    return stripeCustomerId
      ? `Bills ${n} overage credits to ${stripeCustomerId} via Stripe.`
      : `Bills ${n} overage credits via Stripe (this customer has no linked Stripe customer: the grant may fail).`;
  }
  return stripeCreditGrant
    ? `Gives ${n} credits free of charge, and records a promotional credit grant in Stripe. Nothing is billed.`
    : `Gives ${n} credits free of charge. Nothing is billed.`;
}
