/**
 * Grants against the sandbox emulators, through the real SDKs: the happy path, limits and
 * approvals, every fault at every step, crashes between steps, and concurrent submissions. The
 * invariant checked everywhere: the key's balance rose by the amount exactly once, and Stripe has
 * exactly one meter event with the operation's identifier (billable) or none (goodwill).
 */
import { randomUUID } from "node:crypto";
import { TRPCError } from "@trpc/server";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { AppDeps } from "../context";
import { startSandbox } from "../sandbox/index";
import { callerAs } from "../testing/harness";
import { depsFor } from "../testing/sandbox";
import { createGrant, mainKey } from "./grants";
import {
  configureExecutor,
  resumePending,
  SimulatedCrash,
  type KillPoint,
} from "./operations/index";

type Sandbox = Awaited<ReturnType<typeof startSandbox>>;
let sandbox: Sandbox;
let deps: AppDeps;
let closeDeps: () => Promise<void>;
let acmeKey: string;

beforeAll(async () => {
  sandbox = await startSandbox({
    dataDir: null,
    world: { customers: 40, historyDays: 14 },
    traffic: false,
    unkeyPort: 0,
    stripePort: 0,
    startAt: "2026-03-15T12:00:00.000Z",
  });
  // Faults must reach the executor, not be absorbed by SDK retries; timeouts must be quick.
  ({ deps, close: closeDeps } = await depsFor(sandbox, { timeoutMs: 600 }));
  configureExecutor(deps, { tuning: { backoffMs: 5, maxRetryAfterMs: 20 } });
  acmeKey = mainKey(await deps.upstream.unkey.keysOf("acme-corp"))!.keyId;
});
afterEach(() => {
  sandbox.faults.stripe.clear();
  sandbox.faults.unkey.clear();
  configureExecutor(deps, { killAt: null });
});
afterAll(async () => {
  await closeDeps();
  await sandbox.close();
});

const am = { id: "stf_test_am", email: "am@example.com", role: "account_manager" as const };

async function remaining(keyId: string): Promise<number> {
  return (await deps.upstream.unkey.getKey(keyId)).credits!.remaining!;
}
function meterEvents(identifier: string): number {
  const r = sandbox.db
    .prepare("SELECT count(*) AS n FROM stripe_meter_events WHERE identifier = ?")
    .get(identifier) as { n: number };
  return r.n;
}
const grantInput = (amount = 100, kind: "billable" | "goodwill" = "billable") => ({
  operationId: randomUUID(),
  externalId: "acme-corp",
  amount,
  reason: "overage goodwill test",
  kind,
});

describe("grants.create", () => {
  it("increments the main key once, records one meter event, audits, and repeats idempotently", async () => {
    const support = await callerAs(deps, "support");
    const before = await remaining(acmeKey);
    const input = grantInput(500);
    const preview = await support.grants.preview({
      externalId: "acme-corp",
      amount: 500,
      kind: "billable",
    });
    expect(preview.keyId).toBe(acmeKey);
    expect(preview.balanceAfter).toBe(before + 500);
    expect(preview.needsApproval).toBe(false);
    expect(preview.refill?.nextRefillAt).toBe("2026-03-31T00:00:00.000Z");

    const op = await support.grants.create(input);
    expect(op.state).toBe("done");
    expect(await remaining(acmeKey)).toBe(before + 500);
    expect(meterEvents(input.operationId)).toBe(1);

    const again = await support.grants.create(input);
    expect(again.id).toBe(op.id);
    expect(again.state).toBe("done");
    expect(await remaining(acmeKey)).toBe(before + 500);

    await expect(support.grants.create({ ...input, amount: 501 })).rejects.toMatchObject({
      code: "CONFLICT",
      message: expect.stringContaining("amount") as unknown,
    });

    const ledger = await support.operations.ledger({ externalId: "acme-corp" });
    expect(ledger.items.find((i) => i.operationId === op.id)).toMatchObject({
      by: "support@example.com",
      amount: 500,
      reason: "overage goodwill test",
      state: "done",
    });
    const audit = await deps.repos.audit.list({ limit: 100 });
    const mine = audit.filter((a) => a.after_json?.includes(op.id));
    expect(mine.map((a) => a.action).sort()).toEqual(
      ["grant.done", "grant.requested", "grant.stripe_applied", "grant.unkey_applied"].sort(),
    );
    expect((await deps.repos.audit.verifyChain()).ok).toBe(true);
  });

  it("goodwill grants are not billed", async () => {
    const before = await remaining(acmeKey);
    const input = grantInput(70, "goodwill");
    const op = await createGrant(deps, am, input);
    expect(op.state).toBe("done");
    expect(await remaining(acmeKey)).toBe(before + 70);
    expect(meterEvents(input.operationId)).toBe(0);
  });

  it("rejects bad input naming the field", async () => {
    const support = await callerAs(deps, "support");
    for (const [patch, field] of [
      [{ amount: 0 }, "amount"],
      [{ amount: 1.5 }, "amount"],
      [{ reason: "  a " }, "reason"],
      [{ operationId: "nope" }, "operationId"],
      [{ stripeCreditGrant: true }, "stripeCreditGrant"],
    ] as const) {
      const err = await support.grants
        .create({ ...grantInput(), ...patch })
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(TRPCError);
      expect((err as TRPCError).code).toBe("BAD_REQUEST");
      expect((err as TRPCError).message).toContain(field);
    }
  });
});

