import { randomBytes } from "node:crypto";
import { TRPCError } from "@trpc/server";
import { z } from "zod";
import { hashPassword } from "../auth/password";
import type { Context } from "../context";
import { roles, type Staff } from "../store/index";
import { adminProcedure, router } from "../trpc";

const staffOutput = z.object({
  id: z.string(),
  email: z.string(),
  name: z.string(),
  role: z.enum(roles),
  disabled: z.boolean(),
  createdAt: z.string(),
});
const view = (s: Staff): z.infer<typeof staffOutput> => ({
  id: s.id,
  email: s.email,
  name: s.name,
  role: s.role,
  disabled: s.disabled_at !== null,
  createdAt: new Date(Number(s.created_at)).toISOString(),
});
const staffId = z.string().trim().min(1).max(100);

async function staffOrThrow(ctx: Context, id: string) {
  const s = await ctx.deps.repos.staff.byId(id);
  if (!s) throw new TRPCError({ code: "NOT_FOUND", message: `staffId: no staff member ${id}` });
  return s;
}

function selfGuard(ctx: Context, id: string, what: string) {
  // An admin locking themselves out (or demoting the last admin) is a support ticket, not a feature.
  if (ctx.session?.staff.id === id) {
    throw new TRPCError({ code: "BAD_REQUEST", message: `staffId: you cannot ${what} yourself` });
  }
}

async function audit(
  ctx: Context,
  action: string,
  target: string,
  before: unknown,
  after: unknown,
) {
  const s = ctx.session!.staff;
  await ctx.deps.repos.audit.append({
    at: ctx.deps.now(),
    actor: { id: s.id, email: s.email, role: s.role },
    action,
    target,
    before,
    after,
  });
}

/** Staff management: admins only, every change audited. */
export const staffRouter = router({
  list: adminProcedure
    .input(z.void())
    .output(z.array(staffOutput))
    .query(async ({ ctx }) => (await ctx.deps.repos.staff.list()).map(view)),
  create: adminProcedure
    .input(
      z.object({
        email: z.email().max(320),
        name: z.string().trim().min(1).max(200),
        role: z.enum(roles),
      }),
    )
    /** The generated password is shown once; the console never stores it in clear. */
    .output(z.object({ staff: staffOutput, password: z.string() }))
    .mutation(async ({ ctx, input }) => {
      if (await ctx.deps.repos.staff.byEmail(input.email)) {
        throw new TRPCError({ code: "CONFLICT", message: `email: ${input.email} already exists` });
      }
      const password = randomBytes(18).toString("base64url");
      const created = await ctx.deps.repos.staff.create({
        ...input,
        passwordHash: await hashPassword(password),
        now: ctx.deps.now(),
      });
      await audit(ctx, "staff.created", created.id, null, view(created));
      return { staff: view(created), password };
    }),
  setRole: adminProcedure
    .input(z.object({ staffId, role: z.enum(roles) }))
    .output(staffOutput)
    .mutation(async ({ ctx, input }) => {
      selfGuard(ctx, input.staffId, "change the role of");
      const before = await staffOrThrow(ctx, input.staffId);
      await ctx.deps.repos.staff.setRole(input.staffId, input.role);
      // Sessions carry the role: sign them out so the new role applies at once.
      await ctx.deps.repos.sessions.deleteForStaff(input.staffId);
      const after = await staffOrThrow(ctx, input.staffId);
      await audit(ctx, "staff.role_changed", after.id, view(before), view(after));
      return view(after);
    }),
  disable: adminProcedure
    .input(z.object({ staffId, disabled: z.boolean().default(true) }))
    .output(staffOutput)
    .mutation(async ({ ctx, input }) => {
      selfGuard(ctx, input.staffId, "disable");
      const before = await staffOrThrow(ctx, input.staffId);
      await ctx.deps.repos.staff.setDisabled(input.staffId, input.disabled ? ctx.deps.now() : null);
      if (input.disabled) await ctx.deps.repos.sessions.deleteForStaff(input.staffId);
      const after = await staffOrThrow(ctx, input.staffId);
      await audit(
        ctx,
        input.disabled ? "staff.disabled" : "staff.enabled",
        after.id,
        view(before),
        view(after),
      );
      return view(after);
    }),
});
