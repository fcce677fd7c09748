import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { burnRatePerHour, creditStatus, forecastExhaustion, totals } from "./credits";

describe("totals and status", () => {
  it("sums keys and computes the fraction left", () => {
    const t = totals([
      { remaining: 50, allowance: 100 },
      { remaining: 10, allowance: 100 },
    ]);
    expect(t).toEqual({ remaining: 60, allowance: 200, fractionLeft: 0.3 });
    expect(creditStatus(2, t)).toBe("healthy");
  });

  it("thresholds: low is strictly under 20 %, exhausted at 0", () => {
    const at = (remaining: number) => creditStatus(1, totals([{ remaining, allowance: 1000 }]));
    expect(at(200)).toBe("healthy");
    expect(at(199)).toBe("low");
    expect(at(1)).toBe("low");
    expect(at(0)).toBe("exhausted");
  });

  it("any unlimited key makes the customer unlimited; no keys is its own status", () => {
    expect(
      creditStatus(
        2,
        totals([
          { remaining: null, allowance: null },
          { remaining: 0, allowance: 5 },
        ]),
      ),
    ).toBe("unlimited");
    expect(creditStatus(0, totals([]))).toBe("no_keys");
  });

  it("keys without refill count toward remaining but not allowance", () => {
    expect(totals([{ remaining: 40, allowance: null }])).toEqual({
      remaining: 40,
      allowance: null,
      fractionLeft: null,
    });
  });
});

describe("burn rate and forecast", () => {
  const now = Date.parse("2026-11-27T12:00:00Z");
  const midnight = Date.parse("2026-11-28T00:00:00Z");

  it("burn rate is credits per hour over the window", () => {
    expect(burnRatePerHour(240, 24 * 3_600_000)).toBe(10);
    expect(burnRatePerHour(0, 3_600_000)).toBe(0);
  });

  it("runs out before the refill when the burn is fast", () => {
    expect(
      forecastExhaustion({ remaining: 60, burnPerHour: 10, now, nextRefillAt: midnight }),
    ).toEqual({
      kind: "runs_out",
      at: now + 6 * 3_600_000,
      beforeRefill: true,
    });
  });

  it("lasts until the refill when it would run out after it", () => {
    expect(
      forecastExhaustion({ remaining: 600, burnPerHour: 10, now, nextRefillAt: midnight }),
    ).toMatchObject({
      kind: "lasts_until_refill",
      refillAt: midnight,
    });
  });

  it("exhaustion instant is monotonic in remaining and in burn rate", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 1e9 }),
        fc.integer({ min: 1, max: 1e9 }),
        fc.double({ min: 0.01, max: 1e6, noNaN: true }),
        (a, b, burn) => {
          const f = (remaining: number, burnPerHour: number) => {
            const r = forecastExhaustion({ remaining, burnPerHour, now, nextRefillAt: null });
            if (r.kind !== "runs_out") throw new Error(r.kind);
            return r.at;
          };
          const [lo, hi] = a <= b ? [a, b] : [b, a];
          expect(f(lo, burn)).toBeLessThanOrEqual(f(hi, burn));
          expect(f(lo, burn * 2)).toBeLessThanOrEqual(f(lo, burn));
          expect(f(lo, burn)).toBeGreaterThanOrEqual(now);
        },
      ),
    );
  });

  it("unlimited, exhausted and idle are distinct outcomes", () => {
    expect(
      forecastExhaustion({ remaining: null, burnPerHour: 5, now, nextRefillAt: null }).kind,
    ).toBe("unlimited");
    expect(forecastExhaustion({ remaining: 0, burnPerHour: 5, now, nextRefillAt: null }).kind).toBe(
      "exhausted",
    );
    expect(
      forecastExhaustion({ remaining: 10, burnPerHour: 0, now, nextRefillAt: null }).kind,
    ).toBe("idle");
  });
});
