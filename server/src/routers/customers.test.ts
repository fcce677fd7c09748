import { TRPCError } from "@trpc/server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AppDeps } from "../context";
import { callerAs } from "../testing/harness";
import { depsFor, startTestSandbox, type Sandbox } from "../testing/sandbox";

let sandbox: Sandbox;
let deps: AppDeps;
let closeDeps: () => Promise<void>;

beforeAll(async () => {
  // The full world: the listing test pages through all ~300 identities.
  sandbox = await startTestSandbox({ customers: "full" });
  ({ deps, close: closeDeps } = await depsFor(sandbox));
});
afterAll(async () => {
  await closeDeps();
  await sandbox.close();
});

describe("customers (through the real SDKs against the emulators)", () => {
  it("lists every identity once across pages, with key counts and credits", async () => {
    const caller = await callerAs(deps, "support");
    const seen = new Map<string, { keyCount: number; creditsRemaining: number | null }>();
    let cursor: string | undefined;
    do {
      const page = await caller.customers.list({ limit: 100, ...(cursor ? { cursor } : {}) });
      for (const row of page.items) {
        expect(seen.has(row.externalId)).toBe(false);
        seen.set(row.externalId, row);
      }
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    expect(seen.size).toBeGreaterThanOrEqual(250);
    expect(seen.get("acme-corp")?.keyCount).toBe(2);
    expect(seen.get("globex")?.creditsRemaining).toBe(0);
  });

  it("byId returns acme-corp's two keys with monthly refill on day 31 and the next refill instant", async () => {
    const caller = await callerAs(deps, "finance");
    const c = await caller.customers.byId({ externalId: "acme-corp" });
    expect(c.identity).toMatchObject({
      externalId: "acme-corp",
      name: "Acme Corp",
      plan: "growth",
    });
    expect(c.keys).toHaveLength(2);
    for (const k of c.keys) {
      expect(k.credits?.refill).toMatchObject({ interval: "monthly", refillDay: 31 });
      const next = new Date(k.nextRefillAt!);
      expect(next.getTime()).toBeGreaterThan(sandbox.clock.now());
      expect(next.getUTCHours()).toBe(0);
      // Day 31, or the last day of a shorter month.
      const last = new Date(
        Date.UTC(next.getUTCFullYear(), next.getUTCMonth() + 1, 0),
      ).getUTCDate();
      expect(next.getUTCDate()).toBe(Math.min(31, last));
    }
  });

  it("an unknown customer is NOT_FOUND", async () => {
    const caller = await callerAs(deps, "support");
    await expect(caller.customers.byId({ externalId: "no-such-customer" })).rejects.toMatchObject({
      code: "NOT_FOUND",
    });
  });

  it("an empty externalId is a BAD_REQUEST naming the field", async () => {
    const caller = await callerAs(deps, "support");
    const err = await caller.customers.byId({ externalId: " " }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TRPCError);
    expect((err as TRPCError).code).toBe("BAD_REQUEST");
  });

  it("an Unkey outage becomes SERVICE_UNAVAILABLE with a message a person can act on", async () => {
    const caller = await callerAs(deps, "support");
    sandbox.faults.unkey.add({
      endpoint: "identities.getIdentity",
      kind: "status",
      status: 503,
      times: 1,
    });
    await expect(caller.customers.byId({ externalId: "acme-corp" })).rejects.toMatchObject({
      code: "SERVICE_UNAVAILABLE",
      message: "Unkey is unavailable (503), try again",
    });
  });

  it("a dropped connection is reported as unreachable, not a crash", async () => {
    const caller = await callerAs(deps, "support");
    sandbox.faults.unkey.add({ endpoint: "identities.getIdentity", kind: "drop", times: 1 });
    await expect(caller.customers.byId({ externalId: "acme-corp" })).rejects.toMatchObject({
      code: "SERVICE_UNAVAILABLE",
      message: expect.stringMatching(/^Unkey could not be reached/),
    });
  });
});
