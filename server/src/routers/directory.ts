/**
 * The customer directory: search/filter/sort over the console's read model (never per-customer
 * upstream calls), the plan list for its filter, sync status, and "sync now" for admins.
 */
import { z } from "zod";
import { listDirectory } from "../services/directory/list";
import {
  directoryListInput,
  directoryListOutput,
  syncStatusOutput,
} from "../services/directory/schema";
import { adminProcedure, router, staffProcedure } from "../trpc";

export const directoryRouter = router({
  list: staffProcedure
    .input(directoryListInput)
    .output(directoryListOutput)
    .query(({ ctx, input }) => listDirectory(ctx.deps, input)),

  plans: staffProcedure
    .input(z.object({}).optional())
    .output(z.object({ plans: z.array(z.object({ id: z.string(), name: z.string() })) }))
    .query(({ ctx }) => ({
      plans: ctx.deps.catalog.plans.map((p) => ({ id: p.id, name: p.name })),
    })),

  syncStatus: staffProcedure
    .input(z.object({}).optional())
    .output(syncStatusOutput)
    .query(({ ctx }) => ctx.deps.directory.status()),

  syncNow: adminProcedure
    .input(z.object({}).optional())
    .output(z.object({ started: z.boolean() }))
    .mutation(async ({ ctx }) => {
      const run = ctx.deps.directory.runNow();
      const started = run !== null;
      if (run) {
        // The sync reports its own failures (sync_runs, logs); the request only starts it.
        run.catch((err: unknown) => ctx.log.error({ err }, "directory sync crashed"));
      }
      await ctx.deps.repos.audit.append({
        at: ctx.deps.now(),
        actor: { id: ctx.staff.id, email: ctx.staff.email, role: ctx.staff.role },
        action: "directory.sync_now",
        target: "directory",
        meta: { started },
      });
      return { started };
    }),
});
