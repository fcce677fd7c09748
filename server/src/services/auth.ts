/**
 * Sign-in and sign-out. Failed attempts are counted per email and per IP in a sliding window
 * (the login rate limit); every sign-in, success or failure, is written to the audit log.
 */
import { TRPCError } from "@trpc/server";
import { dummyHash, verifyPassword } from "../auth/password";
import type { AppDeps } from "../context";

export const INVALID_CREDENTIALS = "Email or password is incorrect";

export async function signIn(
  deps: AppDeps,
  input: { email: string; password: string; ip: string },
) {
  const { repos, config } = deps;
  const now = deps.now();
  const email = input.email.trim().toLowerCase();
  const buckets = [`email:${email}`, `ip:${input.ip}`];
  const since = now - config.login.windowMs;
  for (const bucket of buckets) {
    if ((await repos.loginAttempts.failuresSince(bucket, since)) >= config.login.maxAttempts) {
      const minutes = Math.round(config.login.windowMs / 60_000);
      throw new TRPCError({
        code: "TOO_MANY_REQUESTS",
        message: `Too many failed sign-ins. Wait ${minutes} minutes or ask an admin to reset your password.`,
      });
    }
  }

  const staff = await repos.staff.byEmail(email);
  const ok = staff
    ? await verifyPassword(staff.password_hash, input.password)
    : (await verifyPassword(await dummyHash(), input.password), false);

  if (!staff || !ok || staff.disabled_at !== null) {
    await repos.loginAttempts.record(buckets, now, false);
    await repos.audit.append({
      at: now,
      actor: null,
      action: "session.sign_in_failed",
      target: email,
      meta: { ip: input.ip, reason: !staff ? "unknown_email" : !ok ? "bad_password" : "disabled" },
    });
    throw new TRPCError({ code: "UNAUTHORIZED", message: INVALID_CREDENTIALS });
  }

  await repos.loginAttempts.clear(`email:${email}`);
  const { token, session } = await repos.sessions.create(staff.id, now, config.sessionTtlMs);
  await repos.audit.append({
    at: now,
    actor: { id: staff.id, email: staff.email, role: staff.role },
    action: "session.sign_in",
    target: staff.email,
    meta: { ip: input.ip },
  });
  return {
    token,
    session,
    user: { id: staff.id, email: staff.email, name: staff.name, role: staff.role },
  };
}
