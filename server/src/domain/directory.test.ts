import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  BURN_WINDOW_MS,
  compareDirectoryRows,
  deriveCustomer,
  directoryFlags,
  directorySorts,
  keyInOverage,
  keyPeriod,
  percentLeft,
  subscriptionRank,
  type SortableRow,
} from "./directory";

const DAY = 86_400_000;
const at = (iso: string) => Date.parse(iso);

describe("keyPeriod", () => {
  it("is [previous refill, next refill) for daily and monthly keys", () => {
    const now = at("2026-02-10T15:00:00Z");
    expect(keyPeriod({ interval: "daily", amount: 1, refillDay: null }, now)).toEqual({
      periodStart: at("2026-02-10T00:00:00Z"),
      nextRefillAt: at("2026-02-11T00:00:00Z"),
    });
    expect(keyPeriod({ interval: "monthly", amount: 1, refillDay: 31 }, now)).toEqual({
      periodStart: at("2026-01-31T00:00:00Z"),
      nextRefillAt: at("2026-02-28T00:00:00Z"),
    });
    expect(keyPeriod(null, now)).toEqual({ periodStart: null, nextRefillAt: null });
  });

  it("always contains now, starts and ends at 00:00 UTC, and spans at most 31 days", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: at("2000-01-01T00:00:00Z"), max: at("2100-01-01T00:00:00Z") }),
        fc.option(fc.integer({ min: 1, max: 31 }), { nil: null }),
        (now, day) => {
          const spec =
            day === null
              ? ({ interval: "daily", amount: 1, refillDay: null } as const)
              : ({ interval: "monthly", amount: 1, refillDay: day } as const);
          const p = keyPeriod(spec, now);
          expect(p.periodStart! <= now && now < p.nextRefillAt!).toBe(true);
          expect(p.periodStart! % DAY).toBe(0);
          expect(p.nextRefillAt! % DAY).toBe(0);
          expect(p.nextRefillAt! - p.periodStart!).toBeLessThanOrEqual(31 * DAY);
        },
      ),
    );
  });
});

describe("keyInOverage", () => {
  it("is spending beyond the allowance this period", () => {
    expect(keyInOverage({ remaining: 10, allowance: 100, spentInPeriod: 101 })).toBe(true);
    expect(keyInOverage({ remaining: 10, allowance: 100, spentInPeriod: 100 })).toBe(false);
    expect(keyInOverage({ remaining: null, allowance: 100, spentInPeriod: 500 })).toBe(false);
    expect(keyInOverage({ remaining: 0, allowance: null, spentInPeriod: 500 })).toBe(false);
    expect(keyInOverage({ remaining: 0, allowance: 0, spentInPeriod: 5 })).toBe(false);
    expect(keyInOverage({ remaining: 0, allowance: 10, spentInPeriod: null })).toBe(false);
  });
});

describe("percentLeft and deriveCustomer", () => {
  it("rounds to one decimal; null when unknown", () => {
    expect(percentLeft(0.12345)).toBe(12.3);
    expect(percentLeft(null)).toBeNull();
    expect(percentLeft(Number.POSITIVE_INFINITY)).toBeNull();
  });

  const base = {
    keyCount: 2,
    unlimitedKeys: 0,
    remainingSum: 150,
    allowanceSum: 1000,
    spentInWindow: 240,
    nextRefillAt: 10 * 3_600_000,
  };

  it("derives status, burn and forecast from aggregated keys", () => {
    const d = deriveCustomer(base, 0);
    expect(d).toMatchObject({
      creditsRemaining: 150,
      creditsAllowance: 1000,
      percentLeft: 15,
      status: "low",
      burnPerHour: 240 / (BURN_WINDOW_MS / 3_600_000),
    });
    // 150 credits at 10/h run out after 15 h: after the refill at 10 h.
    expect(d.forecast.kind).toBe("lasts_until_refill");
    expect(d.forecastExhaustionAt).toBeNull();
    const fast = deriveCustomer({ ...base, spentInWindow: 24 * 100 }, 0);
    expect(fast.forecast).toMatchObject({ kind: "runs_out", at: 1.5 * 3_600_000 });
    expect(fast.forecastExhaustionAt).toBe(1.5 * 3_600_000);
    expect(deriveCustomer({ ...base, unlimitedKeys: 1 }, 0)).toMatchObject({
      status: "unlimited",
      creditsRemaining: null,
      creditsAllowance: null,
      percentLeft: null,
    });
    expect(
      deriveCustomer({ ...base, keyCount: 0, remainingSum: 0, allowanceSum: null }, 0),
    ).toMatchObject({ status: "no_keys", creditsRemaining: null, forecast: { kind: "idle" } });
    expect(deriveCustomer({ ...base, remainingSum: 0 }, 0).status).toBe("exhausted");
    expect(deriveCustomer({ ...base, spentInWindow: null }, 0).burnPerHour).toBeNull();
  });
});

