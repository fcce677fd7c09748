/**
 * Overage credit grants: preview, submit (with the support limits), and the executor steps.
 *
 * Unkey step: `keys.updateCredits` with `increment` (never `set`: a set computed from a read
 * would erase usage consumed since the read). Unkey has no idempotency key, so before the call the
 * executor records its intent (the key's balance and lastUsedAt as read just before); after an
 * uncertain outcome it reads the key again and decides from the difference whether the increment
 * landed, and when it cannot tell, it says so (`needs_review`) instead of incrementing again.
 *
 * Stripe step: billable grants report a meter event whose `identifier` is the operation id (Stripe
 * rejects a second one) with an idempotency key; goodwill grants report nothing, or optionally a
 * promotional credit grant.
 */
import { TRPCError } from "@trpc/server";
import type { Kysely } from "kysely";
import type { AppDeps } from "../context";
import { balanceAfterRefill, nextRefillAt } from "../domain/refill";
import { planById } from "../plans/catalog";
import { monthOf, type Database, type OperationRow, type Role } from "../store/index";
import { UpstreamError } from "../upstream/errors";
import type { UpstreamKey } from "../upstream/index";
import { resolveStripeCustomerId } from "./billing";
import { parseJson, submitOperation, transition, toView, type Actor } from "./operations/core";
import {
  backoff,
  errorText,
  isUncertain,
  registerRunner,
  runOperation,
  type RunContext,
} from "./operations/executor";
import type { GrantCreateInput, GrantPreviewInput, OperationView } from "./operations/schema";
import { isoFromMs } from "../domain/time";

/**
 * The customer's main key: the oldest enabled key with a credit limit (the one a grant tops up
 * unless staff pick another). Unlimited keys cannot take an increment.
 */
export function mainKey(keys: UpstreamKey[]): UpstreamKey | undefined {
  return keys
    .filter((k) => k.enabled && k.credits !== null && k.credits.remaining !== null)
    .sort((a, b) => (a.createdAt ?? 0) - (b.createdAt ?? 0) || a.keyId.localeCompare(b.keyId))[0];
}

async function grantKey(deps: AppDeps, externalId: string, keyId: string | undefined) {
  const keys = await deps.upstream.unkey.keysOf(externalId);
  const key = keyId ? keys.find((k) => k.keyId === keyId) : mainKey(keys);
  if (!key) {
    throw new TRPCError({
      code: "BAD_REQUEST",
      message: keyId
        ? `keyId: ${keyId} is not a key of ${externalId}`
        : `externalId: ${externalId} has no enabled key with a credit limit to grant to`,
    });
  }
  if (!key.credits || key.credits.remaining === null) {
    throw new TRPCError({
      code: "BAD_REQUEST",
      message: `keyId: ${key.keyId} has unlimited credits; a grant cannot add to it`,
    });
  }
  return { key, remaining: key.credits.remaining, refill: key.credits.refill };
}

/** Whether this grant needs an admin's approval, and why. Only support staff have limits. */
export async function approvalNeed(
  deps: AppDeps,
  q: Kysely<Database> | undefined,
  role: Role,
  externalId: string,
  amount: number,
): Promise<string | null> {
  if (role !== "support") return null;
  const { supportMaxPerGrant, supportMaxPerCustomerMonth } = deps.config.grants;
  if (amount > supportMaxPerGrant) {
    return `${amount} credits is above the support limit of ${supportMaxPerGrant} per grant`;
  }
  const month = monthOf(deps.now());
  const used = await deps.repos.operations.grantedInMonth(externalId, month, q);
  if (used + amount > supportMaxPerCustomerMonth) {
    return `${used} credits already granted to ${externalId} in ${month}; ${amount} more exceeds the support limit of ${supportMaxPerCustomerMonth} per customer per month`;
  }
  return null;
}

export async function previewGrant(deps: AppDeps, role: Role, input: GrantPreviewInput) {
  const { key, remaining, refill } = await grantKey(deps, input.externalId, input.keyId);
  const now = deps.now();
  const after = remaining + input.amount;
  const next = refill ? nextRefillAt(refill, now) : null;
  const atRefill = refill ? balanceAfterRefill(after, refill) : null;
  // Refill replaces: whatever of the balance is below the allowance at that instant is reset to
  // the allowance, so granted credits still unspent then are lost (unless the balance is above it).
  const lostAtRefill = refill && after < refill.amount ? Math.min(input.amount, after) : 0;
  const need = await approvalNeed(deps, undefined, role, input.externalId, input.amount);
  return {
    externalId: input.externalId,
    keyId: key.keyId,
    keyName: key.name,
    keyStart: key.start,
    amount: input.amount,
    kind: input.kind,
    balanceNow: remaining,
    balanceAfter: after,
    refill: refill
      ? {
          interval: refill.interval,
          amount: refill.amount,
          refillDay: refill.refillDay,
          nextRefillAt: isoFromMs(next!),
          balanceAtRefill: atRefill!,
          grantedCreditsLostAtRefill: lostAtRefill,
        }
      : null,
    needsApproval: need !== null,
    approvalReason: need,
    limits: {
      perGrant: deps.config.grants.supportMaxPerGrant,
      perCustomerMonth: deps.config.grants.supportMaxPerCustomerMonth,
      appliesToRole: role === "support",
    },
  };
}

