/**
 * A large world written straight into the sandbox's state, for benchmarks only. Creating 300k keys
 * through the emulator's API would take minutes (argon-free, but a hash, ids and JSON per call);
 * bulk INSERTs in one transaction into the Unkey emulator's own tables take seconds and yield rows
 * the emulator serves exactly like its own (same columns, same id shapes, api `api_sandbox`).
 * Stripe customers go through the emulator's in-process API instead: its objects are JSON
 * documents with many defaulted fields, and a hand-built one that drifted from the emulator's
 * shape would measure the wrong thing.
 */
import { createHash } from "node:crypto";
import type Database from "better-sqlite3";
import type { Sandbox } from "../src/sandbox/index";

export interface LargeWorldOptions {
  customers: number;
  keys: number;
  /** Customers (the first N) that also get a Stripe customer through the emulator API. */
  stripeCustomers: number;
  /** Unix ms stamped on created rows. */
  now: number;
}

export interface LargeWorldStats {
  identities: number;
  keys: number;
  ratelimits: number;
  stripeCustomers: number;
  unkeyMs: number;
  stripeMs: number;
}

const plans = [
  { id: "starter", amount: 1_000, interval: "daily" as const },
  { id: "growth", amount: 100_000, interval: "monthly" as const },
  { id: "scale", amount: 1_000_000, interval: "monthly" as const },
];

const hex = (s: string) => createHash("sha256").update(s).digest("hex");

export const benchExternalId = (i: number) => `bench-${String(i).padStart(6, "0")}`;

/** Bulk-insert identities, keys and identity pools into the Unkey emulator's tables. */
export function bulkInsertUnkeyWorld(
  db: Database.Database,
  apiId: string,
  opts: Pick<LargeWorldOptions, "customers" | "keys" | "now">,
  stripeIdOf: (i: number) => string | null,
): Pick<LargeWorldStats, "identities" | "keys" | "ratelimits" | "unkeyMs"> {
  const t = performance.now();
  const insIdentity = db.prepare(
    "INSERT INTO unkey_identities (id, external_id, meta, created_at) VALUES (?, ?, ?, ?)",
  );
  const insKey = db.prepare(
    `INSERT INTO unkey_keys (id, api_id, hash, start, plaintext, name, meta, identity_id, enabled,
       expires, remaining, refill_interval, refill_amount, refill_day, permissions, roles, created_at,
       last_used_at)
     VALUES (?, ?, ?, ?, NULL, ?, NULL, ?, 1, NULL, ?, ?, ?, ?, '[]', '[]', ?, ?)`,
  );
  const insPool = db.prepare(
    `INSERT INTO unkey_ratelimits (id, key_id, identity_id, name, lim, duration, auto_apply, position)
     VALUES (?, NULL, ?, 'requests', ?, 1000, 1, 0)`,
  );
  let keys = 0;
  db.transaction(() => {
    for (let i = 0; i < opts.customers; i++) {
      const plan = plans[i % plans.length]!;
      const identityId = `id_bench${i.toString(36).padStart(6, "0")}`;
      const externalId = benchExternalId(i);
      const stripe = stripeIdOf(i);
      insIdentity.run(
        identityId,
        externalId,
        JSON.stringify({
          name: `Bench Customer ${i}`,
          email: `billing+${i}@bench.example`,
          plan: plan.id,
          ...(stripe ? { stripeCustomerId: stripe } : {}),
        }),
        opts.now - (i % 365) * 86_400_000,
      );
      insPool.run(`rl_bench${i.toString(36)}`, identityId, 10 * (1 + (i % 3)));
      // Spread the keys evenly: customer i gets floor/ceil of keys/customers (1-5 at 3 per).
      const n =
        Math.floor(((i + 1) * opts.keys) / opts.customers) -
        Math.floor((i * opts.keys) / opts.customers);
      for (let k = 0; k < n; k++) {
        const seq = keys++;
        const keyId = `key_bench${seq.toString(36).padStart(7, "0")}`;
        // Remaining: a spread from exhausted to full, deterministic per key.
        const remaining = Math.floor((plan.amount * ((seq * 7919) % 101)) / 100);
        insKey.run(
          keyId,
          apiId,
          hex(`bench-key-${seq}`),
          `bk_${keyId.slice(-4)}`,
          `key ${k + 1}`,
          identityId,
          remaining,
          plan.interval,
          plan.amount,
          plan.interval === "monthly" ? 1 + (i % 28) : null,
          opts.now - (seq % 300) * 86_400_000,
          seq % 5 === 0 ? null : opts.now - (seq % 1440) * 60_000,
        );
      }
    }
  })();
  return {
    identities: opts.customers,
    keys,
    ratelimits: opts.customers,
    unkeyMs: performance.now() - t,
  };
}

/** Stripe customers for the first `n` bench customers, through the emulator's own API. */
export async function createStripeCustomers(
  sandbox: Pick<Sandbox, "stripe" | "db">,
  n: number,
): Promise<{ ids: string[]; ms: number }> {
  const t = performance.now();
  const ids: string[] = [];
  // One transaction around many in-process calls, as the sandbox's own seeding does.
  sandbox.db.exec("BEGIN");
  try {
    for (let i = 0; i < n; i++) {
      const res = await sandbox.stripe.call("POST", "/v1/customers", {
        name: `Bench Customer ${i}`,
        email: `billing+${i}@bench.example`,
        metadata: { unkey_external_id: benchExternalId(i) },
      });
      if (res.status >= 300) throw new Error(`create customer: ${JSON.stringify(res.body)}`);
      ids.push((res.body as { id: string }).id);
    }
    sandbox.db.exec("COMMIT");
  } catch (err) {
    sandbox.db.exec("ROLLBACK");
    throw err;
  }
  return { ids, ms: performance.now() - t };
}

