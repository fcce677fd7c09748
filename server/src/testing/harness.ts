/**
 * Test wiring: real store (in-memory SQLite), real config parsing, and procedure callers built
 * with `createContextInner` exactly as the HTTP layer does. Upstream is whatever the test passes
 * (normally SDK clients pointed at the sandbox emulators).
 */
import pino from "pino";
import { createContextInner, type AppDeps, type CookieJar, type SessionInfo } from "../context";
import { loadConfig, type Config } from "../env";
import { loadPlanCatalog } from "../plans/catalog";
import { attachDirectory } from "../services/directory/index";
import type { SyncOptions } from "../services/directory/sync";
import { appRouter } from "../routers/index";
import { SANDBOX_PASSWORD, ensureSandboxStaff } from "../services/staff";
import { openStore, repos as makeRepos, type Role } from "../store/index";
import { createCallerFactory } from "../trpc";
import type { Upstream } from "../upstream/index";

export const createCaller = createCallerFactory(appRouter);

export async function createTestDeps(
  opts: {
    upstream?: Upstream;
    config?: Partial<Config>;
    now?: () => number;
    sync?: Omit<SyncOptions, "signal">;
  } = {},
) {
  const store = await openStore(null);
  const repos = makeRepos(store);
  const config = { ...loadConfig({ NODE_ENV: "test" }), ...opts.config } as Config;
  const deps: AppDeps = attachDirectory(
    {
      config,
      repos,
      // A test that reaches upstream without providing one has a bug: fail loudly.
      upstream:
        opts.upstream ??
        (new Proxy(
          {},
          {
            get() {
              throw new Error("this test did not configure an upstream");
            },
          },
        ) as Upstream),
      log: pino({ level: "silent" }),
      now: opts.now ?? (() => Date.now()),
      catalog: loadPlanCatalog(),
    },
    opts.sync ? { sync: opts.sync } : {},
  );
  await ensureSandboxStaff(repos, deps.now());
  return {
    deps,
    store,
    close: async () => {
      await deps.directory.stop();
      await store.close();
    },
  };
}

export function recordingCookies() {
  const set = new Map<string, { value: string; httpOnly: boolean }>();
  const jar: CookieJar = {
    set: (name, value, o) => set.set(name, { value, httpOnly: o.httpOnly }),
    clear: (name) => set.delete(name),
  };
  return { jar, set };
}

/** A caller with no session (CSRF cookie and header present and matching). */
export function anonymousCaller(deps: AppDeps, ip = "127.0.0.1") {
  const cookies = recordingCookies();
  const caller = createCaller(
    createContextInner({
      deps,
      session: null,
      csrf: { header: "t", cookie: "t" },
      ip,
      cookies: cookies.jar,
      requestId: "test",
    }),
  );
  return { caller, cookies };
}

export const sandboxEmail: Record<Role, string> = {
  admin: "admin@example.com",
  account_manager: "am@example.com",
  support: "support@example.com",
  finance: "finance@example.com",
};

/** Signs in through the real procedure and returns a caller bound to that session. */
export async function callerAs(deps: AppDeps, role: Role) {
  const { caller, cookies } = anonymousCaller(deps);
  await caller.session.signIn({ email: sandboxEmail[role], password: SANDBOX_PASSWORD });
  const token = cookies.set.get("session")!.value;
  const resolved = (await deps.repos.sessions.resolve(token, deps.now()))!;
  const session: SessionInfo = {
    id: resolved.session.id,
    csrfToken: resolved.session.csrf_token,
    staff: {
      id: resolved.staff.id,
      email: resolved.staff.email,
      name: resolved.staff.name,
      role: resolved.staff.role,
    },
  };
  return createCaller(
    createContextInner({
      deps,
      session,
      csrf: { header: session.csrfToken, cookie: session.csrfToken },
      ip: "127.0.0.1",
      cookies: recordingCookies().jar,
      requestId: "test",
    }),
  );
}