export async function createGrant(
  deps: AppDeps,
  actor: Actor,
  input: GrantCreateInput,
): Promise<OperationView> {
  const { operationId, ...fields } = input;
  const { row, created } = await submitOperation(deps, {
    id: operationId,
    kind: "grant",
    actor,
    externalId: input.externalId,
    input: fields,
    amount: input.amount,
    decide: async (trx) => {
      const reason = await approvalNeed(deps, trx, actor.role, input.externalId, input.amount);
      return reason
        ? { state: "awaiting_approval", reviewReason: reason }
        : { state: "pending", reviewReason: null };
    },
  });
  // A repeat submission of a running operation only reports its state; the claim in
  // runOperation makes sure one submission runs it.
  const final = created || row.state === "pending" ? await runOperation(deps, row.id) : row;
  return toView(final ?? row);
}

// ---------------------------------------------------------------------------------------------
// Executor

interface GrantInput {
  externalId: string;
  keyId?: string;
  amount: number;
  kind: "billable" | "goodwill";
  stripeCreditGrant?: boolean;
}

interface GrantSteps {
  plan?: { keyId: string; stripeCustomerId: string | null; creditGrantCents: number | null };
  unkey?: {
    keyId: string;
    preRemaining: number;
    preLastUsedAt: number | null;
    preReadAt: number;
    /** true from just before the call until its outcome is known. */
    inFlight: boolean;
    attempts: number;
    remainingAfter?: number | null;
    verified?: string;
  };
  stripe?: {
    kind: "meter_event" | "credit_grant" | "none";
    identifier?: string;
    /** Unix seconds, fixed at the first attempt so retries are the same request. */
    timestamp?: number;
    attempts: number;
    result?: string;
  };
}

function stepsOf(row: OperationRow): GrantSteps {
  return parseJson(row.steps_json);
}

async function planGrant(ctx: RunContext, row: OperationRow, input: GrantInput) {
  const { deps } = ctx;
  let keyId: string;
  try {
    keyId = (await grantKey(deps, input.externalId, input.keyId)).key.keyId;
  } catch (err) {
    if (err instanceof TRPCError) {
      return transition(deps, row, { state: "failed", error: err.message });
    }
    throw err;
  }
  let stripeCustomerId: string | null = null;
  let creditGrantCents: number | null = null;
  if (input.kind === "billable" || input.stripeCreditGrant) {
    stripeCustomerId = await resolveStripeCustomerId(deps, input.externalId);
    if (!stripeCustomerId && input.kind === "billable") {
      return transition(deps, row, {
        state: "failed",
        error: `${input.externalId} has no Stripe customer, so billable overage cannot be billed; nothing was applied`,
      });
    }
  }
  if (input.stripeCreditGrant && stripeCustomerId) {
    // The grant's value at the customer's overage price, so finance sees what was given away.
    const identity = await deps.upstream.unkey.getIdentity({ externalId: input.externalId });
    const plan = planById(deps.catalog, String(identity.meta.plan ?? ""));
    if (plan)
      creditGrantCents = Math.max(1, Math.round(input.amount * Number(plan.overageUnitPrice)));
  }
  const steps: GrantSteps = { plan: { keyId, stripeCustomerId, creditGrantCents } };
  return transition(deps, row, { steps: { ...steps } });
}

type Verdict =
  { applied: true; note: string; remaining: number } | { applied: false } | { review: string };

/**
 * Did the increment land? Compares the key's balance now (R1) with the one recorded just before
 * the call (R0): only an increment (or a refill) raises a balance, verifications lower it.
 * - R1 − R0 = amount: applied.
 * - 0 < R1 − R0 < amount: applied, and R0 + amount − R1 credits were spent meanwhile.
 * - R1 = R0 and the key was not used since (lastUsedAt unchanged): not applied, safe to retry.
 * - a refill instant passed, R1 − R0 > amount, or R1 ≤ R0 with usage in between: the effect
 *   cannot be separated from spend or refills → a person must look (needs_review).
 * Caveat written down for reviewers: another increment of the same key from outside this
 * operation in the window would be mistaken for ours.
 */
