/**
 * Plan changes: preview and the executor steps (kind "plan_change"), on the same operations
 * engine as grants (stored before any upstream call, one runner via the lease, resumed on start).
 *
 * Unkey step, per key: credits + refill + key-scoped pools in one `keys.updateKey`. This is a `set`
 * (the new balance is the intent of a plan change), computed from a read taken right before the
 * write. Unkey has no idempotency key, so the intent (the pre-read and the target) is recorded
 * before each call and a per-key done marker after it: a resume skips finished keys, and after an
 * uncertain outcome the key is re-read and compared with the target instead of written again
 * (writing "add the difference" twice would add it twice). Then the identity: its pools and
 * `meta.plan` (merged into the existing meta) — an idempotent write, so it is simply retried.
 *
 * Stripe step: `subscriptions.update` moving the base and metered items to the new plan's prices,
 * `create_prorations` at the proration date fixed when the operation was planned, idempotency key
 * `<opId>:subscription` (a retry or a resume replays, it does not prorate twice).
 */
import { TRPCError } from "@trpc/server";
import type { AppDeps } from "../context";
import { creditsAfter, targetRefill, type CreditsStrategy } from "../domain/plan-change";
import { nextRefillAt, type RefillSpec } from "../domain/refill";
import { planById, type Plan } from "../plans/catalog";
import type { OperationRow } from "../store/index";
import { UpstreamError } from "../upstream/errors";
import type { Pool, UpstreamIdentity, UpstreamKey } from "../upstream/index";
import type { StripeSubscriptionSummary } from "../upstream/stripe";
import { forgetBillingCustomer, resolveStripeCustomerId } from "./billing";
import { parseJson, submitOperation, toView, transition, type Actor } from "./operations/core";
import {
  backoff,
  errorText,
  isUncertain,
  registerRunner,
  runOperation,
  type RunContext,
} from "./operations/executor";
import type { OperationView, PlanChangeInput } from "./operations/schema";
import { isoFromMs } from "../domain/time";

export interface PlanChangePreviewInput {
  externalId: string;
  planId: string;
  strategy: CreditsStrategy;
}

export interface ScopedPool {
  name: string;
  limit: number;
  durationMs: number;
  autoApply: boolean;
  scope: "identity" | "key";
}

const live: Record<string, number> = {
  active: 0,
  trialing: 1,
  past_due: 2,
  unpaid: 3,
  paused: 4,
  incomplete: 5,
};

function planOrThrow(deps: AppDeps, planId: string): Plan {
  const plan = planById(deps.catalog, planId);
  if (!plan) {
    throw new TRPCError({ code: "BAD_REQUEST", message: `planId: no plan "${planId}"` });
  }
  return plan;
}

async function identityOrThrow(deps: AppDeps, externalId: string): Promise<UpstreamIdentity> {
  try {
    return await deps.upstream.unkey.getIdentity({ externalId });
  } catch (err) {
    if (err instanceof UpstreamError && err.kind === "not_found") {
      throw new TRPCError({
        code: "NOT_FOUND",
        message: `externalId: no Unkey identity ${externalId}`,
      });
    }
    throw err;
  }
}

const toPool = (p: Pool | ScopedPool): Pool => ({
  name: p.name,
  limit: p.limit,
  durationMs: p.durationMs,
  autoApply: p.autoApply,
});
const poolsOf = (plan: Plan, scope: "identity" | "key"): Pool[] =>
  plan.pools.filter((p) => p.scope === scope).map(toPool);

/** Same pools regardless of order. */
function samePools(a: Pool[], b: Pool[]): boolean {
  const norm = (x: Pool[]) =>
    JSON.stringify(x.map(toPool).sort((p, q) => p.name.localeCompare(q.name)));
  return norm(a) === norm(b);
}

function sameRefill(a: RefillSpec | null, b: RefillSpec | null): boolean {
  if (!a || !b) return a === b;
  return a.interval === b.interval && a.amount === b.amount && a.refillDay === b.refillDay;
}

/** The Stripe side of a change: the subscription and which price each item moves to. */
interface StripePlan {
  customerId: string;
  subscriptionId: string;
  currency: string;
  anchor: number;
  items: { id: string; price: string }[];
  /** Items already on the target prices are left out of `items`; this says if any change. */
  changes: boolean;
}

