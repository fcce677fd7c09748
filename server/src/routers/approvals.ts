import { z } from "zod";
import { approve, reject, settle } from "../services/approvals";
import { operationIdField, operationOutput, toView } from "../services/operations/index";
import { adminProcedure, router } from "../trpc";

export const approvalsRouter = router({
  /** Grants waiting for an admin, oldest first. */
  list: adminProcedure
    .input(
      z.object({ limit: z.number().int().min(1).max(200).default(100) }).default({ limit: 100 }),
    )
    .output(z.object({ items: z.array(operationOutput), total: z.number() }))
    .query(async ({ ctx, input }) => {
      const { rows, total } = await ctx.deps.repos.operations.list({
        state: "awaiting_approval",
        limit: input.limit,
        offset: 0,
      });
      return { items: rows.map(toView).reverse(), total };
    }),
  approve: adminProcedure
    .input(z.object({ operationId: operationIdField }))
    .output(operationOutput)
    .mutation(({ ctx, input }) => approve(ctx.deps, ctx.staff, input.operationId)),
  reject: adminProcedure
    .input(
      z.object({
        operationId: operationIdField,
        reason: z.string().trim().min(3, "must be at least 3 characters").max(500),
      }),
    )
    .output(operationOutput)
    .mutation(({ ctx, input }) => reject(ctx.deps, ctx.staff, input.operationId, input.reason)),
  /** Records an admin's finding for an operation in needs_review (nothing is sent upstream). */
  settle: adminProcedure
    .input(
      z.object({
        operationId: operationIdField,
        outcome: z.enum(["done", "failed"], "must be done or failed"),
        note: z.string().trim().min(3, "must be at least 3 characters").max(500),
      }),
    )
    .output(operationOutput)
    .mutation(({ ctx, input }) =>
      settle(ctx.deps, ctx.staff, input.operationId, input.outcome, input.note),
    ),
});