describe("limits and approvals", () => {
  it("a support grant above the per-grant limit waits for an admin; approve applies it", async () => {
    const support = await callerAs(deps, "support");
    const admin = await callerAs(deps, "admin");
    const before = await remaining(acmeKey);
    const input = grantInput(6000);
    const op = await support.grants.create(input);
    expect(op.state).toBe("awaiting_approval");
    expect(op.reviewReason).toContain("5000");
    expect(await remaining(acmeKey)).toBe(before);
    const list = await admin.approvals.list();
    expect(list.items.map((i) => i.id)).toContain(op.id);
    const approved = await admin.approvals.approve({ operationId: op.id });
    expect(approved.state).toBe("done");
    expect(approved.approval).toMatchObject({ decision: "approved", by: "admin@example.com" });
    expect(await remaining(acmeKey)).toBe(before + 6000);
    expect(meterEvents(op.id)).toBe(1);
    const seen = await support.operations.byId({ operationId: op.id });
    expect(seen?.state).toBe("done");
  });

  it("reject records the reason and applies nothing; the monthly limit counts earlier grants", async () => {
    const support = await callerAs(deps, "support");
    const admin = await callerAs(deps, "admin");
    const initech = mainKey(await deps.upstream.unkey.keysOf("initech"))!.keyId;
    const before = await remaining(initech);
    for (let i = 0; i < 4; i++) {
      const op = await support.grants.create({
        ...grantInput(5000, "goodwill"),
        externalId: "initech",
      });
      expect(op.state).toBe("done");
    }
    const over = await support.grants.create({
      ...grantInput(1, "goodwill"),
      externalId: "initech",
    });
    expect(over.state).toBe("awaiting_approval");
    expect(over.reviewReason).toContain("per customer per month");
    const rejected = await admin.approvals.reject({ operationId: over.id, reason: "too much" });
    expect(rejected.state).toBe("rejected");
    expect(rejected.approval?.reason).toBe("too much");
    expect(await remaining(initech)).toBe(before + 20000);
    await expect(admin.approvals.approve({ operationId: over.id })).rejects.toMatchObject({
      code: "CONFLICT",
    });
  });
});