/**
 * Finds the customer's live subscription and maps its items to the new plan's prices by lookup
 * key: licensed items → the base price, metered items → the overage price. `null` with a reason
 * when there is nothing to change in Stripe.
 */
async function stripePlanFor(
  deps: AppDeps,
  externalId: string,
  plan: Plan,
): Promise<{ plan: StripePlan | null; warning: string | null }> {
  const customerId = await resolveStripeCustomerId(deps, externalId);
  if (!customerId) {
    return {
      plan: null,
      warning: `${externalId} has no Stripe customer: only Unkey changes, nothing is billed`,
    };
  }
  const subs = (await deps.upstream.stripe.listSubscriptions(customerId))
    .filter((s) => Object.hasOwn(live, s.status))
    .sort((a, b) => (live[a.status] ?? 9) - (live[b.status] ?? 9));
  const sub = subs[0];
  if (!sub) {
    return {
      plan: null,
      warning: `${externalId} has no live Stripe subscription: only Unkey changes, nothing is billed`,
    };
  }
  const { basePriceLookupKey, overagePriceLookupKey } = plan.stripe;
  const prices = await deps.upstream.stripe.pricesByLookupKeys([
    basePriceLookupKey,
    overagePriceLookupKey,
  ]);
  const base = prices.get(basePriceLookupKey);
  const overage = prices.get(overagePriceLookupKey);
  if (!base || !overage) {
    throw new TRPCError({
      code: "PRECONDITION_FAILED",
      message: `Stripe has no price with lookup key ${!base ? basePriceLookupKey : overagePriceLookupKey} (plan ${plan.id}); fix the catalog or Stripe before changing plans`,
    });
  }
  const full = await deps.upstream.stripe.retrieveSubscription(sub.id);
  const targets = full.items.map((it) => ({
    id: it.id,
    price: it.usageType === "metered" ? overage : base,
    current: it.priceId,
  }));
  return {
    plan: {
      customerId,
      subscriptionId: sub.id,
      currency: full.items[0]?.currency ?? "usd",
      anchor: full.billingCycleAnchor,
      items: targets.map(({ id, price }) => ({ id, price })),
      changes: targets.some((t) => t.price !== t.current),
    },
    warning: null,
  };
}

/** A key's target under the plan, from a fresh read of the key. */
interface KeyTarget {
  /** null: the key is unlimited (or has no credit limit) and stays so; only pools change. */
  credits: { remaining: number; refill: RefillSpec } | null;
  ratelimits: Pool[];
}

function keyTarget(
  key: UpstreamKey,
  from: Plan | undefined,
  to: Plan,
  strategy: CreditsStrategy,
  anchor: number | null,
): KeyTarget {
  const ratelimits = poolsOf(to, "key");
  const remaining = key.credits?.remaining ?? null;
  if (remaining === null) return { credits: null, ratelimits };
  const current = key.credits?.refill ?? null;
  const refill = targetRefill(to.refill, to.credits, anchor, current);
  const oldAllowance = current?.amount ?? from?.credits ?? 0;
  return {
    credits: { remaining: creditsAfter(strategy, remaining, oldAllowance, to.credits)!, refill },
    ratelimits,
  };
}

