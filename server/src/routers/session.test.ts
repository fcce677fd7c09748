import { TRPCError } from "@trpc/server";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createContextInner, type AppDeps } from "../context";
import { appRouter } from "./index";
import { INVALID_CREDENTIALS } from "../services/auth";
import { SANDBOX_PASSWORD } from "../services/staff";
import {
  anonymousCaller,
  callerAs,
  createCaller,
  createTestDeps,
  recordingCookies,
} from "../testing/harness";

let deps: AppDeps;
let close: () => Promise<void>;
beforeEach(async () => {
  ({ deps, close } = await createTestDeps({
    config: { login: { maxAttempts: 3, windowMs: 60_000 } },
  }));
});
afterEach(() => close());

async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    if (err instanceof TRPCError) return err.code;
    throw err;
  }
  return "OK";
}

describe("session.signIn", () => {
  it("signs in with the right password: HttpOnly session cookie, readable CSRF cookie", async () => {
    const { caller, cookies } = anonymousCaller(deps);
    const { user } = await caller.session.signIn({
      email: "Support@Example.com ",
      password: SANDBOX_PASSWORD,
    });
    expect(user).toMatchObject({ email: "support@example.com", role: "support" });
    expect(cookies.set.get("session")?.httpOnly).toBe(true);
    const csrf = cookies.set.get("csrf_token");
    expect(csrf?.httpOnly).toBe(false);
    const session = await deps.repos.sessions.resolve(
      cookies.set.get("session")!.value,
      deps.now(),
    );
    expect(session?.session.csrf_token).toBe(csrf?.value);
    // The store keeps a hash of the token, never the token itself.
    expect(session?.session.id).not.toBe(cookies.set.get("session")!.value);
  });

  it("refuses a wrong password with a clear message and audits the failure", async () => {
    const { caller, cookies } = anonymousCaller(deps);
    await expect(
      caller.session.signIn({ email: "admin@example.com", password: "nope" }),
    ).rejects.toThrow(INVALID_CREDENTIALS);
    expect(cookies.set.has("session")).toBe(false);
    const [entry] = await deps.repos.audit.list({ limit: 1 });
    expect(entry).toMatchObject({ action: "session.sign_in_failed", target: "admin@example.com" });
  });

  it("answers an unknown email exactly like a wrong password", async () => {
    const { caller } = anonymousCaller(deps);
    await expect(
      caller.session.signIn({ email: "nobody@example.com", password: SANDBOX_PASSWORD }),
    ).rejects.toThrow(INVALID_CREDENTIALS);
  });

  it("rate-limits repeated failures per email, even with the right password afterwards", async () => {
    const { caller } = anonymousCaller(deps, "10.0.0.1");
    for (let i = 0; i < 3; i++) {
      expect(await codeOf(caller.session.signIn({ email: "am@example.com", password: "x" }))).toBe(
        "UNAUTHORIZED",
      );
    }
    const other = anonymousCaller(deps, "10.0.0.2").caller;
    expect(
      await codeOf(other.session.signIn({ email: "am@example.com", password: SANDBOX_PASSWORD })),
    ).toBe("TOO_MANY_REQUESTS");
  });

  it("rate-limits per IP across emails", async () => {
    const { caller } = anonymousCaller(deps, "10.0.0.9");
    for (const email of ["a@x.io", "b@x.io", "c@x.io"]) {
      await codeOf(caller.session.signIn({ email, password: "x" }));
    }
    expect(
      await codeOf(
        caller.session.signIn({ email: "admin@example.com", password: SANDBOX_PASSWORD }),
      ),
    ).toBe("TOO_MANY_REQUESTS");
  });

  it("refuses disabled staff", async () => {
    const staff = (await deps.repos.staff.byEmail("finance@example.com"))!;
    await deps.repos.staff.setDisabled(staff.id, deps.now());
    const { caller } = anonymousCaller(deps);
    expect(
      await codeOf(
        caller.session.signIn({ email: "finance@example.com", password: SANDBOX_PASSWORD }),
      ),
    ).toBe("UNAUTHORIZED");
  });

  it("names the invalid field", async () => {
    const { caller } = anonymousCaller(deps);
    await expect(caller.session.signIn({ email: "not-an-email", password: "x" })).rejects.toThrow(
      /email/,
    );
  });

  it("refuses a mutation without the CSRF token", async () => {
    const caller = createCaller(
      createContextInner({
        deps,
        session: null,
        csrf: { header: null, cookie: "abc" },
        ip: "127.0.0.1",
        cookies: recordingCookies().jar,
        requestId: "t",
      }),
    );
    expect(
      await codeOf(
        caller.session.signIn({ email: "admin@example.com", password: SANDBOX_PASSWORD }),
      ),
    ).toBe("FORBIDDEN");
  });
});

describe("sessions", () => {
  it("signOut ends the session", async () => {
    const { caller, cookies } = anonymousCaller(deps);
    await caller.session.signIn({ email: "admin@example.com", password: SANDBOX_PASSWORD });
    const token = cookies.set.get("session")!.value;
    const admin = await callerAs(deps, "admin");
    await admin.session.signOut();
    // Only the signing-out session ends; the first one is still valid.
    expect(await deps.repos.sessions.resolve(token, deps.now())).toBeDefined();
  });

  it("expired sessions do not resolve", async () => {
    const { caller, cookies } = anonymousCaller(deps);
    await caller.session.signIn({ email: "admin@example.com", password: SANDBOX_PASSWORD });
    const token = cookies.set.get("session")!.value;
    const later = deps.now() + deps.config.sessionTtlMs + 1;
    expect(await deps.repos.sessions.resolve(token, later)).toBeUndefined();
  });

  it("every procedure except the public ones refuses a caller without a session", async () => {
    const { caller } = anonymousCaller(deps);
    const publicOnes = new Set(["session.config", "session.me", "session.signIn"]);
    const paths = Object.keys(appRouter._def.procedures);
    expect(paths.length).toBeGreaterThan(publicOnes.size);
    for (const path of paths) {
      if (publicOnes.has(path)) continue;
      const fn = path
        .split(".")
        .reduce<unknown>((o, k) => (o as Record<string, unknown>)[k], caller);
      // Invalid input on purpose: authentication must be checked before input validation.
      const code = await codeOf((fn as (i: unknown) => Promise<unknown>)({}));
      expect({ path, code }).toEqual({ path, code: "UNAUTHORIZED" });
    }
  });
});