describe("faults at every step", () => {
  const kinds = [
    { kind: "status", status: 503 },
    { kind: "status", status: 429 },
    { kind: "timeout" },
    { kind: "drop" },
  ] as const;
  for (const endpoint of ["keys.updateCredits", "POST /v1/billing/meter_events"]) {
    for (const fault of kinds) {
      for (const after of [false, true]) {
        const label = `${endpoint} ${fault.kind}${"status" in fault ? ` ${fault.status}` : ""}${after ? " (after: effect happened, answer lost)" : ""}`;
        it(`${label} → done, applied exactly once`, async () => {
          const service = endpoint.startsWith("POST") ? "stripe" : "unkey";
          sandbox.faults[service].add({ endpoint, ...fault, times: 1, after });
          const before = await remaining(acmeKey);
          const input = grantInput(100);
          const op = await createGrant(deps, am, input);
          expect(op.state).toBe("done");
          expect(await remaining(acmeKey)).toBe(before + 100);
          expect(meterEvents(input.operationId)).toBe(1);
        });
      }
    }
  }

  it("Unkey failing on every attempt ends failed with nothing applied", async () => {
    sandbox.faults.unkey.add({ endpoint: "keys.updateCredits", kind: "status", status: 503 });
    const before = await remaining(acmeKey);
    const input = grantInput(100);
    const op = await createGrant(deps, am, input);
    expect(op.state).toBe("failed");
    expect(await remaining(acmeKey)).toBe(before);
    expect(meterEvents(input.operationId)).toBe(0);
  });

  it("Stripe failing on every attempt ends needs_review (credits applied once, no event)", async () => {
    sandbox.faults.stripe.add({
      endpoint: "POST /v1/billing/meter_events",
      kind: "status",
      status: 500,
    });
    const before = await remaining(acmeKey);
    const input = grantInput(100);
    const op = await createGrant(deps, am, input);
    expect(op.state).toBe("needs_review");
    expect(op.reviewReason).toContain(input.operationId);
    expect(await remaining(acmeKey)).toBe(before + 100);
    expect(meterEvents(input.operationId)).toBe(0);

    // An admin checks Unkey and Stripe and records the finding; nothing is sent upstream.
    sandbox.faults.stripe.clear();
    const admin = await callerAs(deps, "admin");
    await expect(
      admin.approvals.settle({ operationId: op.id, outcome: "done", note: "" }),
    ).rejects.toMatchObject({ code: "BAD_REQUEST" });
    const settled = await admin.approvals.settle({
      operationId: op.id,
      outcome: "failed",
      note: "credits applied, meter event never sent; invoiced by hand",
    });
    expect(settled.state).toBe("failed");
    expect(settled.error).toContain("invoiced by hand");
    expect(await remaining(acmeKey)).toBe(before + 100);
    expect(meterEvents(input.operationId)).toBe(0);
    const audit = await deps.repos.auditQuery.page({ target: "acme-corp", limit: 5, offset: 0 });
    expect(audit.rows[0]).toMatchObject({
      action: "grant.failed",
      actor_email: "admin@example.com",
    });
    // Settled once: a second finding is refused, as is settling an operation that is not in review.
    await expect(
      admin.approvals.settle({ operationId: op.id, outcome: "done", note: "second look" }),
    ).rejects.toMatchObject({ code: "CONFLICT" });
  });

  it("an admin can settle a needs_review grant as done once the effect is confirmed", async () => {
    sandbox.faults.stripe.add({
      endpoint: "POST /v1/billing/meter_events",
      kind: "status",
      status: 500,
    });
    const op = await createGrant(deps, am, grantInput(50));
    expect(op.state).toBe("needs_review");
    sandbox.faults.stripe.clear();
    const admin = await callerAs(deps, "admin");
    const settled = await admin.approvals.settle({
      operationId: op.id,
      outcome: "done",
      note: "meter event sent from the Stripe dashboard",
    });
    expect(settled.state).toBe("done");
    expect(settled.error).toBeNull();
    const row = await deps.repos.operations.byId(op.id);
    expect(JSON.parse(row!.steps_json)).toMatchObject({
      settled: { by: "admin@example.com", outcome: "done" },
    });
  });
});

describe("server kill between steps", () => {
  const points: KillPoint[] = [
    "before_unkey_call",
    "after_unkey_call",
    "unkey_applied",
    "before_stripe_call",
    "after_stripe_call",
    "stripe_applied",
  ];
  for (const point of points) {
    it(`crash at ${point}, resume from the store → done, applied once`, async () => {
      const before = await remaining(acmeKey);
      const input = grantInput(100);
      configureExecutor(deps, { killAt: point });
      await expect(createGrant(deps, am, input)).rejects.toBeInstanceOf(SimulatedCrash);
      // A new process: a fresh executor identity; the dead one's lease is taken over at start.
      configureExecutor(deps, { killAt: null, newOwner: true });
      const r = await resumePending(deps, { force: true });
      expect(r.failed).toBe(0);
      const op = await deps.repos.operations.byId(input.operationId);
      expect(op?.state).toBe("done");
      expect(await remaining(acmeKey)).toBe(before + 100);
      expect(meterEvents(input.operationId)).toBe(1);
    });
  }
});

describe("concurrency", () => {
  it("20 concurrent submissions of one operation → one increment, one meter event", async () => {
    // Its own console (store and clients) with an ordinary timeout: 20 parallel reads against the
    // in-process emulators can outlast the fault tests' 600 ms on a loaded machine, and this test
    // is about the store's claim, not about timeouts.
    const own = await depsFor(sandbox, { timeoutMs: 10_000 });
    try {
      const before = await remaining(acmeKey);
      const input = grantInput(100);
      const results = await Promise.all(
        Array.from({ length: 20 }, () => createGrant(own.deps, am, input)),
      );
      expect(new Set(results.map((r) => r.id)).size).toBe(1);
      const final = await own.deps.repos.operations.byId(input.operationId);
      expect(final?.state).toBe("done");
      expect(await remaining(acmeKey)).toBe(before + 100);
      expect(meterEvents(input.operationId)).toBe(1);
    } finally {
      await own.close();
    }
  });
});
