/**
 * Plan changes against the sandbox emulators, through the real SDKs: preview numbers (computed
 * here independently from keys read before), Stripe's proration preview, an upgrade applied end to
 * end, every fault at every step, crashes between steps, and concurrent submissions. The
 * invariant checked everywhere: each key ends at the balance one application gives (a second
 * "add the difference" would show), and Stripe holds exactly one set of proration items.
 */
import { randomUUID } from "node:crypto";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { AppDeps } from "../context";
import { creditsAfter } from "../domain/plan-change";
import { planById } from "../plans/catalog";
import { callerAs } from "../testing/harness";
import { depsFor, startTestSandbox, type Sandbox } from "../testing/sandbox";
import { createStripeSdk } from "../upstream/stripe";
import {
  configureExecutor,
  resumePending,
  SimulatedCrash,
  type KillPoint,
} from "./operations/index";
import { createPlanChange, previewPlanChange } from "./plan-change";

let sandbox: Sandbox;
let deps: AppDeps;
let closeDeps: () => Promise<void>;

beforeAll(async () => {
  sandbox = await startTestSandbox({ startAt: "2026-03-15T12:00:00.000Z" });
  ({ deps, close: closeDeps } = await depsFor(sandbox, { timeoutMs: 600 }));
  configureExecutor(deps, { tuning: { backoffMs: 5, maxRetryAfterMs: 20 } });
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

const rawStripe = () =>
  createStripeSdk({
    secretKey: sandbox.credentials.stripeSecretKey,
    baseUrl: sandbox.stripeUrl,
    maxNetworkRetries: 0,
  });

/** Pending (not yet invoiced) invoice items of a subscription: where prorations land. */
function pending(subscriptionId: string): { n: number; sum: number } {
  return sandbox.db
    .prepare(
      `SELECT count(*) AS n, coalesce(sum(json_extract(data, '$.amount')), 0) AS sum FROM stripe_objects
       WHERE type = 'invoiceitem' AND json_extract(data, '$.invoice') IS NULL
         AND json_extract(data, '$.parent.subscription_details.subscription') = ?`,
    )
    .get(subscriptionId) as { n: number; sum: number };
}

async function subscriptionOf(externalId: string) {
  const customer = (
    await deps.upstream.stripe.searchCustomersByMetadata("unkey_external_id", externalId)
  )[0]!;
  const sub = (await deps.upstream.stripe.listSubscriptions(customer.id))[0]!;
  return { customerId: customer.id, sub: await deps.upstream.stripe.retrieveSubscription(sub.id) };
}

async function currentPlan(externalId: string): Promise<string> {
  return String((await deps.upstream.unkey.getIdentity({ externalId })).meta.plan);
}

/**
 * What one application of the change gives, from a read taken now: per key the balance and
 * refill amount, and the number of proration items Stripe adds (its preview's proration lines
 * minus the items already pending, which a preview shows too).
 */
async function expectation(
  externalId: string,
  planId: string,
  strategy: "add_difference" | "reset",
) {
  const to = planById(deps.catalog, planId)!;
  const keys = await deps.upstream.unkey.keysOf(externalId);
  const { sub } = await subscriptionOf(externalId);
  const preview = await previewPlanChange(deps, { externalId, planId, strategy });
  const before = pending(sub.id);
  const newItems = preview.stripe!.lines.filter((l) => l.proration).length - before.n;
  return {
    subId: sub.id,
    pendingBefore: before.n,
    newItems,
    keys: new Map(
      keys.map((k) => [
        k.keyId,
        creditsAfter(
          strategy,
          k.credits?.remaining ?? null,
          k.credits?.refill?.amount ?? 0,
          to.credits,
        ),
      ]),
    ),
  };
}

async function expectAppliedOnce(
  externalId: string,
  planId: string,
  exp: Awaited<ReturnType<typeof expectation>>,
) {
  const to = planById(deps.catalog, planId)!;
  for (const k of await deps.upstream.unkey.keysOf(externalId)) {
    expect(k.credits?.remaining ?? null, k.keyId).toBe(exp.keys.get(k.keyId));
    if (k.credits?.remaining !== null && k.credits)
      expect(k.credits.refill?.amount).toBe(to.credits);
  }
  expect(await currentPlan(externalId)).toBe(planId);
  expect(pending(exp.subId).n).toBe(exp.pendingBefore + exp.newItems);
  const sub = await deps.upstream.stripe.retrieveSubscription(exp.subId);
  expect(sub.items.map((i) => i.lookupKey).sort()).toEqual(
    [to.stripe.basePriceLookupKey, to.stripe.overagePriceLookupKey].sort(),
  );
}

describe("plans.preview", () => {
  for (const strategy of ["add_difference", "reset"] as const) {
    it(`acme-corp growth → scale (${strategy}): numbers match an independent calculation`, async () => {
      const keys = await deps.upstream.unkey.keysOf("acme-corp");
      expect(keys).toHaveLength(2);
      const caller = await callerAs(deps, "account_manager");
      const p = await caller.plans.preview({ externalId: "acme-corp", planId: "scale", strategy });
      expect(p.fromPlan).toEqual({ id: "growth", name: "Growth" });
      expect(p.toPlan).toEqual({ id: "scale", name: "Scale" });
      for (const k of keys) {
        const row = p.keys.find((x) => x.keyId === k.keyId)!;
        const r = k.credits!.remaining!;
        expect(row.creditsNow).toBe(r);
        expect(row.refillBefore).toEqual({ interval: "monthly", amount: 100_000, refillDay: 31 });
        expect(row.creditsAfter).toBe(
          strategy === "reset" ? 1_000_000 : Math.max(0, r + 1_000_000 - 100_000),
        );
        expect(row.refillAfter).toEqual({ interval: "monthly", amount: 1_000_000, refillDay: 1 });
        expect(row.nextRefillAfter).toBe("2026-04-01T00:00:00.000Z");
      }
      expect(p.poolsAfter.map((x) => [x.name, x.scope])).toEqual([
        ["requests", "identity"],
        ["heavy", "identity"],
      ]);
      expect(p.poolsBefore.map((x) => `${x.scope}:${x.name}`).sort()).toEqual([
        "identity:requests",
        "key:burst",
      ]);

      // Stripe's own preview of the same change at the same instant.
      const { customerId, sub } = await subscriptionOf("acme-corp");
      const prices = await deps.upstream.stripe.pricesByLookupKeys([
        "scale_base_monthly",
        "scale_overage_credit",
      ]);
      const direct = await rawStripe().invoices.createPreview({
        customer: customerId,
        subscription: sub.id,
        subscription_details: {
          items: sub.items.map((i) => ({
            id: i.id,
            price: prices.get(
              i.usageType === "metered" ? "scale_overage_credit" : "scale_base_monthly",
            )!,
          })),
          proration_behavior: "create_prorations",
          proration_date: p.stripe!.prorationDate,
        },
      });
      expect(p.stripe!.nextInvoiceTotal).toBe(direct.total);
      expect(p.stripe!.lines.map((l) => l.amount)).toEqual(direct.lines.data.map((l) => l.amount));
      expect(p.stripe!.prorationTotal).toBe(
        direct.lines.data
          .filter((l) => l.parent?.subscription_item_details?.proration)
          .reduce((a, l) => a + l.amount, 0),
      );
      expect(p.stripe!.prorationTotal).toBeGreaterThan(0);
    });
  }

  it("initech starter → growth: monthly refill on the subscription's anchor day", async () => {
    const { sub } = await subscriptionOf("initech");
    const day = new Date(sub.billingCycleAnchor * 1000).getUTCDate();
    const p = await previewPlanChange(deps, {
      externalId: "initech",
      planId: "growth",
      strategy: "add_difference",
    });
    expect(p.fromPlan?.id).toBe("starter");
    for (const k of p.keys.filter((x) => !x.unlimited)) {
      expect(k.refillBefore?.interval).toBe("daily");
      expect(k.refillAfter).toEqual({ interval: "monthly", amount: 100_000, refillDay: day });
      expect(k.creditsAfter).toBe(Math.max(0, k.creditsNow! + 100_000 - 1_000));
    }
  });

  it("warns about the same plan; unknown plan is a BAD_REQUEST naming planId", async () => {
    const p = await previewPlanChange(deps, {
      externalId: "acme-corp",
      planId: "growth",
      strategy: "reset",
    });
    expect(p.warnings.join(" ")).toContain("already on Growth");
    const caller = await callerAs(deps, "admin");
    await expect(
      caller.plans.preview({ externalId: "acme-corp", planId: "nope", strategy: "reset" }),
    ).rejects.toMatchObject({
      code: "BAD_REQUEST",
      message: expect.stringContaining("planId") as unknown,
    });
  });

  it("support and finance are refused", async () => {
    for (const role of ["support", "finance"] as const) {
      const caller = await callerAs(deps, role);
      await expect(
        caller.plans.preview({ externalId: "initech", planId: "growth", strategy: "reset" }),
      ).rejects.toMatchObject({ code: "FORBIDDEN" });
      await expect(
        caller.plans.change({
          operationId: randomUUID(),
          externalId: "initech",
          planId: "growth",
          strategy: "reset",
        }),
      ).rejects.toMatchObject({ code: "FORBIDDEN" });
    }
  });
});

describe("plans.change", () => {
  it("upgrades initech starter → growth as previewed, once, and repeats idempotently", async () => {
    const caller = await callerAs(deps, "account_manager");
    const identityBefore = await deps.upstream.unkey.getIdentity({ externalId: "initech" });
    const { sub } = await subscriptionOf("initech");
    const before = pending(sub.id);
    const preview = await caller.plans.preview({
      externalId: "initech",
      planId: "growth",
      strategy: "add_difference",
    });
    const input = {
      operationId: randomUUID(),
      externalId: "initech",
      planId: "growth",
      strategy: "add_difference" as const,
      prorationDate: preview.stripe!.prorationDate,
    };
    const op = await caller.plans.change(input);
    expect(op.state).toBe("done");
    expect(op.kind).toBe("plan_change");

    const keys = await deps.upstream.unkey.keysOf("initech");
    for (const k of keys) {
      const row = preview.keys.find((x) => x.keyId === k.keyId)!;
      expect(k.credits?.remaining ?? null).toBe(row.creditsAfter);
      if (!row.unlimited) expect(k.credits?.refill).toEqual(row.refillAfter);
      expect(k.ratelimits.map((r) => r.name)).toEqual(["burst"]);
    }
    const identity = await deps.upstream.unkey.getIdentity({ externalId: "initech" });
    expect(identity.meta).toEqual({ ...identityBefore.meta, plan: "growth" });
    expect(identity.ratelimits).toEqual([
      { name: "requests", limit: 50, durationMs: 1000, autoApply: true },
    ]);
    const after = await deps.upstream.stripe.retrieveSubscription(sub.id);
    expect(after.items.map((i) => i.lookupKey).sort()).toEqual([
      "growth_base_monthly",
      "growth_overage_credit",
    ]);
    // Exactly the previewed proration, once.
    const now = pending(sub.id);
    expect(now.sum - before.sum).toBe(preview.stripe!.prorationTotal - before.sum);
    expect(now.n - before.n).toBe(
      preview.stripe!.lines.filter((l) => l.proration).length - before.n,
    );

    const again = await caller.plans.change(input);
    expect(again.id).toBe(op.id);
    expect(again.state).toBe("done");
    expect(pending(sub.id)).toEqual(now);
    await expect(caller.plans.change({ ...input, strategy: "reset" })).rejects.toMatchObject({
      code: "CONFLICT",
      message: expect.stringContaining("strategy") as unknown,
    });

    const audit = await deps.repos.audit.list({ limit: 200 });
    const mine = audit.filter((a) => a.after_json?.includes(op.id)).map((a) => a.action);
    expect(mine.sort()).toEqual(
      [
        "plan_change.requested",
        "plan_change.unkey_applied",
        "plan_change.stripe_applied",
        "plan_change.done",
      ].sort(),
    );
  });
});

const otherPlan = async (externalId: string) =>
  (await currentPlan(externalId)) === "scale" ? "growth" : "scale";

describe("faults at every step", () => {
  const kinds = [
    { kind: "status", status: 503 },
    { kind: "status", status: 429 },
    { kind: "timeout" },
    { kind: "drop" },
  ] as const;
  const endpoints = [
    ["unkey", "keys.updateKey"],
    ["unkey", "identities.updateIdentity"],
    ["stripe", "POST /v1/subscriptions/*"],
  ] as const;
  for (const [service, endpoint] of endpoints) {
    for (const fault of kinds) {
      for (const after of [false, true]) {
        const label = `${endpoint} ${fault.kind}${"status" in fault ? ` ${fault.status}` : ""}${after ? " (after)" : ""}`;
        it(`${label} → done, applied exactly once`, async () => {
          const planId = await otherPlan("acme-corp");
          const exp = await expectation("acme-corp", planId, "add_difference");
          sandbox.faults[service].add({ endpoint, ...fault, times: 1, after });
          const op = await createPlanChange(deps, am, {
            operationId: randomUUID(),
            externalId: "acme-corp",
            planId,
            strategy: "add_difference",
          });
          expect(op.state, op.reviewReason ?? op.error ?? "").toBe("done");
          await expectAppliedOnce("acme-corp", planId, exp);
        });
      }
    }
  }

  it("Stripe refusing on every attempt → needs_review, Unkey applied once, no proration", async () => {
    const planId = await otherPlan("acme-corp");
    const exp = await expectation("acme-corp", planId, "add_difference");
    sandbox.faults.stripe.add({
      endpoint: "POST /v1/subscriptions/*",
      kind: "status",
      status: 500,
    });
    const op = await createPlanChange(deps, am, {
      operationId: randomUUID(),
      externalId: "acme-corp",
      planId,
      strategy: "add_difference",
    });
    expect(op.state).toBe("needs_review");
    expect(op.reviewReason).toContain(`${op.id}:subscription`);
    for (const k of await deps.upstream.unkey.keysOf("acme-corp")) {
      expect(k.credits?.remaining ?? null).toBe(exp.keys.get(k.keyId));
    }
    expect(pending(exp.subId).n).toBe(exp.pendingBefore);
    // Put Stripe back in line with Unkey for the next tests: a fresh change to the same plan.
    sandbox.faults.stripe.clear();
    const fix = await createPlanChange(deps, am, {
      operationId: randomUUID(),
      externalId: "acme-corp",
      planId,
      strategy: "reset",
    });
    expect(fix.state).toBe("done");
  });

  it("Unkey refusing every key write → failed, nothing applied", async () => {
    const planId = await otherPlan("acme-corp");
    const keysBefore = await deps.upstream.unkey.keysOf("acme-corp");
    const { sub } = await subscriptionOf("acme-corp");
    const before = pending(sub.id);
    sandbox.faults.unkey.add({ endpoint: "keys.updateKey", kind: "status", status: 503 });
    const op = await createPlanChange(deps, am, {
      operationId: randomUUID(),
      externalId: "acme-corp",
      planId,
      strategy: "add_difference",
    });
    expect(op.state).toBe("failed");
    expect(await deps.upstream.unkey.keysOf("acme-corp")).toEqual(keysBefore);
    expect(pending(sub.id)).toEqual(before);
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
      const planId = await otherPlan("acme-corp");
      const exp = await expectation("acme-corp", planId, "add_difference");
      const operationId = randomUUID();
      configureExecutor(deps, { killAt: point });
      await expect(
        createPlanChange(deps, am, {
          operationId,
          externalId: "acme-corp",
          planId,
          strategy: "add_difference",
        }),
      ).rejects.toBeInstanceOf(SimulatedCrash);
      configureExecutor(deps, { killAt: null, newOwner: true });
      const r = await resumePending(deps, { force: true });
      expect(r.failed).toBe(0);
      const op = await deps.repos.operations.byId(operationId);
      expect(op?.state).toBe("done");
      await expectAppliedOnce("acme-corp", planId, exp);
    });
  }
});

describe("concurrency", () => {
  it("20 concurrent submissions of one plan change → one application", async () => {
    const planId = await otherPlan("acme-corp");
    const exp = await expectation("acme-corp", planId, "add_difference");
    const input = {
      operationId: randomUUID(),
      externalId: "acme-corp",
      planId,
      strategy: "add_difference" as const,
    };
    const results = await Promise.all(
      Array.from({ length: 20 }, () => createPlanChange(deps, am, input)),
    );
    expect(new Set(results.map((r) => r.id)).size).toBe(1);
    expect((await deps.repos.operations.byId(input.operationId))?.state).toBe("done");
    await expectAppliedOnce("acme-corp", planId, exp);
  });
});
