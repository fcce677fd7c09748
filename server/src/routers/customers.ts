import { z } from "zod";
import { customerById, listCustomers } from "../services/customers";
import { router, staffProcedure } from "../trpc";

const pool = z.object({
  name: z.string(),
  limit: z.number(),
  durationMs: z.number(),
  autoApply: z.boolean(),
});
const credits = z
  .object({
    remaining: z.number().nullable(),
    refill: z
      .object({
        interval: z.enum(["daily", "monthly"]),
        amount: z.number(),
        refillDay: z.number().nullable(),
      })
      .nullable(),
  })
  .nullable();

const externalId = z.string().trim().min(1, "required").max(256);

export const customersRouter = router({
  list: staffProcedure
    .input(
      z.object({
        search: z.string().trim().max(200).optional(),
        cursor: z.string().max(512).optional(),
        limit: z.number().int().min(1).max(200).default(50),
      }),
    )
    .output(
      z.object({
        items: z.array(
          z.object({
            externalId: z.string(),
            identityId: z.string(),
            name: z.string().nullable(),
            email: z.string().nullable(),
            plan: z.string().nullable(),
            keyCount: z.number(),
            creditsRemaining: z.number().nullable(),
            creditsAllowance: z.number().nullable(),
          }),
        ),
        nextCursor: z.string().nullable(),
      }),
    )
    .query(({ ctx, input }) => listCustomers(ctx.deps, input)),

  byId: staffProcedure
    .input(z.object({ externalId }))
    .output(
      z.object({
        identity: z.object({
          id: z.string(),
          externalId: z.string(),
          name: z.string().nullable(),
          email: z.string().nullable(),
          plan: z.string().nullable(),
          stripeCustomerId: z.string().nullable(),
          ratelimits: z.array(pool),
        }),
        keys: z.array(
          z.object({
            keyId: z.string(),
            name: z.string().nullable(),
            start: z.string(),
            enabled: z.boolean(),
            createdAt: z.string().nullable(),
            lastUsedAt: z.string().nullable(),
            credits,
            nextRefillAt: z.string().nullable(),
            ratelimits: z.array(pool),
          }),
        ),
      }),
    )
    .query(({ ctx, input }) => customerById(ctx.deps, input.externalId)),
});
