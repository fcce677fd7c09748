/**
 * Inputs and outputs of operations as the routers expose them. One file so that grants, plan
 * changes, approvals and the ledger all describe an operation the same way.
 */
import { z } from "zod";
import { operationKinds, operationStates, roles } from "../../store/index";

/** Upper bound for one grant: far above any real grant, far below Unkey's integer limits. */
export const MAX_GRANT_AMOUNT = 100_000_000;

export const externalIdField = z.string().trim().min(1).max(255);
export const operationIdField = z.uuid({
  message: "must be a UUID created when the dialog opened",
});

export const grantKind = z.enum(["billable", "goodwill"]);
export const grantAmount = z
  .number()
  .int("must be a whole number")
  .positive("must be positive")
  .max(MAX_GRANT_AMOUNT, `must be at most ${MAX_GRANT_AMOUNT}`);

export const grantPreviewInput = z.object({
  externalId: externalIdField,
  keyId: z.string().trim().min(1).max(255).optional(),
  amount: grantAmount,
  kind: grantKind,
});
export type GrantPreviewInput = z.output<typeof grantPreviewInput>;

export const grantCreateInput = z
  .object({
    operationId: operationIdField,
    externalId: externalIdField,
    keyId: z.string().trim().min(1).max(255).optional(),
    amount: grantAmount,
    reason: z.string().trim().min(3, "must be at least 3 characters").max(500),
    kind: grantKind,
    stripeCreditGrant: z.boolean().optional(),
  })
  .superRefine((v, ctx) => {
    if (v.stripeCreditGrant && v.kind !== "goodwill") {
      ctx.addIssue({
        code: "custom",
        path: ["stripeCreditGrant"],
        message: "only goodwill grants can add a Stripe promotional credit grant",
      });
    }
  });
export type GrantCreateInput = z.output<typeof grantCreateInput>;

export const creditsStrategy = z.enum(["add_difference", "reset"]);
export const planChangeInput = z.object({
  operationId: operationIdField,
  externalId: externalIdField,
  planId: z.string().trim().min(1).max(100),
  strategy: creditsStrategy,
  /** Unix seconds from plans.preview, so Stripe prorates at the instant the preview showed. */
  prorationDate: z.number().int().positive().optional(),
});
export const planChangePreviewInput = z.object({
  externalId: externalIdField,
  planId: z.string().trim().min(1).max(100),
  strategy: creditsStrategy,
});
export type PlanChangeInput = z.output<typeof planChangeInput>;

export const operationState = z.enum(operationStates);

const actor = z.object({ id: z.string(), email: z.string(), role: z.enum(roles) });

export const operationOutput = z.object({
  id: z.string(),
  kind: z.enum(operationKinds),
  state: operationState,
  externalId: z.string(),
  actor,
  /** The request as submitted (grant or plan change fields; no operationId). */
  input: z.record(z.string(), z.unknown()),
  /** Grants: credits granted. */
  amount: z.number().nullable(),
  reason: z.string().nullable(),
  /** Per-step intents and results: which key, balance after, meter event id, Stripe ids. */
  steps: z.record(z.string(), z.unknown()),
  error: z.string().nullable(),
  /** needs_review: what a person must check; awaiting_approval: why approval is needed. */
  reviewReason: z.string().nullable(),
  approval: z
    .object({
      decision: z.enum(["approved", "rejected"]),
      by: z.string(),
      role: z.enum(roles),
      at: z.string(),
      reason: z.string().nullable(),
    })
    .nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
  version: z.number(),
});
export type OperationView = z.infer<typeof operationOutput>;
