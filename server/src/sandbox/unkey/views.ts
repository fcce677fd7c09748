/** Shapes stored rows into the spec's response objects (KeyResponseData, Identity, KeyCreditsData). */
import type { IdentityRow, KeyRow, RatelimitRow, UnkeyStore } from "./store";

export function ratelimitView(r: RatelimitRow) {
  return {
    id: r.id,
    name: r.name,
    limit: r.lim,
    duration: r.duration,
    autoApply: r.auto_apply === 1,
  };
}

export function identityView(store: UnkeyStore, row: IdentityRow) {
  return {
    id: row.id,
    externalId: row.external_id,
    meta: JSON.parse(row.meta) as Record<string, unknown>,
    ratelimits: store.identityRatelimits(row.id).map(ratelimitView),
  };
}

/** `{remaining, refill?}`; remaining null = unlimited (which never carries a refill). */
export function creditsView(
  row: Pick<KeyRow, "remaining" | "refill_interval" | "refill_amount" | "refill_day">,
) {
  const out: {
    remaining: number | null;
    refill?: { interval: "daily" | "monthly"; amount: number; refillDay?: number };
  } = { remaining: row.remaining };
  if (row.remaining !== null && row.refill_interval !== null && row.refill_amount !== null) {
    out.refill = { interval: row.refill_interval, amount: row.refill_amount };
    if (row.refill_interval === "monthly" && row.refill_day !== null)
      out.refill.refillDay = row.refill_day;
  }
  return out;
}

export function keyView(store: UnkeyStore, row: KeyRow, opts: { decrypt?: boolean } = {}) {
  const out: Record<string, unknown> = {
    keyId: row.id,
    start: row.start,
    enabled: row.enabled === 1,
    createdAt: row.created_at,
  };
  if (row.name !== null) out.name = row.name;
  if (row.meta !== null) out.meta = JSON.parse(row.meta);
  if (row.updated_at !== null) out.updatedAt = row.updated_at;
  if (row.last_used_at !== null) out.lastUsedAt = row.last_used_at;
  if (row.expires !== null) out.expires = row.expires;
  out.permissions = JSON.parse(row.permissions);
  out.roles = JSON.parse(row.roles);
  // Like Unkey, unlimited keys carry no `credits` object at all.
  if (row.remaining !== null) out.credits = creditsView(row);
  if (row.identity_id !== null) {
    const identity = store.identity(row.identity_id);
    if (identity) out.identity = identityView(store, identity);
  }
  if (opts.decrypt && row.plaintext !== null) out.plaintext = row.plaintext;
  out.ratelimits = store.keyRatelimits(row.id).map(ratelimitView);
  return out;
}
