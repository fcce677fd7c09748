import { z } from "zod";
import type { Context } from "../context";
import { signIn } from "../services/auth";
import { SANDBOX_PASSWORD, SANDBOX_STAFF } from "../services/staff";
import { roles } from "../store/index";
import { publicProcedure, router, staffProcedure } from "../trpc";

const user = z.object({ id: z.string(), email: z.string(), name: z.string(), role: z.enum(roles) });

function startSession(ctx: Context, token: string, csrfToken: string) {
  const maxAgeMs = ctx.deps.config.sessionTtlMs;
  ctx.cookies.set("session", token, { httpOnly: true, maxAgeMs });
  // The CSRF token is bound to the session; the client echoes this readable cookie in a header.
  ctx.cookies.set("csrf_token", csrfToken, { httpOnly: false, maxAgeMs });
}

export const sessionRouter = router({
  config: publicProcedure
    .input(z.void())
    .output(
      z.object({
        mode: z.enum(["sandbox", "live"]),
        sandboxLogins: z
          .object({
            password: z.string(),
            users: z.array(z.object({ email: z.string(), role: z.enum(roles) })),
          })
          .nullable(),
      }),
    )
    .query(({ ctx }) => ({
      mode: ctx.deps.config.mode,
      sandboxLogins:
        ctx.deps.config.mode === "sandbox"
          ? {
              password: SANDBOX_PASSWORD,
              users: SANDBOX_STAFF.map(({ email, role }) => ({ email, role })),
            }
          : null,
    })),

  me: publicProcedure
    .input(z.void())
    .output(z.object({ user: user.nullable() }))
    .query(({ ctx }) => ({ user: ctx.session?.staff ?? null })),

  signIn: publicProcedure
    .input(
      z.object({
        email: z.string().trim().email("enter a valid email address").max(254),
        password: z.string().min(1, "enter your password").max(1024),
      }),
    )
    .output(z.object({ user }))
    .mutation(async ({ ctx, input }) => {
      const result = await signIn(ctx.deps, { ...input, ip: ctx.ip });
      startSession(ctx, result.token, result.session.csrf_token);
      return { user: result.user };
    }),

  signOut: staffProcedure
    .input(z.void())
    .output(z.object({ ok: z.literal(true) }))
    .mutation(async ({ ctx }) => {
      await ctx.deps.repos.sessions.delete(ctx.session.id);
      await ctx.deps.repos.audit.append({
        at: ctx.deps.now(),
        actor: ctx.staff,
        action: "session.sign_out",
        target: ctx.staff.email,
      });
      ctx.cookies.clear("session");
      return { ok: true as const };
    }),
});
