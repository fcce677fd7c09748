/**
 * The finance page. Roles, from the issue: finance reviews usage and revenue → `summary` is for
 * finance (and admins). Account managers need to see who is about to run out → `atRisk` is for
 * finance and account managers (and admins). Support's question ("why do calls fail") is answered
 * by usage.* on the customer page, open to every staff role.
 */
import { z } from "zod";
import { financeAtRisk } from "../services/finance/at-risk";
import { financeSummary } from "../services/finance/summary";
import { roleProcedure, router } from "../trpc";

const iso = z.iso.datetime();
const MAX_RANGE_DAYS = 366;

export const financeSummaryInput = z
  .object({
    month: z
      .string()
      .regex(/^\d{4}-(0[1-9]|1[0-2])$/, "must be YYYY-MM")
      .optional(),
    from: z.iso.datetime({ offset: true }).optional(),
    to: z.iso.datetime({ offset: true }).optional(),
    /** Rows in each top-customers table. */
    top: z.number().int().min(1).max(100).default(10),
  })
  .superRefine((v, ctx) => {
    if (v.month !== undefined) {
      for (const f of ["from", "to"] as const)
        if (v[f] !== undefined)
          ctx.addIssue({ code: "custom", path: [f], message: "give either month or from/to" });
      return;
    }
    if (v.from === undefined)
      ctx.addIssue({ code: "custom", path: ["from"], message: "required without month" });
    if (v.to === undefined)
      ctx.addIssue({ code: "custom", path: ["to"], message: "required without month" });
    if (v.from !== undefined && v.to !== undefined) {
      const span = Date.parse(v.to) - Date.parse(v.from);
      if (span <= 0) ctx.addIssue({ code: "custom", path: ["to"], message: "must be after from" });
      else if (span > MAX_RANGE_DAYS * 86_400_000)
        ctx.addIssue({
          code: "custom",
          path: ["to"],
          message: `at most ${MAX_RANGE_DAYS} days after from`,
        });
    }
  });

const customer = z.object({
  externalId: z.string(),
  name: z.string().nullable(),
  plan: z.string().nullable(),
  verifications: z.number(),
  creditsSpent: z.number(),
  overageUnits: z.number(),
  overageRevenueCents: z.number().int(),
});
const changeOut = z.object({
  current: z.number(),
  previous: z.number(),
  delta: z.number(),
  percent: z.number().nullable(),
});

export const financeSummaryOutput = z.object({
  currency: z.literal("usd"),
  from: iso,
  to: iso,
  previous: z.object({ from: iso, to: iso }),
  totals: z.object({
    verifications: z.number(),
    validVerifications: z.number(),
    creditsSpent: z.number(),
    overageUnits: z.number(),
    overageRevenueCents: z.number().int(),
    planRevenueCents: z.number().int(),
    activeSubscriptions: z.number().int(),
    customersWithUsage: z.number().int(),
  }),
  change: z.object({
    verifications: changeOut,
    creditsSpent: changeOut,
    overageUnits: changeOut,
    overageRevenueCents: changeOut,
  }),
  byPlan: z.array(
    z.object({
      plan: z.string(),
      planName: z.string(),
      customers: z.number().int(),
      activeSubscriptions: z.number().int(),
      verifications: z.number(),
      creditsSpent: z.number(),
      overageUnits: z.number(),
      overageRevenueCents: z.number().int(),
      planRevenueCents: z.number().int(),
      basePriceCents: z.number().int().nullable(),
      overageUnitPriceDecimal: z.string().nullable(),
    }),
  ),
  topByUsage: z.array(customer),
  topByOverage: z.array(customer),
  overageCoverage: z.object({
    method: z.string(),
    candidates: z.number().int(),
    fetched: z.number().int(),
    capped: z.boolean(),
    failed: z.number().int(),
    /** Customers whose overage came from the console's operations ledger. */
    fromLedger: z.number().int(),
  }),
  usageAsOf: iso,
  stale: z.object({ ageSeconds: z.number() }).nullable(),
});

const atRiskRow = z.object({
  externalId: z.string(),
  name: z.string().nullable(),
  plan: z.string().nullable(),
  status: z.enum(["exhausted", "runs_out"]),
  creditsRemaining: z.number().nullable(),
  burnPerHour: z.number().nullable(),
  forecastAt: iso.nullable(),
  nextRefillAt: iso.nullable(),
});

export const financeAtRiskInput = z
  .object({ limit: z.number().int().min(1).max(500).default(100) })
  .default({ limit: 100 });

export const financeRouter = router({
  summary: roleProcedure("finance")
    .input(financeSummaryInput)
    .output(financeSummaryOutput)
    .query(({ ctx, input }) =>
      financeSummary(
        ctx.deps,
        input.month !== undefined
          ? { month: input.month, top: input.top }
          : { from: Date.parse(input.from ?? ""), to: Date.parse(input.to ?? ""), top: input.top },
      ),
    ),

  atRisk: roleProcedure("finance", "account_manager")
    .input(financeAtRiskInput)
    .output(
      z.object({
        exhausted: z.array(atRiskRow),
        nearExhaustion: z.array(atRiskRow),
        syncedAt: iso.nullable(),
      }),
    )
    .query(({ ctx, input }) => financeAtRisk(ctx.deps, input.limit)),
});
