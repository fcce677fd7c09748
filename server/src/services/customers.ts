/**
 * Customer reads, straight from Unkey for now (the directory read model replaces `list` later):
 * a page of identities plus, per identity, its keys (bounded concurrency).
 */
import pLimit from "p-limit";
import { burnRatePerHour, forecastExhaustion, type Forecast } from "../domain/credits";
import { BURN_WINDOW_MS, deriveCustomer } from "../domain/directory";
import { balanceAfterRefill, nextRefillAt } from "../domain/refill";
import type { AppDeps } from "../context";
import type { Pool, UpstreamIdentity, UpstreamKey } from "../upstream/index";
import { isoOrNull } from "../domain/time";

const str = (v: unknown): string | null => (typeof v === "string" && v.length > 0 ? v : null);

export interface CustomerRow {
  externalId: string;
  identityId: string;
  name: string | null;
  email: string | null;
  plan: string | null;
  keyCount: number;
  /** null = at least one key is unlimited. */
  creditsRemaining: number | null;
  creditsAllowance: number | null;
}

export function summarize(identity: UpstreamIdentity, keys: UpstreamKey[]): CustomerRow {
  let remaining: number | null = 0;
  let allowance: number | null = 0;
  for (const k of keys) {
    if (!k.credits || k.credits.remaining === null) {
      remaining = null;
      allowance = null;
      break;
    }
    remaining += k.credits.remaining;
    allowance = allowance === null ? null : allowance + (k.credits.refill?.amount ?? 0);
  }
  return {
    externalId: identity.externalId,
    identityId: identity.id,
    name: str(identity.meta.name),
    email: str(identity.meta.email),
    plan: str(identity.meta.plan),
    keyCount: keys.length,
    creditsRemaining: remaining,
    creditsAllowance: allowance,
  };
}

export async function listCustomers(
  deps: AppDeps,
  input: { search?: string | undefined; cursor?: string | undefined; limit: number },
) {
  const page = await deps.upstream.unkey.listIdentities({
    limit: input.limit,
    cursor: input.cursor,
    ...(input.search ? { search: input.search } : {}),
  });
  const limit = pLimit(8);
  const items = await Promise.all(
    page.items.map((identity) =>
      limit(async () => summarize(identity, await deps.upstream.unkey.keysOf(identity.externalId))),
    ),
  );
  return { items, nextCursor: page.cursor };
}

export interface CustomerKey {
  keyId: string;
  name: string | null;
  start: string;
  enabled: boolean;
  createdAt: string | null;
  lastUsedAt: string | null;
  credits: UpstreamKey["credits"];
  nextRefillAt: string | null;
  ratelimits: Pool[];
  /** The refill amount; null when the key never refills or is unlimited. */
  allowance: number | null;
  /** What the balance becomes at the next refill (refill replaces; keys at or above the amount
   * are untouched); null when the key never refills or is unlimited. */
  balanceAtNextRefill: number | null;
  /** From the directory's last usage figures; null until the key has been synced. */
  burnPerHour: number | null;
}

export interface CustomerPool extends Pool {
  scope: "identity" | "key";
  /** Keys the pool limits. */
  keyIds: string[];
  /** Identity pools: keys whose own pool of the same name overrides this one. */
  overriddenBy: string[];
}

export type ForecastView =
  | { kind: "unlimited" | "exhausted" | "idle" }
  | { kind: "runs_out"; at: string }
  | { kind: "lasts_until_refill"; at: string };

function forecastView(f: Forecast): ForecastView {
  switch (f.kind) {
    case "unlimited":
    case "exhausted":
    case "idle":
      return { kind: f.kind };
    case "runs_out":
      return { kind: "runs_out", at: new Date(f.at).toISOString() };
    case "lasts_until_refill":
      return { kind: "lasts_until_refill", at: new Date(f.refillAt).toISOString() };
  }
}

/** Identity pools apply to every key of the identity unless a key has its own pool of that name
 * (a key's limit overrides the identity's); key pools apply to their key. */