async function verifyIncrement(
  ctx: RunContext,
  u: NonNullable<GrantSteps["unkey"]>,
  amount: number,
): Promise<Verdict> {
  let key: UpstreamKey | undefined;
  for (let attempt = 1; attempt <= ctx.tuning.attempts && !key; attempt++) {
    try {
      key = await ctx.deps.upstream.unkey.getKey(u.keyId);
    } catch (err) {
      if (!(err instanceof UpstreamError) || !isUncertain(err)) {
        return { review: `could not read key ${u.keyId} to verify the grant: ${errorText(err)}` };
      }
      await ctx.sleep(backoff(ctx, attempt, err));
    }
  }
  if (!key) return { review: `could not read key ${u.keyId} to verify the grant` };
  const r1 = key.credits?.remaining ?? null;
  if (r1 === null) return { review: `key ${u.keyId} has become unlimited; check it` };
  const refill = key.credits?.refill ?? null;
  if (refill && nextRefillAt(refill, u.preReadAt) <= ctx.deps.now()) {
    return {
      review: `a refill happened between the grant attempt and its check (balance ${u.preRemaining} → ${r1}); check whether ${amount} credits were added`,
    };
  }
  const d = r1 - u.preRemaining;
  const unused = key.lastUsedAt === u.preLastUsedAt;
  if (d === amount) return { applied: true, note: "balance rose by the amount", remaining: r1 };
  if (d > 0 && d < amount) {
    return {
      applied: true,
      note: `balance rose by ${d}; ${amount - d} credits were spent meanwhile`,
      remaining: r1,
    };
  }
  if (d === 0 && unused) return { applied: false };
  return {
    review: `cannot tell whether ${amount} credits were added to ${u.keyId}: balance ${u.preRemaining} before, ${r1} after${unused ? "" : ", and the key was used in between"}`,
  };
}

async function applyUnkey(ctx: RunContext, row: OperationRow, input: GrantInput) {
  const { deps } = ctx;
  const keyId = stepsOf(row).plan!.keyId;
  let lastError = "";
  for (let attempt = 1; ; attempt++) {
    const steps = stepsOf(row);
    const u = steps.unkey;
    if (u?.inFlight) {
      const verdict = await verifyIncrement(ctx, u, input.amount);
      if ("review" in verdict) {
        return transition(deps, row, { state: "needs_review", reviewReason: verdict.review });
      }
      if (verdict.applied) {
        return transition(deps, row, {
          state: "unkey_applied",
          steps: {
            ...steps,
            unkey: {
              ...u,
              inFlight: false,
              remainingAfter: verdict.remaining,
              verified: verdict.note,
            },
          },
        });
      }
      // Verified not applied: a fresh attempt is safe.
    }
    if (attempt > ctx.tuning.attempts) {
      return transition(deps, row, {
        state: "failed",
        steps: { ...steps, unkey: u ? { ...u, inFlight: false } : undefined },
        error: `Unkey did not take the increment after ${ctx.tuning.attempts} attempts (${lastError}); verified that nothing was applied`,
      });
    }
    let pre: UpstreamKey;
    try {
      pre = await deps.upstream.unkey.getKey(keyId);
    } catch (err) {
      if (!(err instanceof UpstreamError)) throw err;
      lastError = err.message;
      if (!isUncertain(err)) return transition(deps, row, { state: "failed", error: err.message });
      await ctx.sleep(backoff(ctx, attempt, err));
      continue;
    }
    const preRemaining = pre.credits?.remaining ?? null;
    if (preRemaining === null) {
      return transition(deps, row, {
        state: "failed",
        error: `key ${keyId} has unlimited credits; nothing was applied`,
      });
    }
    // The intent is durable before the call: a crash from here on resumes into verification.
    row = await transition(deps, row, {
      steps: {
        ...steps,
        unkey: {
          keyId,
          preRemaining,
          preLastUsedAt: pre.lastUsedAt,
          preReadAt: deps.now(),
          inFlight: true,
          attempts: attempt,
        },
      },
    });
    ctx.checkpoint("before_unkey_call");
    let remainingAfter: number | null;
    try {
      ({ remaining: remainingAfter } = await deps.upstream.unkey.updateCredits({
        keyId,
        operation: "increment",
        value: input.amount,
      }));
    } catch (err) {
      if (!(err instanceof UpstreamError)) throw err;
      lastError = err.message;
      if (!isUncertain(err)) {
        // Unkey answered with a refusal (4xx): the request was not applied.
        const s = stepsOf(row);
        return transition(deps, row, {
          state: "failed",
          steps: { ...s, unkey: { ...s.unkey!, inFlight: false } },
          error: err.message,
        });
      }
      await ctx.sleep(backoff(ctx, attempt, err));
      continue;
    }
    ctx.checkpoint("after_unkey_call");
    const s = stepsOf(row);
    row = await transition(deps, row, {
      state: "unkey_applied",
      steps: { ...s, unkey: { ...s.unkey!, inFlight: false, remainingAfter } },
    });
    ctx.checkpoint("unkey_applied");
    return row;
  }
}