function scopedPools(identity: UpstreamIdentity, keys: UpstreamKey[]): ScopedPool[] {
  const out: ScopedPool[] = identity.ratelimits.map((p) => ({ ...toPool(p), scope: "identity" }));
  const seen = new Set<string>();
  for (const k of keys) {
    for (const p of k.ratelimits) {
      const sig = JSON.stringify(toPool(p));
      if (seen.has(sig)) continue;
      seen.add(sig);
      out.push({ ...toPool(p), scope: "key" });
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Preview

export async function previewPlanChange(deps: AppDeps, input: PlanChangePreviewInput) {
  const to = planOrThrow(deps, input.planId);
  const identity = await identityOrThrow(deps, input.externalId);
  const keys = await deps.upstream.unkey.keysOf(input.externalId);
  const fromId = typeof identity.meta.plan === "string" ? identity.meta.plan : null;
  const from = fromId ? planById(deps.catalog, fromId) : undefined;
  const warnings: string[] = [];
  if (from?.id === to.id) {
    warnings.push(
      `${input.externalId} is already on ${to.name}: only credits and pools are re-applied`,
    );
  }
  if (fromId && !from) warnings.push(`the current plan "${fromId}" is not in the catalog`);
  if (keys.length === 0) warnings.push(`${input.externalId} has no keys: no credits change`);

  let stripe: Awaited<ReturnType<typeof stripePlanFor>>["plan"] = null;
  try {
    const s = await stripePlanFor(deps, input.externalId, to);
    stripe = s.plan;
    if (s.warning) warnings.push(s.warning);
  } catch (err) {
    if (!(err instanceof UpstreamError)) throw err;
    warnings.push(`Stripe could not be read (${err.message}); the proration is not shown`);
  }
  const now = deps.now();
  const prorationDate = Math.floor(now / 1000);
  let stripeOut: {
    subscriptionId: string;
    currency: string;
    prorationDate: number;
    prorationTotal: number;
    nextInvoiceTotal: number;
    lines: { description: string | null; amount: number; proration: boolean }[];
  } | null = null;
  if (stripe) {
    try {
      const inv = await deps.upstream.stripe.previewPriceChange({
        customerId: stripe.customerId,
        subscriptionId: stripe.subscriptionId,
        items: stripe.items,
        prorationDate,
      });
      if (inv) {
        stripeOut = {
          subscriptionId: stripe.subscriptionId,
          currency: inv.currency,
          prorationDate,
          prorationTotal: inv.lines.filter((l) => l.proration).reduce((a, l) => a + l.amount, 0),
          nextInvoiceTotal: inv.total,
          lines: inv.lines,
        };
        if (inv.hasMoreLines) warnings.push("Stripe returned only the first page of invoice lines");
      } else {
        warnings.push("Stripe has no upcoming invoice for this subscription");
      }
    } catch (err) {
      if (!(err instanceof UpstreamError)) throw err;
      warnings.push(`Stripe's proration preview failed (${err.message})`);
    }
    if (!stripe.changes) warnings.push("the Stripe subscription is already on this plan's prices");
  }
  const anchor = stripe?.anchor ?? null;
  if (
    to.refill.interval === "monthly" &&
    to.refill.dayPolicy === "subscription_anchor" &&
    anchor === null
  ) {
    warnings.push("no Stripe billing anchor: monthly refills keep each key's current refill day");
  }
  const out = keys.map((k) => {
    const t = keyTarget(k, from, to, input.strategy, anchor);
    const refillBefore = k.credits?.refill ?? null;
    return {
      keyId: k.keyId,
      name: k.name,
      start: k.start,
      enabled: k.enabled,
      unlimited: t.credits === null,
      creditsNow: k.credits?.remaining ?? null,
      creditsAfter: t.credits?.remaining ?? null,
      refillBefore,
      refillAfter: t.credits?.refill ?? null,
      nextRefillAfter: t.credits ? isoFromMs(nextRefillAt(t.credits.refill, now)) : null,
    };
  });
  const unlimited = out.filter((k) => k.unlimited).length;
  if (unlimited > 0) {
    warnings.push(
      `${unlimited} key${unlimited === 1 ? " has" : "s have"} unlimited credits and stay${unlimited === 1 ? "s" : ""} unlimited (pools still change)`,
    );
  }
  return {
    externalId: input.externalId,
    fromPlan: from ? { id: from.id, name: from.name } : null,
    toPlan: { id: to.id, name: to.name },
    strategy: input.strategy,
    keys: out,
    poolsBefore: scopedPools(identity, keys),
    poolsAfter: to.pools.map((p) => ({ ...p })),
    stripe: stripeOut,
    warnings,
  };
}

// ---------------------------------------------------------------------------------------------
// Submit

export async function createPlanChange(
  deps: AppDeps,
  actor: Actor,
  input: PlanChangeInput,
): Promise<OperationView> {
  planOrThrow(deps, input.planId);
  const { operationId, ...fields } = input;
  const { row, created } = await submitOperation(deps, {
    id: operationId,
    kind: "plan_change",
    actor,
    externalId: input.externalId,
    input: fields,
    amount: null,
  });
  const final = created || row.state === "pending" ? await runOperation(deps, row.id) : row;
  return toView(final ?? row);
}

// ---------------------------------------------------------------------------------------------
// Executor

interface StoredInput {
  externalId: string;
  planId: string;
  strategy: CreditsStrategy;
  prorationDate?: number;
}

interface KeyStep {
  preRemaining: number | null;
  preLastUsedAt: number | null;
  preRefill: RefillSpec | null;
  prePools: Pool[];
  preReadAt: number;
  target: KeyTarget;
  /** true from just before the write until its outcome is known. */
  inFlight: boolean;
  attempts: number;
  done: boolean;
  verified?: string;
}

interface PlanChangeSteps {
  plan?: {
    fromPlanId: string | null;
    toPlanId: string;
    keyIds: string[];
    anchor: number | null;
    stripe: (Omit<StripePlan, "changes" | "anchor"> & { prorationDate: number }) | null;
    stripeNote: string | null;
  };
  keys?: Record<string, KeyStep>;
  identity?: { done: boolean; attempts: number; plan: string; ratelimits: Pool[] };
  stripe?: { attempts: number; result?: string };
}

const stepsOf = (row: OperationRow): PlanChangeSteps => parseJson(row.steps_json);

/** Retries a read (or an idempotent write) on transient failures. */
async function retrying<T>(ctx: RunContext, fn: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (err) {
      if (!(err instanceof UpstreamError) || !isUncertain(err) || attempt >= ctx.tuning.attempts) {
        throw err;
      }
      await ctx.sleep(backoff(ctx, attempt, err));
    }
  }
}

async function planChange(ctx: RunContext, row: OperationRow, input: StoredInput) {
  const { deps } = ctx;
  const to = planById(deps.catalog, input.planId);
  if (!to) {
    return transition(deps, row, { state: "failed", error: `planId: no plan "${input.planId}"` });
  }
  let identity: UpstreamIdentity;
  let keys: UpstreamKey[];
  let stripe: Awaited<ReturnType<typeof stripePlanFor>>;
  try {
    identity = await retrying(ctx, () =>
      deps.upstream.unkey.getIdentity({ externalId: input.externalId }),
    );
    keys = await retrying(ctx, () => deps.upstream.unkey.keysOf(input.externalId));
    stripe = await retrying(ctx, () => stripePlanFor(deps, input.externalId, to));
  } catch (err) {
    if (err instanceof UpstreamError || err instanceof TRPCError) {
      return transition(deps, row, {
        state: "failed",
        error: `could not plan the change, nothing was applied: ${errorText(err)}`,
      });
    }
    throw err;
  }
  let prorationDate = Math.floor(deps.now() / 1000);
  // The preview's proration instant, when the dialog passed it and it is still sensible.
  if (
    input.prorationDate !== undefined &&
    input.prorationDate <= prorationDate &&
    prorationDate - input.prorationDate < 3600
  ) {
    prorationDate = input.prorationDate;
  }
  const steps: PlanChangeSteps = {
    plan: {
      fromPlanId: typeof identity.meta.plan === "string" ? identity.meta.plan : null,
      toPlanId: to.id,
      keyIds: keys.map((k) => k.keyId),
      anchor: stripe.plan?.anchor ?? null,
      stripe: stripe.plan
        ? {
            customerId: stripe.plan.customerId,
            subscriptionId: stripe.plan.subscriptionId,
            currency: stripe.plan.currency,
            items: stripe.plan.items,
            prorationDate,
          }
        : null,
      stripeNote: stripe.warning,
    },
    keys: {},
  };
  return transition(deps, row, { steps: { ...steps } });
}

type Verdict = { applied: true; note: string } | { applied: false } | { review: string };

/**
 * Did the key write land? Compares a fresh read with the recorded pre-read and target:
 * - refill, pools and balance equal the target: applied.
 * - refill and pools equal the target and they differed before (so only our write set them),
 *   balance below the target: applied, credits spent (or a refill) since.
 * - nothing changed since the pre-read (same balance, not used): not applied, safe to write.
 * - anything else: a person must look.
 */
async function verifyKey(ctx: RunContext, keyId: string, s: KeyStep): Promise<Verdict> {
  let key: UpstreamKey;
  try {
    key = await retrying(ctx, () => ctx.deps.upstream.unkey.getKey(keyId));
  } catch (err) {
    return { review: `could not read key ${keyId} to verify the plan change: ${errorText(err)}` };
  }
  const remaining = key.credits?.remaining ?? null;
  const refill = key.credits?.refill ?? null;
  const poolsMatch = samePools(key.ratelimits, s.target.ratelimits);
  const t = s.target.credits;
  const refillMatch = t ? sameRefill(refill, t.refill) : true;
  const creditsMatch = t ? remaining === t.remaining : remaining === s.preRemaining;
  if (poolsMatch && refillMatch && creditsMatch)
    return { applied: true, note: "key matches the target" };
  const changedBefore =
    !samePools(s.prePools, s.target.ratelimits) ||
    (t !== null && !sameRefill(s.preRefill, t.refill));
  if (
    poolsMatch &&
    refillMatch &&
    changedBefore &&
    t &&
    remaining !== null &&
    remaining < t.remaining
  ) {
    return {
      applied: true,
      note: `key has the new refill and pools; balance ${remaining} (target ${t.remaining}, spent since)`,
    };
  }
  const untouched =
    remaining === s.preRemaining &&
    key.lastUsedAt === s.preLastUsedAt &&
    sameRefill(refill, s.preRefill) &&
    samePools(key.ratelimits, s.prePools);
  if (untouched && changedBefore) return { applied: false };
  if (untouched && !changedBefore && t && t.remaining !== s.preRemaining) return { applied: false };
  return {
    review: `cannot tell whether key ${keyId} was changed: balance ${String(s.preRemaining)} before, ${String(remaining)} now, target ${t ? t.remaining : "unlimited"}`,
  };
}

/** One key to its target. `review` / `error` say why it stopped; otherwise the key is done. */
async function applyKey(
  ctx: RunContext,
  row: OperationRow,
  keyId: string,
  input: StoredInput,
): Promise<{ row: OperationRow; review?: string; error?: string }> {
  const { deps } = ctx;
  const plan = stepsOf(row).plan!;
  const to = planById(deps.catalog, plan.toPlanId)!;
  const from = plan.fromPlanId ? planById(deps.catalog, plan.fromPlanId) : undefined;
  let lastError = "";
  for (let attempt = 1; ; attempt++) {
    const steps = stepsOf(row);
    const s = steps.keys?.[keyId];
    if (s?.done) return { row };
    if (s?.inFlight) {
      const verdict = await verifyKey(ctx, keyId, s);
      if ("review" in verdict) return { row, review: verdict.review };
      if (verdict.applied) {
        row = await transition(deps, row, {
          steps: {
            ...steps,
            keys: {
              ...steps.keys,
              [keyId]: { ...s, inFlight: false, done: true, verified: verdict.note },
            },
          },
        });
        return { row };
      }
    }
    if (attempt > ctx.tuning.attempts) {
      return { row, error: `Unkey did not take the update of key ${keyId} (${lastError})` };
    }
    let pre: UpstreamKey;
    try {
      pre = await deps.upstream.unkey.getKey(keyId);
    } catch (err) {
      if (!(err instanceof UpstreamError)) throw err;
      lastError = err.message;
      if (err.kind === "not_found") {
        // Deleted since planning: nothing to change on it.
        const st = stepsOf(row);
        row = await transition(deps, row, {
          steps: {
            ...st,
            keys: {
              ...st.keys,
              [keyId]: { ...(st.keys?.[keyId] as KeyStep), done: true, verified: "key deleted" },
            },
          },
        });
        return { row };
      }
      if (!isUncertain(err)) return { row, error: err.message };
      await ctx.sleep(backoff(ctx, attempt, err));
      continue;
    }
    const target = keyTarget(pre, from, to, input.strategy, plan.anchor);
    const step: KeyStep = {
      preRemaining: pre.credits?.remaining ?? null,
      preLastUsedAt: pre.lastUsedAt,
      preRefill: pre.credits?.refill ?? null,
      prePools: pre.ratelimits,
      preReadAt: deps.now(),
      target,
      inFlight: true,
      attempts: attempt,
      done: false,
    };
    // Durable intent before the call: a crash from here on resumes into verification.
    row = await transition(deps, row, {
      steps: { ...steps, keys: { ...steps.keys, [keyId]: step } },
    });
    ctx.checkpoint("before_unkey_call");
    try {
      await deps.upstream.unkey.updateKey({
        keyId,
        ...(target.credits
          ? {
              credits: {
                remaining: target.credits.remaining,
                refill: {
                  interval: target.credits.refill.interval,
                  amount: target.credits.refill.amount,
                  ...(target.credits.refill.refillDay !== null &&
                  target.credits.refill.interval === "monthly"
                    ? { refillDay: target.credits.refill.refillDay }
                    : {}),
                },
              },
            }
          : {}),
        ratelimits: target.ratelimits,
      });
    } catch (err) {
      if (!(err instanceof UpstreamError)) throw err;
      lastError = err.message;
      if (!isUncertain(err)) {
        // A refusal (4xx): not applied.
        const st = stepsOf(row);
        row = await transition(deps, row, {
          steps: { ...st, keys: { ...st.keys, [keyId]: { ...step, inFlight: false } } },
        });
        return { row, error: err.message };
      }
      await ctx.sleep(backoff(ctx, attempt, err));
      continue;
    }
    ctx.checkpoint("after_unkey_call");
    const st = stepsOf(row);
    row = await transition(deps, row, {
      steps: { ...st, keys: { ...st.keys, [keyId]: { ...step, inFlight: false, done: true } } },
    });
    return { row };
  }
}

/** Identity pools and meta.plan: an idempotent write (meta merged from a fresh read), retried. */
async function applyIdentity(ctx: RunContext, row: OperationRow, input: StoredInput) {
  const { deps } = ctx;
  const to = planById(deps.catalog, stepsOf(row).plan!.toPlanId)!;
  const ratelimits = poolsOf(to, "identity");
  let lastError = "";
  for (let attempt = 1; attempt <= ctx.tuning.attempts; attempt++) {
    try {
      const identity = await deps.upstream.unkey.getIdentity({ externalId: input.externalId });
      if (identity.meta.plan === to.id && samePools(identity.ratelimits, ratelimits)) {
        return { row: await markIdentity(ctx, row, to.id, ratelimits, attempt) };
      }
      const steps = stepsOf(row);
      row = await transition(deps, row, {
        steps: { ...steps, identity: { done: false, attempts: attempt, plan: to.id, ratelimits } },
      });
      ctx.checkpoint("before_unkey_call");
      await deps.upstream.unkey.updateIdentity({
        externalId: input.externalId,
        meta: { ...identity.meta, plan: to.id },
        ratelimits,
      });
      ctx.checkpoint("after_unkey_call");
      return { row: await markIdentity(ctx, row, to.id, ratelimits, attempt) };
    } catch (err) {
      if (!(err instanceof UpstreamError)) throw err;
      lastError = err.message;
      if (!isUncertain(err)) break;
      await ctx.sleep(backoff(ctx, attempt, err));
    }
  }
  return { row, error: `Unkey did not take the identity update (${lastError})` };
}

function markIdentity(
  ctx: RunContext,
  row: OperationRow,
  plan: string,
  ratelimits: Pool[],
  attempts: number,
) {
  const steps = stepsOf(row);
  return transition(ctx.deps, row, {
    steps: { ...steps, identity: { done: true, attempts, plan, ratelimits } },
  });
}

async function applyUnkey(ctx: RunContext, row: OperationRow, input: StoredInput) {
  const { deps } = ctx;
  const keyIds = stepsOf(row).plan!.keyIds;
  const anyDone = () => Object.values(stepsOf(row).keys ?? {}).some((k) => k.done);
  for (const keyId of keyIds) {
    const r = await applyKey(ctx, row, keyId, input);
    row = r.row;
    if (r.review) {
      return transition(deps, row, { state: "needs_review", reviewReason: r.review });
    }
    if (r.error) {
      return anyDone()
        ? transition(deps, row, {
            state: "needs_review",
            reviewReason: `The plan change is half applied in Unkey: ${r.error}. Keys marked done in the steps have the new plan; the others and Stripe do not.`,
          })
        : transition(deps, row, {
            state: "failed",
            error: `${r.error}; verified that nothing was applied`,
          });
    }
  }
  const id = await applyIdentity(ctx, row, input);
  row = id.row;
  if (id.error) {
    return transition(deps, row, {
      state: "needs_review",
      reviewReason: `The keys have the new plan, but ${id.error}. Retrying the identity update is safe.`,
    });
  }
  row = await transition(deps, row, { state: "unkey_applied" });
  ctx.checkpoint("unkey_applied");
  return row;
}

function onTargetPrices(sub: StripeSubscriptionSummary, items: { id: string; price: string }[]) {
  return items.every((t) => sub.items.find((i) => i.id === t.id)?.priceId === t.price);
}

async function applyStripe(ctx: RunContext, row: OperationRow) {
  const { deps } = ctx;
  const sp = stepsOf(row).plan!.stripe;
  if (!sp) {
    return transition(deps, row, {
      state: "stripe_applied",
      steps: {
        ...stepsOf(row),
        stripe: { attempts: 0, result: stepsOf(row).plan!.stripeNote ?? "no Stripe subscription" },
      },
    });
  }
  let lastError = "";
  let uncertain = false;
  for (let attempt = 1; attempt <= ctx.tuning.attempts; attempt++) {
    const steps = stepsOf(row);
    row = await transition(deps, row, { steps: { ...steps, stripe: { attempts: attempt } } });
    ctx.checkpoint("before_stripe_call");
    let result: string;
    try {
      await deps.upstream.stripe.updateSubscriptionPrices({
        subscriptionId: sp.subscriptionId,
        items: sp.items,
        prorationDate: sp.prorationDate,
        idempotencyKey: `${row.id}:subscription`,
      });
      result = `subscription ${sp.subscriptionId} moved to ${sp.items.map((i) => i.price).join(", ")}`;
    } catch (err) {
      if (!(err instanceof UpstreamError)) throw err;
      lastError = err.message;
      if (!isUncertain(err)) break;
      uncertain = true;
      await ctx.sleep(backoff(ctx, attempt, err));
      continue;
    }
    ctx.checkpoint("after_stripe_call");
    row = await transition(deps, row, {
      state: "stripe_applied",
      steps: { ...stepsOf(row), stripe: { attempts: attempt, result } },
    });
    ctx.checkpoint("stripe_applied");
    return row;
  }
  // Out of attempts: did an earlier attempt land even though its answer was lost?
  if (uncertain) {
    try {
      const sub = await deps.upstream.stripe.retrieveSubscription(sp.subscriptionId);
      if (onTargetPrices(sub, sp.items)) {
        return transition(deps, row, {
          state: "stripe_applied",
          steps: {
            ...stepsOf(row),
            stripe: {
              attempts: ctx.tuning.attempts,
              result: "verified: subscription on the new prices",
            },
          },
        });
      }
    } catch {
      // Fall through to review.
    }
  }
  return transition(deps, row, {
    state: "needs_review",
    reviewReason: `The plan changed in Unkey, but Stripe did not take the price change (${lastError}). Retrying is safe: it reuses idempotency key ${row.id}:subscription and proration date ${sp.prorationDate}.`,
  });
}

async function runPlanChange(ctx: RunContext, row: OperationRow): Promise<OperationRow> {
  const input = parseJson(row.input_json) as unknown as StoredInput;
  if (row.state === "pending" && !stepsOf(row).plan) {
    row = await planChange(ctx, row, input);
    if (row.state !== "pending") return row;
  }
  if (row.state === "pending") row = await applyUnkey(ctx, row, input);
  if (row.state === "unkey_applied") row = await applyStripe(ctx, row);
  if (row.state === "stripe_applied") {
    row = await transition(ctx.deps, row, { state: "done" });
    forgetBillingCustomer(ctx.deps, row.external_id, stepsOf(row).plan?.stripe?.customerId);
    await ctx.deps.directory.refreshCustomer(row.external_id).catch((err: unknown) => {
      ctx.deps.log.warn({ err, operationId: row.id }, "refresh after plan change failed");
    });
  }
  return row;
}

registerRunner("plan_change", runPlanChange);