export function poolsOf(
  identityPools: Pool[],
  keys: { keyId: string; ratelimits: Pool[] }[],
): CustomerPool[] {
  const out: CustomerPool[] = identityPools.map((p) => {
    const overriddenBy = keys
      .filter((k) => k.ratelimits.some((r) => r.name === p.name))
      .map((k) => k.keyId);
    return {
      ...p,
      scope: "identity",
      keyIds: keys.map((k) => k.keyId).filter((id) => !overriddenBy.includes(id)),
      overriddenBy,
    };
  });
  for (const k of keys) {
    for (const p of k.ratelimits) {
      out.push({ ...p, scope: "key", keyIds: [k.keyId], overriddenBy: [] });
    }
  }
  return out;
}

export async function customerById(deps: AppDeps, externalId: string) {
  // Upstream reads are independent: run them in parallel, with the read model's usage figures.
  const [identity, keys, synced] = await Promise.all([
    deps.upstream.unkey.getIdentity({ externalId }),
    deps.upstream.unkey.keysOf(externalId),
    deps.repos.directory.keysOf(externalId),
  ]);
  const now = deps.now();
  const usage = new Map(synced.map((k) => [k.key_id, k]));
  const keyViews = keys.map((k): CustomerKey => {
    const refill = k.credits?.refill ?? null;
    const remaining = k.credits ? k.credits.remaining : null;
    const spent = usage.get(k.keyId)?.spent_24h;
    return {
      keyId: k.keyId,
      name: k.name,
      start: k.start,
      enabled: k.enabled,
      createdAt: isoOrNull(k.createdAt),
      lastUsedAt: isoOrNull(k.lastUsedAt),
      credits: k.credits,
      nextRefillAt: refill ? isoOrNull(nextRefillAt(refill, now)) : null,
      ratelimits: k.ratelimits,
      allowance: remaining !== null && refill ? refill.amount : null,
      balanceAtNextRefill:
        remaining !== null && refill ? balanceAfterRefill(remaining, refill) : null,
      burnPerHour:
        spent === null || spent === undefined
          ? null
          : burnRatePerHour(Number(spent), BURN_WINDOW_MS),
    };
  });
  const limited = keys.filter((k) => k.credits && k.credits.remaining !== null);
  const refills = keys
    .filter((k) => k.credits?.refill && k.credits.remaining !== null)
    .map((k) => nextRefillAt(k.credits!.refill!, now));
  const burns = keyViews.map((k) => k.burnPerHour).filter((b): b is number => b !== null);
  const nextRefill = refills.length ? Math.min(...refills) : null;
  const derived = deriveCustomer(
    {
      keyCount: keys.length,
      unlimitedKeys: keys.length - limited.length,
      remainingSum: limited.reduce((s, k) => s + (k.credits?.remaining ?? 0), 0),
      allowanceSum: limited.some((k) => k.credits?.refill)
        ? limited.reduce((s, k) => s + (k.credits?.refill?.amount ?? 0), 0)
        : null,
      spentInWindow: null,
      nextRefillAt: nextRefill,
    },
    now,
  );
  const burnPerHour = burns.length ? burns.reduce((a, b) => a + b, 0) : null;
  const forecast =
    derived.status === "no_keys"
      ? ({ kind: "idle" } as const)
      : forecastExhaustion({
          remaining: derived.creditsRemaining,
          burnPerHour: burnPerHour ?? 0,
          now,
          nextRefillAt: nextRefill,
        });
  return {
    identity: {
      id: identity.id,
      externalId: identity.externalId,
      name: str(identity.meta.name),
      email: str(identity.meta.email),
      plan: str(identity.meta.plan),
      stripeCustomerId: str(identity.meta.stripeCustomerId),
      ratelimits: identity.ratelimits,
    },
    keys: keyViews,
    summary: {
      creditsRemaining: derived.creditsRemaining,
      creditsAllowance: derived.creditsAllowance,
      percentLeft: derived.percentLeft,
      status: derived.status,
      inOverage: synced.some((k) => k.in_overage === 1),
      burnPerHour,
      forecast: forecastView(forecast),
      nextRefillAt: isoOrNull(nextRefill),
    },
    pools: poolsOf(identity.ratelimits, keys),
  };
}