async function applyStripe(ctx: RunContext, row: OperationRow, input: GrantInput) {
  const { deps } = ctx;
  const plan = stepsOf(row).plan!;
  const kind =
    input.kind === "billable"
      ? "meter_event"
      : input.stripeCreditGrant && plan.stripeCustomerId && plan.creditGrantCents
        ? "credit_grant"
        : "none";
  if (kind === "none") {
    return transition(deps, row, {
      state: "stripe_applied",
      steps: { ...stepsOf(row), stripe: { kind, attempts: 0, result: "goodwill: not billed" } },
    });
  }
  if (!stepsOf(row).stripe) {
    row = await transition(deps, row, {
      steps: {
        ...stepsOf(row),
        stripe: {
          kind,
          identifier: row.id,
          timestamp: Math.floor(deps.now() / 1000),
          attempts: 0,
        },
      },
    });
  }
  let lastError = "";
  for (let attempt = 1; attempt <= ctx.tuning.attempts; attempt++) {
    const steps = stepsOf(row);
    const st = steps.stripe!;
    ctx.checkpoint("before_stripe_call");
    let result: string;
    try {
      if (kind === "meter_event") {
        const { meter } = deps.catalog;
        const r = await deps.upstream.stripe.createMeterEvent({
          eventName: meter.eventName,
          payload: {
            [meter.customerPayloadKey]: plan.stripeCustomerId!,
            [meter.valuePayloadKey]: String(input.amount),
          },
          identifier: row.id,
          timestamp: st.timestamp!,
          idempotencyKey: `${row.id}:meter_event`,
        });
        result = r.duplicate ? "meter event already recorded" : "meter event recorded";
      } else {
        const r = await deps.upstream.stripe.createCreditGrant({
          customerId: plan.stripeCustomerId!,
          amountCents: plan.creditGrantCents!,
          currency: "usd",
          name: `Goodwill: ${input.amount} credits`,
          metadata: { operation_id: row.id, external_id: input.externalId },
          idempotencyKey: `${row.id}:credit_grant`,
        });
        result = `credit grant ${r.id}`;
      }
    } catch (err) {
      if (!(err instanceof UpstreamError)) throw err;
      lastError = err.message;
      if (!isUncertain(err)) break;
      await ctx.sleep(backoff(ctx, attempt, err));
      continue;
    }
    ctx.checkpoint("after_stripe_call");
    row = await transition(deps, row, {
      state: "stripe_applied",
      steps: { ...steps, stripe: { ...st, attempts: attempt, result } },
    });
    ctx.checkpoint("stripe_applied");
    return row;
  }
  // Retrying later with the same idempotency key and identifier is safe; an admin decides.
  return transition(deps, row, {
    state: "needs_review",
    reviewReason: `The credits were added in Unkey, but Stripe did not record the ${kind === "meter_event" ? "meter event" : "credit grant"} (${lastError}). Retrying is safe: it reuses identifier ${row.id}.`,
  });
}

async function runGrant(ctx: RunContext, row: OperationRow): Promise<OperationRow> {
  const input = parseJson(row.input_json) as unknown as GrantInput;
  if (row.state === "pending" && !stepsOf(row).plan) {
    row = await planGrant(ctx, row, input);
    if (row.state !== "pending") return row;
  }
  if (row.state === "pending") row = await applyUnkey(ctx, row, input);
  if (row.state === "unkey_applied") row = await applyStripe(ctx, row, input);
  if (row.state === "stripe_applied") {
    row = await transition(ctx.deps, row, { state: "done" });
    await ctx.deps.directory.refreshCustomer(row.external_id).catch((err: unknown) => {
      ctx.deps.log.warn({ err, operationId: row.id }, "refresh after grant failed");
    });
  }
  return row;
}

registerRunner("grant", runGrant);
