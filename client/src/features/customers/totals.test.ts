import { describe, expect, it } from "vitest";
import { totalCredits } from "./totals";

const refill = (amount: number) => ({ interval: "monthly" as const, amount, refillDay: 1 });

describe("totalCredits", () => {
  it("sums balances and refill amounts", () => {
    expect(
      totalCredits([
        { credits: { remaining: 100, refill: refill(1000) } },
        { credits: { remaining: 50, refill: refill(500) } },
      ]),
    ).toEqual({ remaining: 150, allowance: 1500 });
  });

  it("is unlimited when any key is", () => {
    expect(totalCredits([{ credits: { remaining: 5, refill: null } }, { credits: null }])).toEqual({
      remaining: null,
      allowance: null,
    });
    expect(totalCredits([{ credits: { remaining: null, refill: null } }]).remaining).toBeNull();
  });

  it("has no allowance when nothing refills", () => {
    expect(totalCredits([{ credits: { remaining: 7, refill: null } }])).toEqual({
      remaining: 7,
      allowance: null,
    });
    expect(totalCredits([])).toEqual({ remaining: 0, allowance: null });
  });
});
