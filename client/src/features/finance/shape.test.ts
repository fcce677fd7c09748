import { describe, expect, it } from "vitest";
import { toPlanRevenueRows } from "./shape";

describe("toPlanRevenueRows", () => {
  it("converts cents to dollars, sorts by total and drops plans without revenue", () => {
    expect(
      toPlanRevenueRows([
        { planName: "Starter", planRevenueCents: 627_200, overageRevenueCents: 1_660 },
        { planName: "Scale", planRevenueCents: 15_243_900, overageRevenueCents: 472_000 },
        { planName: "No plan", planRevenueCents: 0, overageRevenueCents: 0 },
      ]),
    ).toEqual([
      { plan: "Scale", planRevenue: 152_439, overageRevenue: 4_720 },
      { plan: "Starter", planRevenue: 6_272, overageRevenue: 16.6 },
    ]);
  });
});
