/**
 * Customer reads, straight from Unkey for now (the directory read model replaces `list` later):
 * a page of identities plus, per identity, its keys (bounded concurrency).
 */
import pLimit from "p-limit";
import { nextRefillAt } from "../domain/refill";
import type { AppDeps } from "../context";
import type { Pool, UpstreamIdentity, UpstreamKey } from "../upstream/index";

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
}

const isoOrNull = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

export async function customerById(deps: AppDeps, externalId: string) {
  // Both reads are independent: run them in parallel.
  const [identity, keys] = await Promise.all([
    deps.upstream.unkey.getIdentity({ externalId }),
    deps.upstream.unkey.keysOf(externalId),
  ]);
  const now = deps.now();
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
    keys: keys.map((k): CustomerKey => ({
      keyId: k.keyId,
      name: k.name,
      start: k.start,
      enabled: k.enabled,
      createdAt: isoOrNull(k.createdAt),
      lastUsedAt: isoOrNull(k.lastUsedAt),
      credits: k.credits,
      nextRefillAt: k.credits?.refill ? isoOrNull(nextRefillAt(k.credits.refill, now)) : null,
      ratelimits: k.ratelimits,
    })),
  };
}