export interface UsageHistoryStats {
  rows: number;
  verifications: number;
  fromMs: number;
  toMs: number;
  ms: number;
}

/**
 * Per-day usage for every bench key, written straight into the emulator's per-day rollup
 * (`unkey_verifications_per_day`, what `key_verifications_per_day_v1` reads), from the first day
 * of the previous month up to today (UTC): the finance page's month question reads only this
 * rollup (both its period and the previous one), so no raw events and no per-month rows are
 * written. Each key is active on one day in four (staggered by key), with a deterministic
 * 1–400 VALID verifications of 1 credit each that day; every third active day also has a
 * RATE_LIMITED row (a tenth of the VALID count, 0 credits). Tags `[]`, key space of the bench api.
 */
export function bulkInsertUsageRollups(db: Database.Database, now: number): UsageHistoryStats {
  const t = performance.now();
  const DAY = 86_400_000;
  const d = new Date(now);
  const fromMs = Date.UTC(d.getUTCFullYear(), d.getUTCMonth() - 1, 1);
  const toMs = Math.floor(now / DAY) * DAY; // today included
  const keys = db
    .prepare(
      `SELECT k.id AS keyId, i.external_id AS ext, a.keyspace_id AS ks, k.seq AS seq FROM unkey_keys k
       JOIN unkey_identities i ON i.id = k.identity_id JOIN unkey_apis a ON a.id = k.api_id
       WHERE k.id LIKE 'key_bench%'`,
    )
    .all() as { keyId: string; ext: string; ks: string; seq: number }[];
  const ins = db.prepare(
    `INSERT INTO unkey_verifications_per_day (time, key_space_id, key_id, external_id, outcome, tags, count, spent_credits)
     VALUES (?, ?, ?, ?, ?, '[]', ?, ?)`,
  );
  let rows = 0;
  let verifications = 0;
  db.transaction(() => {
    for (let day = fromMs, di = 0; day <= toMs; day += DAY, di++) {
      for (const k of keys) {
        if ((k.seq + di) % 4 !== 0) continue;
        const valid = 1 + ((k.seq * 7919 + di * 104_729) % 400);
        ins.run(day, k.ks, k.keyId, k.ext, "VALID", valid, valid);
        rows++;
        verifications += valid;
        if ((k.seq + di) % 12 === 0) {
          const limited = Math.max(1, Math.floor(valid / 10));
          ins.run(day, k.ks, k.keyId, k.ext, "RATE_LIMITED", limited, 0);
          rows++;
          verifications += limited;
        }
      }
    }
  })();
  return { rows, verifications, fromMs, toMs, ms: performance.now() - t };
}

export interface RecentVerificationStats {
  rows: number;
  keys: number;
  credits: number;
  ms: number;
}

/**
 * Raw verification events in the last 24 hours for three bench keys in four (one VALID event
 * each, 1–50 credits), so the directory sync's usage question (`key_verifications_v1` grouped by
 * key, one `sumIf` column per refill-period start) returns a row for most of the 300k keys, in
 * pages, as it would in production. Only the raw table is written: the per-day rollups stay as
 * `bulkInsertUsageRollups` wrote them, so the finance figures (which read the rollups) do not
 * move.
 */
export function bulkInsertRecentVerifications(
  db: Database.Database,
  now: number,
): RecentVerificationStats {
  const t = performance.now();
  const keys = db
    .prepare(
      `SELECT k.id AS keyId, i.external_id AS ext, a.keyspace_id AS ks, k.seq AS seq FROM unkey_keys k
       JOIN unkey_identities i ON i.id = k.identity_id JOIN unkey_apis a ON a.id = k.api_id
       WHERE k.id LIKE 'key_bench%'`,
    )
    .iterate() as IterableIterator<{ keyId: string; ext: string; ks: string; seq: number }>;
  const ins = db.prepare(
    `INSERT INTO unkey_verifications (time, request_id, key_space_id, key_id, external_id, outcome, region, tags, spent_credits)
     VALUES (?, NULL, ?, ?, ?, 'VALID', 'bench', '[]', ?)`,
  );
  // Collected first: better-sqlite3 does not allow writes while a read statement iterates.
  const rows: [number, string, string, string, number][] = [];
  let n = 0;
  for (const k of keys) {
    n++;
    if (k.seq % 4 === 3) continue;
    // Spread over the last 23 hours, at least a minute ago.
    const time = now - 60_000 - ((k.seq * 7_919) % (23 * 3_600_000));
    rows.push([time, k.ks, k.keyId, k.ext, 1 + ((k.seq * 104_729) % 50)]);
  }
  let credits = 0;
  db.transaction(() => {
    for (const r of rows) {
      ins.run(...r);
      credits += r[4];
    }
  })();
  return { rows: rows.length, keys: n, credits, ms: performance.now() - t };
}
