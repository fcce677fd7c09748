import { z } from "zod";
import { poolSchema } from "../plans/catalog";
import {
  operationOutput,
  planChangeInput,
  planChangePreviewInput,
} from "../services/operations/index";
import { createPlanChange, previewPlanChange } from "../services/plan-change";
import { roleProcedure, router, staffProcedure } from "../trpc";

const planOutput = z.object({
  id: z.string(),
  name: z.string(),
  credits: z.number(),
  refill: z.union([
    z.object({ interval: z.literal("daily") }),
    z.object({ interval: z.literal("monthly"), dayPolicy: z.literal("fixed"), day: z.number() }),
    z.object({ interval: z.literal("monthly"), dayPolicy: z.literal("subscription_anchor") }),
  ]),
  pools: z.array(poolSchema),
  basePrice: z.object({ currency: z.string(), unitAmount: z.number() }),
  overageUnitPrice: z.string(),
});

const refill = z.object({
  interval: z.enum(["daily", "monthly"]),
  amount: z.number(),
  refillDay: z.number().nullable(),
});

const planRef = z.object({ id: z.string(), name: z.string() });

export const planChangePreviewOutput = z.object({
  externalId: z.string(),
  /** null when the identity's meta.plan is missing or not in the catalog. */
  fromPlan: planRef.nullable(),
  toPlan: planRef,
  strategy: z.enum(["add_difference", "reset"]),
  keys: z.array(
    z.object({
      keyId: z.string(),
      name: z.string().nullable(),
      start: z.string(),
      enabled: z.boolean(),
      /** Unlimited keys stay unlimited: credits and refill are left as they are. */
      unlimited: z.boolean(),
      creditsNow: z.number().nullable(),
      creditsAfter: z.number().nullable(),
      refillBefore: refill.nullable(),
      /** null for unlimited keys. */
      refillAfter: refill.nullable(),
      /** ISO instant of the first refill under the new plan. */
      nextRefillAfter: z.string().nullable(),
    }),
  ),
  poolsBefore: z.array(poolSchema),
  poolsAfter: z.array(poolSchema),
  stripe: z
    .object({
      subscriptionId: z.string(),
      currency: z.string(),
      /** Unix seconds; pass it to plans.change so Stripe prorates at the same instant. */
      prorationDate: z.number(),
      /** Cents: the sum of proration lines (negative = credit). */
      prorationTotal: z.number(),
      /** Cents: the whole next invoice with the change. */
      nextInvoiceTotal: z.number(),
      lines: z.array(
        z.object({
          description: z.string().nullable(),
          amount: z.number(),
          proration: z.boolean(),
        }),
      ),
    })
    .nullable(),
  warnings: z.array(z.string()),
});

/** Account managers and admins change plans. */
const planChanger = roleProcedure("account_manager");

/** The plan catalog (config/plans.json), for the plan dialog. Every role may read it. */
export const plansRouter = router({
  list: staffProcedure
    .input(z.void())
    .output(z.array(planOutput))
    .query(({ ctx }) =>
      ctx.deps.catalog.plans.map((p) => ({
        id: p.id,
        name: p.name,
        credits: p.credits,
        refill: p.refill,
        pools: p.pools,
        basePrice: p.basePrice,
        overageUnitPrice: p.overageUnitPrice,
      })),
    ),
  preview: planChanger
    .input(planChangePreviewInput)
    .output(planChangePreviewOutput)
    .query(({ ctx, input }) => previewPlanChange(ctx.deps, input)),
  change: planChanger
    .input(planChangeInput)
    .output(operationOutput)
    .mutation(({ ctx, input }) => createPlanChange(ctx.deps, ctx.staff, input)),
});
