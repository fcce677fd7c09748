import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { balanceAfterRefill, daysInMonthUtc, nextRefillAt, previousRefillAt } from "./refill";

const at = (iso: string) => Date.parse(iso);
const iso = (ms: number) => new Date(ms).toISOString();
const monthly = (refillDay: number) => ({ interval: "monthly" as const, amount: 100, refillDay });
const daily = { interval: "daily" as const, amount: 100, refillDay: null };

describe("nextRefillAt", () => {
  it("daily: next 00:00 UTC, strictly after now", () => {
    expect(iso(nextRefillAt(daily, at("2026-11-27T07:30:00Z")))).toBe("2026-11-28T00:00:00.000Z");
    expect(iso(nextRefillAt(daily, at("2026-11-27T00:00:00Z")))).toBe("2026-11-28T00:00:00.000Z");
    expect(iso(nextRefillAt(daily, at("2026-12-31T23:59:59.999Z")))).toBe(
      "2027-01-01T00:00:00.000Z",
    );
  });

  it("monthly day 31 clamps to the last day of short months", () => {
    expect(iso(nextRefillAt(monthly(31), at("2026-04-10T12:00:00Z")))).toBe(
      "2026-04-30T00:00:00.000Z",
    );
    expect(iso(nextRefillAt(monthly(31), at("2027-02-01T00:00:00Z")))).toBe(
      "2027-02-28T00:00:00.000Z",
    );
    expect(iso(nextRefillAt(monthly(31), at("2028-02-01T00:00:00Z")))).toBe(
      "2028-02-29T00:00:00.000Z",
    );
    expect(iso(nextRefillAt(monthly(29), at("2027-02-28T00:00:01Z")))).toBe(
      "2027-03-29T00:00:00.000Z",
    );
    expect(iso(nextRefillAt(monthly(30), at("2028-02-29T00:00:00Z")))).toBe(
      "2028-03-30T00:00:00.000Z",
    );
  });

  it("monthly: the refill day itself, before and after 00:00 UTC", () => {
    expect(iso(nextRefillAt(monthly(15), at("2026-12-14T23:59:59.999Z")))).toBe(
      "2026-12-15T00:00:00.000Z",
    );
    expect(iso(nextRefillAt(monthly(15), at("2026-12-15T00:00:00Z")))).toBe(
      "2027-01-15T00:00:00.000Z",
    );
    expect(iso(nextRefillAt(monthly(15), at("2026-12-15T08:00:00Z")))).toBe(
      "2027-01-15T00:00:00.000Z",
    );
  });

  it("is always after now, at midnight UTC, within a month, and the next after previous", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: at("2000-01-01T00:00:00Z"), max: at("2100-01-01T00:00:00Z") }),
        fc.option(fc.integer({ min: 1, max: 31 }), { nil: undefined }),
        (now, day) => {
          const spec = day === undefined ? daily : monthly(day);
          const next = nextRefillAt(spec, now);
          const prev = previousRefillAt(spec, now);
          expect(next).toBeGreaterThan(now);
          expect(prev).toBeLessThanOrEqual(now);
          expect(next % 86_400_000).toBe(0);
          expect(next - now).toBeLessThanOrEqual(32 * 86_400_000);
          // Stepping from the previous refill lands on the same next refill.
          expect(nextRefillAt(spec, prev)).toBe(next);
          if (day !== undefined) {
            const d = new Date(next);
            expect(d.getUTCDate()).toBe(
              Math.min(day, daysInMonthUtc(d.getUTCFullYear(), d.getUTCMonth())),
            );
          }
        },
      ),
    );
  });
});

describe("balanceAfterRefill", () => {
  it("replaces a lower balance and leaves a higher one alone", () => {
    expect(balanceAfterRefill(20, { ...daily, amount: 100 })).toBe(100);
    expect(balanceAfterRefill(100, { ...daily, amount: 100 })).toBe(100);
    expect(balanceAfterRefill(600, { ...daily, amount: 100 })).toBe(600);
  });
});
