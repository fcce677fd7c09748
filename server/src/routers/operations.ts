import { z } from "zod";
import {
  externalIdField,
  operationIdField,
  operationOutput,
  operationState,
  toView,
} from "../services/operations/index";
import { router, staffProcedure } from "../trpc";

const page = {
  limit: z.number().int().min(1).max(200).default(50),
  offset: z.number().int().min(0).default(0),
};

/** Reads: every role may see operations (finance reads them for reconciliation). */
export const operationsRouter = router({
  byId: staffProcedure
    .input(z.object({ operationId: operationIdField }))
    .output(operationOutput.nullable())
    .query(async ({ ctx, input }) => {
      const row = await ctx.deps.repos.operations.byId(input.operationId);
      return row ? toView(row) : null;
    }),
  list: staffProcedure
    .input(
      z.object({
        externalId: externalIdField.optional(),
        state: operationState.optional(),
        /** Only operations the caller requested. */
        mine: z.boolean().optional(),
        ...page,
      }),
    )
    .output(z.object({ items: z.array(operationOutput), total: z.number() }))
    .query(async ({ ctx, input }) => {
      const { rows, total } = await ctx.deps.repos.operations.list({
        externalId: input.externalId,
        state: input.state,
        actorId: input.mine ? ctx.staff.id : undefined,
        limit: input.limit,
        offset: input.offset,
      });
      return { items: rows.map(toView), total };
    }),
  /** A customer's grants and plan changes: who, when, reason, amounts, state. */
  ledger: staffProcedure
    .input(z.object({ externalId: externalIdField, ...page }))
    .output(
      z.object({
        items: z.array(
          z.object({
            operationId: z.string(),
            kind: z.enum(["grant", "plan_change"]),
            state: operationState,
            at: z.string(),
            by: z.string(),
            role: z.string(),
            reason: z.string().nullable(),
            /** Grants: credits and kind; plan changes: target plan and credits strategy. */
            amount: z.number().nullable(),
            grantKind: z.enum(["billable", "goodwill"]).nullable(),
            keyId: z.string().nullable(),
            planId: z.string().nullable(),
            strategy: z.enum(["add_difference", "reset"]).nullable(),
            approval: operationOutput.shape.approval,
            error: z.string().nullable(),
            reviewReason: z.string().nullable(),
          }),
        ),
        total: z.number(),
      }),
    )
    .query(async ({ ctx, input }) => {
      const { rows, total } = await ctx.deps.repos.operations.list({
        externalId: input.externalId,
        limit: input.limit,
        offset: input.offset,
      });
      return {
        total,
        items: rows.map(toView).map((op) => {
          const str = (k: string) => (typeof op.input[k] === "string" ? op.input[k] : null);
          const plan = op.steps.plan as { keyId?: unknown } | undefined;
          const kind = str("kind");
          const strategy = str("strategy");
          return {
            operationId: op.id,
            kind: op.kind,
            state: op.state,
            at: op.createdAt,
            by: op.actor.email,
            role: op.actor.role,
            reason: op.reason,
            amount: op.amount,
            grantKind: kind === "billable" || kind === "goodwill" ? kind : null,
            keyId: typeof plan?.keyId === "string" ? plan.keyId : str("keyId"),
            planId: str("planId"),
            strategy: strategy === "add_difference" || strategy === "reset" ? strategy : null,
            approval: op.approval,
            error: op.error,
            reviewReason: op.reviewReason,
          };
        }),
      };
    }),
});