describe("flags and subscription rank", () => {
  it("marks what is missing", () => {
    expect(directoryFlags({ kind: "customer", hasStripe: true, keyCount: 1 })).toEqual([]);
    expect(directoryFlags({ kind: "customer", hasStripe: false, keyCount: 0 })).toEqual([
      "no_stripe",
      "no_keys",
    ]);
    expect(directoryFlags({ kind: "stripe_only", hasStripe: true, keyCount: 0 })).toEqual([
      "no_identity",
    ]);
    expect(directoryFlags({ kind: "unassigned_key", hasStripe: false, keyCount: 1 })).toEqual([
      "no_identity",
    ]);
  });
  it("prefers active subscriptions", () => {
    expect(subscriptionRank("active")).toBeLessThan(subscriptionRank("past_due"));
    expect(subscriptionRank("past_due")).toBeLessThan(subscriptionRank("canceled"));
  });
});

describe("compareDirectoryRows", () => {
  const nullable = <T>(a: fc.Arbitrary<T>) => fc.option(a, { nil: null });
  const row: fc.Arbitrary<SortableRow> = fc.record({
    externalId: fc.string({ minLength: 1, maxLength: 4 }),
    name: nullable(fc.constantFrom("a", "b", "B", "c")),
    creditsRemaining: nullable(fc.integer({ min: 0, max: 5 })),
    percentLeft: nullable(fc.integer({ min: 0, max: 3 })),
    forecastExhaustionAt: nullable(fc.integer({ min: 0, max: 3 })),
    nextRefillAt: nullable(fc.integer({ min: 0, max: 3 })),
    lastUsedAt: nullable(fc.integer({ min: 0, max: 3 })),
  });

  it("is a total order with nulls last in both directions", () => {
    fc.assert(
      fc.property(
        fc.array(row, { maxLength: 30 }),
        fc.constantFrom(...directorySorts),
        fc.constantFrom("asc" as const, "desc" as const),
        (rows, sort, dir) => {
          const unique = [...new Map(rows.map((r) => [r.externalId, r])).values()];
          const sorted = [...unique].sort((a, b) => compareDirectoryRows(a, b, sort, dir));
          const key = (r: SortableRow) =>
            ({
              name: r.name,
              credits_left: r.creditsRemaining,
              percent_left: r.percentLeft,
              forecast: r.forecastExhaustionAt,
              next_refill: r.nextRefillAt,
              last_used: r.lastUsedAt,
            })[sort];
          const firstNull = sorted.findIndex((r) => key(r) === null);
          if (firstNull !== -1)
            expect(sorted.slice(firstNull).every((r) => key(r) === null)).toBe(true);
          for (let i = 1; i < sorted.length; i++) {
            const a = sorted[i - 1]!;
            const b = sorted[i]!;
            expect(compareDirectoryRows(a, b, sort, dir)).toBeLessThan(0);
            expect(compareDirectoryRows(b, a, sort, dir)).toBeGreaterThan(0);
          }
        },
      ),
    );
  });
});
