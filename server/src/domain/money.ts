/**
 * Money math in integer cents, exact. Stripe's `unit_amount_decimal` is cents as a decimal
 * string (sub-cent prices, e.g. "0.2" cents per credit), so units × price is computed with
 * BigInt on the decimal's digits and rounded once, half away from zero (Stripe's rounding of a
 * metered line), per customer and period. Totals are sums of those rounded line amounts, as on
 * the invoices.
 */
const DECIMAL = /^(\d+)(?:\.(\d+))?$/;

export function isDecimalCents(s: string): boolean {
  return DECIMAL.test(s);
}

/** units × price (cents, decimal string) → whole cents, half away from zero. */
export function lineAmountCents(units: number, unitPriceDecimal: string): number {
  const m = DECIMAL.exec(unitPriceDecimal);
  if (!m || !Number.isSafeInteger(units)) {
    throw new RangeError(`lineAmountCents: bad input ${units} × ${unitPriceDecimal}`);
  }
  const frac = m[2] ?? "";
  const scale = 10n ** BigInt(frac.length);
  const product = BigInt(Math.abs(units)) * BigInt(`${m[1]}${frac}`);
  const rounded = (product * 2n + scale) / (2n * scale);
  return Math.sign(units) * Number(rounded);
}

/** cents × numerator / denominator (pro rata), half away from zero; exact for integer inputs. */
export function prorateCents(cents: number, numerator: number, denominator: number): number {
  if (!Number.isSafeInteger(cents) || !Number.isSafeInteger(numerator) || denominator <= 0) {
    throw new RangeError("prorateCents: integers only");
  }
  const p = BigInt(Math.abs(cents)) * BigInt(numerator);
  const d = BigInt(denominator);
  return Math.sign(cents) * Number((p * 2n + d) / (2n * d));
}

export interface Change {
  current: number;
  previous: number;
  delta: number;
  /** (current − previous) / previous × 100, one decimal; null when previous is 0. */
  percent: number | null;
}

export function change(current: number, previous: number): Change {
  return {
    current,
    previous,
    delta: current - previous,
    percent: previous === 0 ? null : Math.round(((current - previous) / previous) * 1000) / 10,
  };
}
