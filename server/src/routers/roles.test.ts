/**
 * Every procedure × every role (and no session): allowed or refused, decided on the server.
 * Procedures are called with no input: role checks run before input validation, so an allowed
 * call fails with BAD_REQUEST (or runs) and a refused one with FORBIDDEN / UNAUTHORIZED. The
 * upstream is a trap that throws, so an allowed call never reaches Unkey or Stripe for real.
 */
import { TRPCError } from "@trpc/server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AppDeps } from "../context";
import { anonymousCaller, callerAs, createTestDeps } from "../testing/harness";
import { roles, type Role } from "../store/index";
import { appRouter } from "./index";

type Who = Role | "anonymous";
const everyone: Who[] = [...roles, "anonymous"];
const staff: Who[] = [...roles];

/** Who may call each procedure. A procedure missing here fails the test: declare its policy. */
const policy: Record<string, Who[]> = {
  "session.config": everyone,
  "session.me": everyone,
  "session.signIn": everyone,
  "session.signOut": staff,
  "customers.list": staff,
  "customers.byId": staff,
  "directory.list": staff,
  "directory.plans": staff,
  "directory.syncStatus": staff,
  "directory.syncNow": ["admin"],
  "billing.subscription": staff,
  "billing.usage": staff,
  "billing.upcomingInvoice": staff,
  "usage.timeseries": staff,
  "usage.burndown": staff,
  "usage.pools": staff,
  "finance.summary": ["admin", "finance"],
  "finance.atRisk": ["admin", "finance", "account_manager"],
  "grants.preview": ["admin", "account_manager", "support"],
  "grants.create": ["admin", "account_manager", "support"],
  "operations.byId": staff,
  "operations.list": staff,
  "operations.ledger": staff,
  "approvals.list": ["admin"],
  "approvals.approve": ["admin"],
  "approvals.reject": ["admin"],
  "approvals.settle": ["admin"],
  "audit.list": ["admin", "finance"],
  "audit.verify": ["admin", "finance"],
  "staff.list": ["admin"],
  "staff.create": ["admin"],
  "staff.setRole": ["admin"],
  "staff.disable": ["admin"],
  "plans.list": staff,
  "plans.preview": ["admin", "account_manager"],
  "plans.change": ["admin", "account_manager"],
};

let deps: AppDeps;
let close: () => Promise<void>;
beforeAll(async () => {
  ({ deps, close } = await createTestDeps());
});
afterAll(() => close());

const paths = Object.keys(appRouter._def.procedures).sort();

async function callAs(who: Who, path: string): Promise<string> {
  // A fresh session per call: session.signOut must not end the next call's session.
  const caller = who === "anonymous" ? anonymousCaller(deps).caller : await callerAs(deps, who);
  let fn: unknown = caller;
  for (const part of path.split(".")) fn = (fn as Record<string, unknown>)[part];
  try {
    await (fn as (input: unknown) => Promise<unknown>)(undefined);
    return "OK";
  } catch (err) {
    return err instanceof TRPCError ? err.code : "ERROR";
  }
}

describe("role table", () => {
  it("declares a policy for every procedure", () => {
    expect(paths.filter((p) => !(p in policy))).toEqual([]);
  });

  for (const path of paths) {
    it(`${path}`, async () => {
      const allowed = policy[path] ?? [];
      for (const who of everyone) {
        const code = await callAs(who, path);
        const refused = code === "FORBIDDEN" || code === "UNAUTHORIZED";
        expect({ who, refused, code }).toMatchObject({ who, refused: !allowed.includes(who) });
        if (!allowed.includes(who)) {
          expect(code).toBe(who === "anonymous" ? "UNAUTHORIZED" : "FORBIDDEN");
        }
      }
    });
  }

  it("finance is read-only: every mutation it may call is session bookkeeping", () => {
    const mutations = paths.filter(
      (p) =>
        (appRouter._def.procedures as unknown as Record<string, { _def: { type: string } }>)[p]
          ?._def.type === "mutation",
    );
    const financeMutations = mutations.filter((p) => policy[p]?.includes("finance"));
    expect(financeMutations.sort()).toEqual(["session.signIn", "session.signOut"]);
  });
});
