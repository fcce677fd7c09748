import { z } from "zod";
import { createGrant, previewGrant } from "../services/grants";
import { grantCreateInput, grantPreviewInput, operationOutput } from "../services/operations/index";
import { roleProcedure, router } from "../trpc";

/** Support, account managers and admins grant; support's grants above the limits need approval. */
const granter = roleProcedure("support", "account_manager");

export const grantPreviewOutput = z.object({
  externalId: z.string(),
  keyId: z.string(),
  keyName: z.string().nullable(),
  keyStart: z.string(),
  amount: z.number(),
  kind: z.enum(["billable", "goodwill"]),
  balanceNow: z.number(),
  balanceAfter: z.number(),
  refill: z
    .object({
      interval: z.enum(["daily", "monthly"]),
      amount: z.number(),
      refillDay: z.number().nullable(),
      nextRefillAt: z.string(),
      /** The balance right after the next refill, if nothing is spent until then. */
      balanceAtRefill: z.number(),
      /** Granted credits that would be unspent and replaced by the refill at that instant. */
      grantedCreditsLostAtRefill: z.number(),
    })
    .nullable(),
  needsApproval: z.boolean(),
  approvalReason: z.string().nullable(),
  limits: z.object({
    perGrant: z.number(),
    perCustomerMonth: z.number(),
    appliesToRole: z.boolean(),
  }),
});

export const grantsRouter = router({
  preview: granter
    .input(grantPreviewInput)
    .output(grantPreviewOutput)
    .query(({ ctx, input }) => previewGrant(ctx.deps, ctx.staff.role, input)),
  create: granter
    .input(grantCreateInput)
    .output(operationOutput)
    .mutation(({ ctx, input }) => createGrant(ctx.deps, ctx.staff, input)),
});
