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
            allowance: z.number().nullable(),
            balanceAtNextRefill: z.number().nullable(),
            burnPerHour: z.number().nullable(),
          }),
        ),
        summary: z.object({
          creditsRemaining: z.number().nullable(),
          creditsAllowance: z.number().nullable(),
          percentLeft: z.number().nullable(),
          status: z.enum(["healthy", "low", "exhausted", "unlimited", "no_keys"]),
          inOverage: z.boolean(),
          burnPerHour: z.number().nullable(),
          forecast: z.discriminatedUnion("kind", [
            z.object({ kind: z.enum(["unlimited", "exhausted", "idle"]) }),
            z.object({ kind: z.literal("runs_out"), at: z.string() }),
            z.object({ kind: z.literal("lasts_until_refill"), at: z.string() }),
          ]),
          nextRefillAt: z.string().nullable(),
        }),
        pools: z.array(
          pool.extend({
            scope: z.enum(["identity", "key"]),
            keyIds: z.array(z.string()),
            overriddenBy: z.array(z.string()),
          }),
        ),
      }),
    )
    .query(async ({ ctx, input }) => {
      const page = await customerById(ctx.deps, input.externalId);
      // Opening a page refreshes the customer's directory row; the page never waits for it.
      ctx.deps.directory
        .refreshCustomer(input.externalId)
        .catch((err: unknown) =>
          ctx.log.warn({ err, externalId: input.externalId }, "customer refresh failed"),
        );
      return page;
    }),
});
