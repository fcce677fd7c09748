/**
 * Pure rules of the customer directory: a key's refill period, "in overage this period", a
 * customer's derived figures (percent left, status, forecast) and flags, and the sort order the
 * directory promises (nulls last in both directions, stable tiebreak by name then externalId).
 */
import {
  burnRatePerHour,
  creditStatus,
  forecastExhaustion,
  totals,
  type CreditStatus,
  type Forecast,
  type KeyCredits,
} from "./credits";
import { nextRefillAt, previousRefillAt, type RefillSpec } from "./refill";

export const BURN_WINDOW_MS = 24 * 3_600_000;

export type DirectoryFlag = "no_stripe" | "no_keys" | "no_identity";
export type DirectoryKind = "customer" | "stripe_only" | "unassigned_key";

/** A key's current refill period: [periodStart, nextRefillAt). Null fields when it never refills. */
export function keyPeriod(
  refill: RefillSpec | null,
  now: number,
): { periodStart: number | null; nextRefillAt: number | null } {
  if (!refill) return { periodStart: null, nextRefillAt: null };
  return { periodStart: previousRefillAt(refill, now), nextRefillAt: nextRefillAt(refill, now) };
}

/**
 * "In overage this period": the credits a key spent since its current refill period began exceed
 * its refill allowance, so it is consuming credits granted on top of the plan (overage). Keys that
 * never refill or are unlimited have no allowance to exceed. A customer is in overage when any of
 * its keys is.
 */
export function keyInOverage(input: {
  remaining: number | null;
  allowance: number | null;
  spentInPeriod: number | null;
}): boolean {
  const { remaining, allowance, spentInPeriod } = input;
  if (remaining === null || allowance === null || allowance <= 0 || spentInPeriod === null) {
    return false;
  }
  return spentInPeriod > allowance;
}

/** remaining / allowance as a percentage with one decimal; null when it cannot be computed. */
export function percentLeft(fractionLeft: number | null): number | null {
  if (fractionLeft === null || !Number.isFinite(fractionLeft)) return null;
  return Math.round(fractionLeft * 1000) / 10;
}

export interface CustomerAggregate {
  keyCount: number;
  /** Keys with no credit limit (unlimited). */
  unlimitedKeys: number;
  /** Sum of remaining over limited keys. */
  remainingSum: number;
  /** Sum of refill amounts of keys that refill; null when none refill. */
  allowanceSum: number | null;
  /** Credits spent over the trailing burn window, all keys; null when unknown. */
  spentInWindow: number | null;
  /** Earliest next refill over the customer's keys. */
  nextRefillAt: number | null;
}

export interface CustomerDerived {
  creditsRemaining: number | null;
  creditsAllowance: number | null;
  percentLeft: number | null;
  status: CreditStatus;
  burnPerHour: number | null;
  forecast: Forecast;
  /** The instant credits run out before a refill saves them; null otherwise. */
  forecastExhaustionAt: number | null;
}

/** Aggregated key figures → what the directory shows, through the credits domain functions. */
export function deriveCustomer(a: CustomerAggregate, now: number): CustomerDerived {
  const keys: KeyCredits[] =
    a.unlimitedKeys > 0
      ? [{ remaining: null, allowance: null }]
      : [{ remaining: a.remainingSum, allowance: a.allowanceSum }];
  const t = a.keyCount === 0 ? totals([]) : totals(keys);
  const status = creditStatus(a.keyCount, t);
  const burnPerHour =
    a.spentInWindow === null ? null : burnRatePerHour(a.spentInWindow, BURN_WINDOW_MS);
  const forecast: Forecast =
    a.keyCount === 0
      ? { kind: "idle" }
      : forecastExhaustion({
          remaining: t.remaining,
          burnPerHour: burnPerHour ?? 0,
          now,
          nextRefillAt: a.nextRefillAt,
        });
  return {
    creditsRemaining: a.keyCount === 0 ? null : t.remaining,
    creditsAllowance: t.allowance,
    percentLeft: percentLeft(t.fractionLeft),
    status,
    burnPerHour,
    forecast,
    forecastExhaustionAt: forecast.kind === "runs_out" ? forecast.at : null,
  };
}

/** Marks that keep inconsistent upstream data visible instead of silently dropping it. */
export function directoryFlags(input: {
  kind: DirectoryKind;
  hasStripe: boolean;
  keyCount: number;
}): DirectoryFlag[] {
  const flags: DirectoryFlag[] = [];
  if (input.kind !== "customer") flags.push("no_identity");
  if (input.kind === "customer" && !input.hasStripe) flags.push("no_stripe");
  if (input.kind === "customer" && input.keyCount === 0) flags.push("no_keys");
  return flags;
}

/** Which of a customer's several subscriptions describes it: lower rank wins. */
export function subscriptionRank(status: string): number {
  const order = ["active", "trialing", "past_due", "unpaid", "paused", "incomplete"];
  const i = order.indexOf(status);
  return i === -1 ? order.length : i;
}

export const directorySorts = [
  "name",
  "credits_left",
  "percent_left",
  "forecast",
  "next_refill",
  "last_used",
] as const;
export type DirectorySort = (typeof directorySorts)[number];

export interface SortableRow {
  externalId: string;
  name: string | null;
  creditsRemaining: number | null;
  percentLeft: number | null;
  forecastExhaustionAt: number | null;
  nextRefillAt: number | null;
  lastUsedAt: number | null;
}

export function sortValue(row: SortableRow, sort: DirectorySort): string | number | null {
  switch (sort) {
    case "name":
      return row.name;
    case "credits_left":
      return row.creditsRemaining;
    case "percent_left":
      return row.percentLeft;
    case "forecast":
      return row.forecastExhaustionAt;
    case "next_refill":
      return row.nextRefillAt;
    case "last_used":
      return row.lastUsedAt;
  }
}

/** Binary (code-point) string order, as SQLite's default collation compares. */
const cmpStr = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

function cmpNullsLast<T extends string | number>(a: T | null, b: T | null, dir: 1 | -1): number {
  if (a === null || b === null) return a === b ? 0 : a === null ? 1 : -1;
  const c = typeof a === "number" && typeof b === "number" ? a - b : cmpStr(String(a), String(b));
  return c === 0 ? 0 : Math.sign(c) * dir;
}

/**
 * The directory's order: the sort column (nulls last in either direction), then name (nulls
 * last), then externalId — always ascending, so equal rows never swap between pages.
 */
export function compareDirectoryRows(
  a: SortableRow,
  b: SortableRow,
  sort: DirectorySort,
  dir: "asc" | "desc",
): number {
  return (
    cmpNullsLast(sortValue(a, sort), sortValue(b, sort), dir === "asc" ? 1 : -1) ||
    cmpNullsLast(a.name, b.name, 1) ||
    cmpStr(a.externalId, b.externalId)
  );
}
