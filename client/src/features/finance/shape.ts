// Pure shaping of the finance summary into chart rows; the chart component only renders them.

export const PLAN_REVENUE_COLOR = "var(--mantine-color-indigo-5)";
export const OVERAGE_REVENUE_COLOR = "var(--mantine-color-orange-6)";

export type PlanRevenueRow = { plan: string; planRevenue: number; overageRevenue: number };

/** Revenue per plan in dollars, largest total first; plans with no revenue at all are left out. */
export function toPlanRevenueRows(
  byPlan: readonly { planName: string; planRevenueCents: number; overageRevenueCents: number }[],
): PlanRevenueRow[] {
  return byPlan
    .map((p) => ({
      plan: p.planName,
      planRevenue: p.planRevenueCents / 100,
      overageRevenue: p.overageRevenueCents / 100,
    }))
    .filter((r) => r.planRevenue + r.overageRevenue > 0)
    .sort((a, b) => b.planRevenue + b.overageRevenue - (a.planRevenue + a.overageRevenue));
}
